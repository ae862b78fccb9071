namespace Jaeger.Storage.Cassandra.Protocol;

/// <summary>A CQL data type as the protocol's [option] describes it (spec section 4.2.5.2), nested for collections and UDTs.</summary>
internal sealed class CqlType
{
    /// <summary>Bounds nesting when reading a type from the wire, so a hostile frame cannot recurse without end.</summary>
    private const int MaxDepth = 16;

    private CqlType(CqlTypeCode code, IReadOnlyList<CqlType>? parameters = null, string? customClass = null)
    {
        Code = code;
        Parameters = parameters ?? [];
        CustomClass = customClass;
    }

    public static CqlType Ascii { get; } = new(CqlTypeCode.Ascii);

    public static CqlType Bigint { get; } = new(CqlTypeCode.Bigint);

    public static CqlType Blob { get; } = new(CqlTypeCode.Blob);

    public static CqlType Boolean { get; } = new(CqlTypeCode.Boolean);

    public static CqlType Double { get; } = new(CqlTypeCode.Double);

    public static CqlType Float { get; } = new(CqlTypeCode.Float);

    public static CqlType Int { get; } = new(CqlTypeCode.Int);

    public static CqlType Timestamp { get; } = new(CqlTypeCode.Timestamp);

    public static CqlType Uuid { get; } = new(CqlTypeCode.Uuid);

    public static CqlType Text { get; } = new(CqlTypeCode.Varchar);

    public static CqlType Timeuuid { get; } = new(CqlTypeCode.Timeuuid);

    public static CqlType Inet { get; } = new(CqlTypeCode.Inet);

    public static CqlType Smallint { get; } = new(CqlTypeCode.Smallint);

    public static CqlType Tinyint { get; } = new(CqlTypeCode.Tinyint);

    public static CqlType Counter { get; } = new(CqlTypeCode.Counter);

    public CqlTypeCode Code { get; }

    /// <summary>Element type (list, set), key and value types (map), components (tuple), field types (UDT).</summary>
    public IReadOnlyList<CqlType> Parameters { get; }

    public string? CustomClass { get; }

    /// <summary>The keyspace of a UDT.</summary>
    public string? Keyspace { get; private init; }

    /// <summary>The name of a UDT.</summary>
    public string? Name { get; private init; }

    /// <summary>The field names of a UDT, in declared order.</summary>
    public IReadOnlyList<string> FieldNames { get; private init; } = [];

    public bool IsText => Code is CqlTypeCode.Varchar or CqlTypeCode.LegacyText or CqlTypeCode.Ascii;

    public static CqlType List(CqlType element) => new(CqlTypeCode.List, [element]);

    public static CqlType Set(CqlType element) => new(CqlTypeCode.Set, [element]);

    public static CqlType Map(CqlType key, CqlType value) => new(CqlTypeCode.Map, [key, value]);

    public static CqlType Tuple(params CqlType[] components) => new(CqlTypeCode.Tuple, components);

    public static CqlType Udt(string keyspace, string name, IReadOnlyList<(string Name, CqlType Type)> fields)
    {
        var names = new string[fields.Count];
        var types = new CqlType[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            (names[i], types[i]) = fields[i];
        }

        return new CqlType(CqlTypeCode.Udt, types) { Keyspace = keyspace, Name = name, FieldNames = names };
    }

