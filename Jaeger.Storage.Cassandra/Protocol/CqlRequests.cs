namespace Jaeger.Storage.Cassandra.Protocol;

/// <summary>The query parameters of QUERY and EXECUTE (v4 spec section 4.1.4), apart from the values.</summary>
internal readonly record struct CqlQueryParameters
{
    public CqlQueryParameters()
    {
    }

    public CqlConsistency Consistency { get; init; } = CqlConsistency.LocalOne;

    /// <summary>Rows per page; 0 or less sends no page size (the whole result at once, as Jaeger's index queries need).</summary>
    public int PageSize { get; init; }

    public byte[]? PagingState { get; init; }

    public CqlConsistency? SerialConsistency { get; init; }

    /// <summary>The write time in microseconds since the epoch; null lets the server assign it.</summary>
    public long? DefaultTimestamp { get; init; }

    public bool SkipMetadata { get; init; }
}

/// <summary>One statement of a BATCH: a query string or a prepared id, with its values.</summary>
internal readonly record struct CqlBatchStatement(string? Query, byte[]? PreparedId, IReadOnlyList<object?> Values, IReadOnlyList<CqlType>? Types = null);

/// <summary>Writes v4 request frames (header and body) into a <see cref="CqlBufferWriter"/>, one after another for pipelining.</summary>
internal static class CqlRequests
{
    /// <summary>The CQL version every v4 STARTUP names.</summary>
    public const string CqlVersion = "3.0.0";

    public static void WriteStartup(CqlBufferWriter writer, short streamId, IReadOnlyList<KeyValuePair<string, string>> options)
    {
        var start = writer.BeginFrame(CqlOpcode.Startup, streamId);
        writer.WriteStringMap(options);
        writer.EndFrame(start);
    }

    public static void WriteOptions(CqlBufferWriter writer, short streamId)
    {
        var start = writer.BeginFrame(CqlOpcode.Options, streamId);
        writer.EndFrame(start);
    }

    public static void WriteAuthResponse(CqlBufferWriter writer, short streamId, ReadOnlySpan<byte> token)
    {
        var start = writer.BeginFrame(CqlOpcode.AuthResponse, streamId);
        writer.WriteBytes(token);
        writer.EndFrame(start);
    }

    /// <summary>The SASL PLAIN token of Cassandra's PasswordAuthenticator: 0, user name, 0, password (UTF-8).</summary>
    public static byte[] PlainTextToken(string userName, string password)
    {
        using var token = new CqlBufferWriter(64);
        token.WriteByte(0);
        token.WriteUtf8(userName);
        token.WriteByte(0);
        token.WriteUtf8(password);
        return token.ToArray();
    }

    public static void WriteRegister(CqlBufferWriter writer, short streamId, IReadOnlyList<string> events)
    {
        var start = writer.BeginFrame(CqlOpcode.Register, streamId);
        writer.WriteStringList(events);
        writer.EndFrame(start);
    }

    public static void WritePrepare(CqlBufferWriter writer, short streamId, string query)
    {
        var start = writer.BeginFrame(CqlOpcode.Prepare, streamId);
        writer.WriteLongString(query);
        writer.EndFrame(start);
    }

    /// <summary>QUERY with positional values (types inferred when <paramref name="types"/> is null) or, when <paramref name="names"/> is given, named values.</summary>
    public static void WriteQuery(CqlBufferWriter writer, short streamId, string query, IReadOnlyList<object?>? values, in CqlQueryParameters parameters, IReadOnlyList<CqlType>? types = null, IReadOnlyList<string>? names = null)
    {
        var start = writer.BeginFrame(CqlOpcode.Query, streamId);
        writer.WriteLongString(query);
        WriteQueryParameters(writer, values, types, names, parameters);
        writer.EndFrame(start);
    }

    /// <summary>EXECUTE of a prepared id with positional values of the prepared statement's variable types.</summary>
    public static void WriteExecute(CqlBufferWriter writer, short streamId, ReadOnlySpan<byte> preparedId, IReadOnlyList<object?>? values, in CqlQueryParameters parameters, IReadOnlyList<CqlType>? types)
    {
        var start = writer.BeginFrame(CqlOpcode.Execute, streamId);
        writer.WriteShortBytes(preparedId);
        WriteQueryParameters(writer, values, types, null, parameters);
        writer.EndFrame(start);
    }

