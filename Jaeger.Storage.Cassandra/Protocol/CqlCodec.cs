using System.Buffers.Binary;
using System.Collections;
using System.Net;
using System.Text;

namespace Jaeger.Storage.Cassandra.Protocol;

/// <summary>The value of a user-defined type: its fields in the type's declared order.</summary>
internal sealed class CqlUdtValue(CqlType type, object?[] values)
{
    public CqlType Type { get; } = type;

    public object?[] Values { get; } = values;

    /// <summary>A field by name; null when the field is null or the type has no such field.</summary>
    public object? this[string name] => Type.FieldIndex(name) is var i and >= 0 && i < Values.Length ? Values[i] : null;
}

/// <summary>Marks a bound value as "not set" (length -2): the column keeps whatever it holds.</summary>
internal sealed class CqlUnset
{
    private CqlUnset()
    {
    }

    public static CqlUnset Value { get; } = new();
}

/// <summary>
/// Encodes .NET values to CQL cells and back (v4 spec sections 6 and 7). Collections use 4-byte counts and
/// lengths (v3+). An empty list or set is written as a zero-count collection, as gocql (Jaeger's driver) does.
/// </summary>
internal static class CqlCodec
{
    private const int MaxDepth = 16;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes <paramref name="value"/> as a [value] of <paramref name="type"/> (length prefix included); null for a null value.</summary>
    public static void WriteValue(CqlBufferWriter writer, object? value, CqlType? type)
    {
        switch (value)
        {
            case null:
                writer.WriteNull();
                return;
            case CqlUnset:
                writer.WriteUnset();
                return;
        }

        type ??= InferType(value);
        var mark = writer.BeginLength();
        WriteCell(writer, value, type, 0);
        writer.EndLength(mark);
    }

    /// <summary>The type a value is sent as when the statement gives none (an unprepared QUERY).</summary>
    public static CqlType InferType(object value) => value switch
    {
        string => CqlType.Text,
        long => CqlType.Bigint,
        int => CqlType.Int,
        bool => CqlType.Boolean,
        double => CqlType.Double,
        float => CqlType.Float,
        short => CqlType.Smallint,
        sbyte => CqlType.Tinyint,
        byte[] or ReadOnlyMemory<byte> => CqlType.Blob,
        DateTimeOffset or DateTime => CqlType.Timestamp,
        Guid => CqlType.Uuid,
        IPAddress => CqlType.Inet,
        CqlUdtValue udt => udt.Type,
        IDictionary => throw new ArgumentException("A map needs its type given; it cannot be inferred."),
        IEnumerable list => CqlType.List(InferElementType(list)),
        _ => throw new ArgumentException($"No CQL type for a value of type {value.GetType().Name}."),
    };

    /// <summary>Decodes a cell of <paramref name="type"/>; null cells are handled by the caller.</summary>
    public static object? Decode(ReadOnlySpan<byte> cell, CqlType type) => Decode(cell, type, 0);

    private static CqlType InferElementType(IEnumerable list)
    {
        foreach (var item in list)
        {
            if (item is not null)
            {
                return InferType(item);
            }
        }

        return CqlType.Blob;
    }

    private static void WriteCell(CqlBufferWriter writer, object value, CqlType type, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException($"A value is nested deeper than {MaxDepth} levels.");
        }