    /// <summary>The index of a UDT field by name; -1 when the type has no such field.</summary>
    public int FieldIndex(string name)
    {
        for (var i = 0; i < FieldNames.Count; i++)
        {
            if (FieldNames[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Reads an [option].</summary>
    public static CqlType Read(ref CqlReader reader) => Read(ref reader, 0);

    /// <summary>Writes this type as an [option].</summary>
    public void Write(CqlBufferWriter writer)
    {
        writer.WriteShort((ushort)Code);
        switch (Code)
        {
            case CqlTypeCode.Custom:
                writer.WriteString(CustomClass ?? string.Empty);
                break;
            case CqlTypeCode.List or CqlTypeCode.Set or CqlTypeCode.Map:
                foreach (var parameter in Parameters)
                {
                    parameter.Write(writer);
                }

                break;
            case CqlTypeCode.Udt:
                writer.WriteString(Keyspace ?? string.Empty);
                writer.WriteString(Name ?? string.Empty);
                writer.WriteShort((ushort)FieldNames.Count);
                for (var i = 0; i < FieldNames.Count; i++)
                {
                    writer.WriteString(FieldNames[i]);
                    Parameters[i].Write(writer);
                }

                break;
            case CqlTypeCode.Tuple:
                writer.WriteShort((ushort)Parameters.Count);
                foreach (var parameter in Parameters)
                {
                    parameter.Write(writer);
                }

                break;
        }
    }

    /// <summary>The type as CQL writes it, for messages.</summary>
    public override string ToString()
    {
        return Code switch
        {
            CqlTypeCode.List => $"list<{Parameters[0]}>",
            CqlTypeCode.Set => $"set<{Parameters[0]}>",
            CqlTypeCode.Map => $"map<{Parameters[0]}, {Parameters[1]}>",
            CqlTypeCode.Tuple => $"tuple<{string.Join(", ", Parameters)}>",
            CqlTypeCode.Udt => $"{Keyspace}.{Name}",
            CqlTypeCode.Custom => $"'{CustomClass}'",
            CqlTypeCode.LegacyText or CqlTypeCode.Varchar => "text",
            _ => Code.ToString().ToLowerInvariant(),
        };
    }

    private static CqlType Read(ref CqlReader reader, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new CqlProtocolException($"A type is nested deeper than {MaxDepth} levels.");
        }

        var code = (CqlTypeCode)reader.ReadShort();
        switch (code)
        {
            case CqlTypeCode.Custom:
                return new CqlType(code, customClass: reader.ReadString());
            case CqlTypeCode.List or CqlTypeCode.Set:
                return new CqlType(code, [Read(ref reader, depth + 1)]);
            case CqlTypeCode.Map:
                var key = Read(ref reader, depth + 1);
                return new CqlType(code, [key, Read(ref reader, depth + 1)]);
            case CqlTypeCode.Udt:
                var keyspace = reader.ReadString();
                var name = reader.ReadString();
                int count = reader.ReadShort();
                var names = new string[count];
                var types = new CqlType[count];
                for (var i = 0; i < count; i++)
                {
                    names[i] = reader.ReadString();
                    types[i] = Read(ref reader, depth + 1);
                }

                return new CqlType(code, types) { Keyspace = keyspace, Name = name, FieldNames = names };
            case CqlTypeCode.Tuple:
                int components = reader.ReadShort();
                var parts = new CqlType[components];
                for (var i = 0; i < components; i++)
                {
                    parts[i] = Read(ref reader, depth + 1);
                }

                return new CqlType(code, parts);
            case >= CqlTypeCode.Ascii and <= CqlTypeCode.Tinyint:
                return Primitive(code);
            default:
                throw new CqlProtocolException($"Unknown type option id 0x{(ushort)code:x4}.");
        }
    }

    private static CqlType Primitive(CqlTypeCode code) => code switch
    {
        CqlTypeCode.Ascii => Ascii,
        CqlTypeCode.Bigint => Bigint,
        CqlTypeCode.Blob => Blob,
        CqlTypeCode.Boolean => Boolean,
        CqlTypeCode.Double => Double,
        CqlTypeCode.Float => Float,
        CqlTypeCode.Int => Int,
        CqlTypeCode.Timestamp => Timestamp,
        CqlTypeCode.Uuid => Uuid,
        CqlTypeCode.Varchar => Text,
        CqlTypeCode.Timeuuid => Timeuuid,
        CqlTypeCode.Inet => Inet,
        CqlTypeCode.Smallint => Smallint,
        CqlTypeCode.Tinyint => Tinyint,
        CqlTypeCode.Counter => Counter,
        _ => new CqlType(code),
    };
}