    /// <summary>EXECUTE of a prepared id with query parameters encoded beforehand (consistency, flags, values and what the flags announce).</summary>
    public static void WriteExecute(CqlBufferWriter writer, short streamId, ReadOnlySpan<byte> preparedId, ReadOnlySpan<byte> encodedParameters)
    {
        var start = writer.BeginFrame(CqlOpcode.Execute, streamId);
        writer.WriteShortBytes(preparedId);
        writer.WriteRaw(encodedParameters);
        writer.EndFrame(start);
    }

    public static void WriteBatch(CqlBufferWriter writer, short streamId, CqlBatchType type, IReadOnlyList<CqlBatchStatement> statements, CqlConsistency consistency, CqlConsistency? serialConsistency = null, long? defaultTimestamp = null)
    {
        if (statements.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one statement.", nameof(statements));
        }

        var start = writer.BeginFrame(CqlOpcode.Batch, streamId);
        writer.WriteByte((byte)type);
        writer.WriteShort(checked((ushort)statements.Count));
        foreach (var statement in statements)
        {
            if (statement.PreparedId is { } id)
            {
                writer.WriteByte(1);
                writer.WriteShortBytes(id);
            }
            else
            {
                writer.WriteByte(0);
                writer.WriteLongString(statement.Query ?? throw new ArgumentException("A batch statement needs a query or a prepared id.", nameof(statements)));
            }

            writer.WriteShort(checked((ushort)statement.Values.Count));
            for (var i = 0; i < statement.Values.Count; i++)
            {
                CqlCodec.WriteValue(writer, statement.Values[i], statement.Types is { } t && i < t.Count ? t[i] : null);
            }
        }

        writer.WriteShort((ushort)consistency);
        var flags = CqlQueryFlags.None;
        flags |= serialConsistency is null ? 0 : CqlQueryFlags.WithSerialConsistency;
        flags |= defaultTimestamp is null ? 0 : CqlQueryFlags.WithDefaultTimestamp;
        writer.WriteByte((byte)flags);
        if (serialConsistency is { } serial)
        {
            writer.WriteShort((ushort)serial);
        }

        if (defaultTimestamp is { } timestamp)
        {
            writer.WriteLong(timestamp);
        }

        writer.EndFrame(start);
    }

    private static void WriteQueryParameters(CqlBufferWriter writer, IReadOnlyList<object?>? values, IReadOnlyList<CqlType>? types, IReadOnlyList<string>? names, in CqlQueryParameters parameters)
    {
        var count = values?.Count ?? 0;
        if (names is not null && names.Count != count)
        {
            throw new ArgumentException($"{names.Count} names were given for {count} values.", nameof(names));
        }

        if (types is not null && count > types.Count)
        {
            throw new ArgumentException($"The statement has {types.Count} bind markers; {count} values were given.", nameof(values));
        }

        var flags = CqlQueryFlags.None;
        flags |= count > 0 ? CqlQueryFlags.Values : 0;
        flags |= parameters.SkipMetadata ? CqlQueryFlags.SkipMetadata : 0;
        flags |= parameters.PageSize > 0 ? CqlQueryFlags.PageSize : 0;
        flags |= parameters.PagingState is not null ? CqlQueryFlags.WithPagingState : 0;
        flags |= parameters.SerialConsistency is not null ? CqlQueryFlags.WithSerialConsistency : 0;
        flags |= parameters.DefaultTimestamp is not null ? CqlQueryFlags.WithDefaultTimestamp : 0;
        flags |= names is not null && count > 0 ? CqlQueryFlags.WithNamesForValues : 0;

        writer.WriteShort((ushort)parameters.Consistency);
        writer.WriteByte((byte)flags);
        if (count > 0)
        {
            writer.WriteShort(checked((ushort)count));
            for (var i = 0; i < count; i++)
            {
                if (names is not null)
                {
                    writer.WriteString(names[i]);
                }

                CqlCodec.WriteValue(writer, values![i], types?[i]);
            }
        }

        if (parameters.PageSize > 0)
        {
            writer.WriteInt(parameters.PageSize);
        }

        if (parameters.PagingState is { } state)
        {
            writer.WriteBytes(state);
        }

        if (parameters.SerialConsistency is { } serial)
        {
            writer.WriteShort((ushort)serial);
        }

        if (parameters.DefaultTimestamp is { } timestamp)
        {
            if (timestamp < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(parameters), timestamp, "The default timestamp must not be negative.");
            }

            writer.WriteLong(timestamp);
        }
    }
}