        switch (type.Code)
        {
            case CqlTypeCode.Varchar or CqlTypeCode.LegacyText or CqlTypeCode.Ascii:
                writer.WriteUtf8(value as string ?? throw Mismatch(value, type));
                break;
            case CqlTypeCode.Bigint or CqlTypeCode.Counter:
                writer.WriteLong(value switch { long l => l, int i => i, _ => throw Mismatch(value, type) });
                break;
            case CqlTypeCode.Int:
                writer.WriteInt(value as int? ?? throw Mismatch(value, type));
                break;
            case CqlTypeCode.Smallint:
                writer.WriteShort(unchecked((ushort)(value as short? ?? throw Mismatch(value, type))));
                break;
            case CqlTypeCode.Tinyint:
                writer.WriteByte(unchecked((byte)(value as sbyte? ?? throw Mismatch(value, type))));
                break;
            case CqlTypeCode.Boolean:
                writer.WriteByte((value as bool? ?? throw Mismatch(value, type)) ? (byte)1 : (byte)0);
                break;
            case CqlTypeCode.Double:
                writer.WriteDouble(value as double? ?? throw Mismatch(value, type));
                break;
            case CqlTypeCode.Float:
                writer.WriteInt(BitConverter.SingleToInt32Bits(value as float? ?? throw Mismatch(value, type)));
                break;
            case CqlTypeCode.Blob:
                writer.WriteRaw(value switch { byte[] b => b, ReadOnlyMemory<byte> m => m.Span, _ => throw Mismatch(value, type) });
                break;
            case CqlTypeCode.Timestamp:
                writer.WriteLong(value switch
                {
                    DateTimeOffset t => t.ToUnixTimeMilliseconds(),
                    DateTime t => new DateTimeOffset(t.ToUniversalTime()).ToUnixTimeMilliseconds(),
                    long ms => ms,
                    _ => throw Mismatch(value, type),
                });
                break;
            case CqlTypeCode.Uuid or CqlTypeCode.Timeuuid:
                Span<byte> uuid = stackalloc byte[16];
                (value as Guid? ?? throw Mismatch(value, type)).TryWriteBytes(uuid, bigEndian: true, out _);
                writer.WriteRaw(uuid);
                break;
            case CqlTypeCode.Inet:
                writer.WriteRaw((value as IPAddress ?? throw Mismatch(value, type)).GetAddressBytes());
                break;
            case CqlTypeCode.List or CqlTypeCode.Set:
                WriteCollection(writer, value as IEnumerable ?? throw Mismatch(value, type), type.Parameters[0], depth);
                break;
            case CqlTypeCode.Map:
                WriteMap(writer, value as IDictionary ?? throw Mismatch(value, type), type, depth);
                break;
            case CqlTypeCode.Udt:
                WriteUdt(writer, value, type, depth);
                break;
            case CqlTypeCode.Tuple:
                var components = value as object?[] ?? throw Mismatch(value, type);
                for (var i = 0; i < type.Parameters.Count; i++)
                {
                    WriteNested(writer, i < components.Length ? components[i] : null, type.Parameters[i], depth);
                }

                break;
            default:
                throw new NotSupportedException($"Encoding CQL type {type} is not supported.");
        }
    }

    private static void WriteCollection(CqlBufferWriter writer, IEnumerable items, CqlType element, int depth)
    {
        var countAt = writer.Length;
        writer.WriteInt(0);
        var count = 0;
        foreach (var item in items)
        {
            if (item is null)
            {
                throw new ArgumentException("A collection cannot hold null elements.");
            }

            WriteNested(writer, item, element, depth);
            count++;
        }

        writer.PatchInt(countAt, count);
    }

    private static void WriteMap(CqlBufferWriter writer, IDictionary map, CqlType type, int depth)
    {
        writer.WriteInt(map.Count);
        foreach (DictionaryEntry entry in map)
        {
            if (entry.Value is null)
            {
                throw new ArgumentException("A map cannot hold null values.");
            }

            WriteNested(writer, entry.Key, type.Parameters[0], depth);
            WriteNested(writer, entry.Value, type.Parameters[1], depth);
        }
    }

    private static void WriteUdt(CqlBufferWriter writer, object value, CqlType type, int depth)
    {
        switch (value)
        {
            case CqlUdtValue udt:
                for (var i = 0; i < type.FieldNames.Count; i++)
                {
                    var at = udt.Type == type ? i : udt.Type.FieldIndex(type.FieldNames[i]);
                    WriteNested(writer, at >= 0 && at < udt.Values.Length ? udt.Values[at] : null, type.Parameters[i], depth);
                }

                break;
            case object?[] values:
                for (var i = 0; i < type.FieldNames.Count; i++)
                {
                    WriteNested(writer, i < values.Length ? values[i] : null, type.Parameters[i], depth);
                }

                break;
            case IReadOnlyDictionary<string, object?> byName:
                for (var i = 0; i < type.FieldNames.Count; i++)
                {
                    WriteNested(writer, byName.GetValueOrDefault(type.FieldNames[i]), type.Parameters[i], depth);
                }

                break;
            default:
                throw Mismatch(value, type);
        }
    }

    private static void WriteNested(CqlBufferWriter writer, object? value, CqlType type, int depth)
    {
        if (value is null)
        {
            writer.WriteNull();
            return;
        }

        var mark = writer.BeginLength();
        WriteCell(writer, value, type, depth + 1);
        writer.EndLength(mark);
    }

    private static ArgumentException Mismatch(object value, CqlType type) =>
        new($"A value of type {value.GetType().Name} cannot be sent as CQL {type}.");

    private static object? Decode(ReadOnlySpan<byte> cell, CqlType type, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new CqlProtocolException($"A value is nested deeper than {MaxDepth} levels.");
        }

        switch (type.Code)
        {
            case CqlTypeCode.Varchar or CqlTypeCode.LegacyText or CqlTypeCode.Ascii:
                try
                {
                    return StrictUtf8.GetString(cell);
                }
                catch (DecoderFallbackException)
                {
                    throw new CqlProtocolException("A text value is not valid UTF-8.");
                }

            case CqlTypeCode.Bigint or CqlTypeCode.Counter:
                return cell.Length == 0 ? null : BinaryPrimitives.ReadInt64BigEndian(Exact(cell, 8, type));
            case CqlTypeCode.Int:
                return cell.Length == 0 ? null : BinaryPrimitives.ReadInt32BigEndian(Exact(cell, 4, type));
            case CqlTypeCode.Smallint:
                return cell.Length == 0 ? null : BinaryPrimitives.ReadInt16BigEndian(Exact(cell, 2, type));
            case CqlTypeCode.Tinyint:
                return cell.Length == 0 ? null : (sbyte)Exact(cell, 1, type)[0];
            case CqlTypeCode.Boolean:
                return cell.Length == 0 ? null : Exact(cell, 1, type)[0] != 0;
            case CqlTypeCode.Double:
                return cell.Length == 0 ? null : BinaryPrimitives.ReadDoubleBigEndian(Exact(cell, 8, type));
            case CqlTypeCode.Float:
                return cell.Length == 0 ? null : BinaryPrimitives.ReadSingleBigEndian(Exact(cell, 4, type));
            case CqlTypeCode.Blob:
                return cell.ToArray();
            case CqlTypeCode.Timestamp:
                return cell.Length == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(Exact(cell, 8, type)));
            case CqlTypeCode.Uuid or CqlTypeCode.Timeuuid:
                return cell.Length == 0 ? null : new Guid(Exact(cell, 16, type), bigEndian: true);
            case CqlTypeCode.Inet:
                return cell.Length is 4 or 16 ? new IPAddress(cell) : throw new CqlProtocolException($"An inet value has {cell.Length} bytes.");
            case CqlTypeCode.List or CqlTypeCode.Set:
                return DecodeCollection(cell, type.Parameters[0], depth);
            case CqlTypeCode.Map:
                return DecodeMap(cell, type, depth);
            case CqlTypeCode.Udt:
                return DecodeUdt(cell, type, depth);
            case CqlTypeCode.Tuple:
                var reader = new CqlReader(cell);
                var components = new object?[type.Parameters.Count];
                for (var i = 0; i < components.Length && reader.Remaining > 0; i++)
                {
                    components[i] = reader.TryReadBytes(out var bytes) ? Decode(bytes, type.Parameters[i], depth + 1) : null;
                }

                return components;
            default:
                return cell.ToArray();
        }
    }

    private static List<object?> DecodeCollection(ReadOnlySpan<byte> cell, CqlType element, int depth)
    {
        var reader = new CqlReader(cell);
        var count = reader.ReadInt();
        if (count < 0 || count > reader.Remaining / 4)
        {
            throw new CqlProtocolException($"A collection claims {count} elements in {reader.Remaining} bytes.");
        }

        var list = new List<object?>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(reader.TryReadBytes(out var bytes) ? Decode(bytes, element, depth + 1) : null);
        }

        return list;
    }

    private static Dictionary<object, object?> DecodeMap(ReadOnlySpan<byte> cell, CqlType type, int depth)
    {
        var reader = new CqlReader(cell);
        var count = reader.ReadInt();
        if (count < 0 || count > reader.Remaining / 8)
        {
            throw new CqlProtocolException($"A map claims {count} entries in {reader.Remaining} bytes.");
        }

        var map = new Dictionary<object, object?>(count);
        for (var i = 0; i < count; i++)
        {
            var key = reader.TryReadBytes(out var keyBytes) ? Decode(keyBytes, type.Parameters[0], depth + 1) : null;
            var value = reader.TryReadBytes(out var valueBytes) ? Decode(valueBytes, type.Parameters[1], depth + 1) : null;
            map[key ?? throw new CqlProtocolException("A map key is null.")] = value;
        }

        return map;
    }

    private static CqlUdtValue DecodeUdt(ReadOnlySpan<byte> cell, CqlType type, int depth)
    {
        var reader = new CqlReader(cell);
        var values = new object?[type.FieldNames.Count];

        // Trailing fields may be missing (a field added after the value was written): they read as null.
        for (var i = 0; i < values.Length && reader.Remaining > 0; i++)
        {
            values[i] = reader.TryReadBytes(out var bytes) ? Decode(bytes, type.Parameters[i], depth + 1) : null;
        }

        return new CqlUdtValue(type, values);
    }

    private static ReadOnlySpan<byte> Exact(ReadOnlySpan<byte> cell, int size, CqlType type) =>
        cell.Length == size ? cell : throw new CqlProtocolException($"A {type} value has {cell.Length} bytes, not {size}.");
}
