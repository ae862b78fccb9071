using System.Buffers.Binary;
using System.Net;

namespace Jaeger.Storage.Cassandra.Protocol;

/// <summary>A frame header as read from the wire.</summary>
internal readonly record struct CqlFrameHeader(byte Version, CqlFrameFlags Flags, short StreamId, CqlOpcode Opcode, int BodyLength)
{
    /// <summary>Reads and checks a response header (9 bytes).</summary>
    public static CqlFrameHeader Read(ReadOnlySpan<byte> header, bool response = true)
    {
        var version = header[0];
        var expected = response ? CqlFrame.ResponseVersion : CqlFrame.RequestVersion;
        if (version != expected)
        {
            throw new CqlProtocolException($"Frame version byte 0x{version:x2}, expected 0x{expected:x2} (protocol v4).");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header[5..]);
        if (length < 0 || length > CqlFrame.MaxBodyLength)
        {
            throw new CqlProtocolException($"Frame body length {length} is outside 0 .. 256 MB.");
        }

        return new CqlFrameHeader(version, (CqlFrameFlags)header[1], BinaryPrimitives.ReadInt16BigEndian(header[2..]), (CqlOpcode)header[4], length);
    }
}

/// <summary>A column of a result or a bind variable of a prepared statement.</summary>
internal sealed record CqlColumn(string Keyspace, string Table, string Name, CqlType Type);

/// <summary>Rows metadata (v4 spec section 4.2.5.2).</summary>
internal sealed class CqlRowsMetadata
{
    public const int GlobalTablesSpec = 0x0001;
    public const int HasMorePages = 0x0002;
    public const int NoMetadata = 0x0004;

    public int Flags { get; init; }

    public int ColumnCount { get; init; }

    public byte[]? PagingState { get; init; }

    /// <summary>The columns; empty when the server sent No_metadata.</summary>
    public IReadOnlyList<CqlColumn> Columns { get; init; } = [];

    /// <summary>For bind metadata of a Prepared result: the bind-marker index of each partition-key component.</summary>
    public IReadOnlyList<int> PartitionKeyIndexes { get; init; } = [];

    public static CqlRowsMetadata Read(ref CqlReader reader, bool prepared)
    {
        var flags = reader.ReadInt();
        var count = reader.ReadInt();
        if (count < 0 || count > reader.Remaining)
        {
            throw new CqlProtocolException($"Metadata claims {count} columns in {reader.Remaining} bytes.");
        }

        int[] pk = [];
        if (prepared)
        {
            var pkCount = reader.ReadInt();
            if (pkCount < 0 || pkCount > count)
            {
                throw new CqlProtocolException($"Prepared metadata claims {pkCount} partition-key indexes for {count} columns.");
            }

            pk = new int[pkCount];
            for (var i = 0; i < pkCount; i++)
            {
                pk[i] = reader.ReadShort();
            }
        }

        byte[]? pagingState = null;
        if ((flags & HasMorePages) != 0)
        {
            pagingState = reader.ReadBytesOrNull();
        }

        if ((flags & NoMetadata) != 0)
        {
            return new CqlRowsMetadata { Flags = flags, ColumnCount = count, PagingState = pagingState, PartitionKeyIndexes = pk };
        }

        string? keyspace = null, table = null;
        if ((flags & GlobalTablesSpec) != 0)
        {
            keyspace = reader.ReadString();
            table = reader.ReadString();
        }

        var columns = new CqlColumn[count];
        for (var i = 0; i < count; i++)
        {
            var ks = keyspace ?? reader.ReadString();
            var tb = table ?? reader.ReadString();
            var name = reader.ReadString();
            columns[i] = new CqlColumn(ks, tb, name, CqlType.Read(ref reader));
        }

        return new CqlRowsMetadata { Flags = flags, ColumnCount = count, PagingState = pagingState, Columns = columns, PartitionKeyIndexes = pk };
    }
}

/// <summary>The rows of a Rows result: the cells stay in the body and are decoded on demand.</summary>
internal sealed class CqlRows
{
    private readonly byte[] _body;
    private readonly int[] _offsets;
    private readonly int[] _lengths;

    private CqlRows(CqlRowsMetadata metadata, byte[] body, int rowCount, int[] offsets, int[] lengths)
    {
        Metadata = metadata;
        _body = body;
        RowCount = rowCount;
        _offsets = offsets;
        _lengths = lengths;
    }

    public CqlRowsMetadata Metadata { get; }

    public IReadOnlyList<CqlColumn> Columns => Metadata.Columns;

    public int RowCount { get; }

    /// <summary>The state to send for the next page; null on the last page (Has_more_pages not set).</summary>
    public byte[]? PagingState => Metadata.PagingState;

    public bool IsNull(int row, int column) => _lengths[Index(row, column)] < 0;

    public ReadOnlySpan<byte> Cell(int row, int column)
    {
        var i = Index(row, column);
        return _lengths[i] < 0 ? default : _body.AsSpan(_offsets[i], _lengths[i]);
    }

    /// <summary>The cell decoded with its column's type (given when the result carried no metadata); null for a null cell.</summary>
    public object? Get(int row, int column, CqlType? type = null)
    {
        if (IsNull(row, column))
        {
            return null;
        }

        type ??= column < Columns.Count ? Columns[column].Type : throw new InvalidOperationException("The result carries no metadata; give the column type.");
        return CqlCodec.Decode(Cell(row, column), type);
    }

    public int ColumnIndex(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == name)
            {
                return i;
            }
        }

        throw new KeyNotFoundException($"The result has no column '{name}'.");
    }

    /// <summary>Reads rows; <paramref name="reader"/> must read <paramref name="body"/> from its start, so its offsets are the body's.</summary>
    public static CqlRows Read(ref CqlReader reader, byte[] body)
    {
        var metadata = CqlRowsMetadata.Read(ref reader, prepared: false);
        var rowCount = reader.ReadInt();
        var columns = metadata.ColumnCount;
        if (rowCount < 0 || (columns > 0 && (long)rowCount * columns > reader.Remaining / 4))
        {
            throw new CqlProtocolException($"A result claims {rowCount} rows of {columns} columns in {reader.Remaining} bytes.");
        }

        var cells = rowCount * columns;
        var offsets = new int[cells];
        var lengths = new int[cells];
        for (var i = 0; i < cells; i++)
        {
            var (offset, length) = reader.ReadBytesSlice();
            offsets[i] = offset;
            lengths[i] = length;
        }

        return new CqlRows(metadata, body, rowCount, offsets, lengths);
    }

    private int Index(int row, int column)
    {
        if ((uint)row >= (uint)RowCount || (uint)column >= (uint)Metadata.ColumnCount)
        {
            throw new ArgumentOutOfRangeException(nameof(row), $"Cell ({row}, {column}) is outside {RowCount} x {Metadata.ColumnCount}.");
        }

        return (row * Metadata.ColumnCount) + column;
    }
}

/// <summary>A prepared statement as the server described it.</summary>
internal sealed record CqlPrepared(byte[] Id, CqlRowsMetadata Variables, CqlRowsMetadata Result);

/// <summary>A SCHEMA_CHANGE event or result.</summary>
internal sealed record CqlSchemaChange(string ChangeType, string Target, string Keyspace, string? Name, IReadOnlyList<string>? ArgumentTypes);

/// <summary>A RESULT message.</summary>
internal sealed class CqlResult
{
    public CqlResultKind Kind { get; init; }

    public CqlRows? Rows { get; init; }

    public CqlPrepared? Prepared { get; init; }

    public string? Keyspace { get; init; }

    public CqlSchemaChange? SchemaChange { get; init; }

    public static CqlResult Void { get; } = new() { Kind = CqlResultKind.Void };
}

/// <summary>A server-pushed EVENT.</summary>
internal sealed record CqlEvent(string Type, string Change, IPEndPoint? Node, CqlSchemaChange? Schema);

/// <summary>The server answered with an ERROR message.</summary>
internal sealed class CqlServerException(CqlErrorCode code, string message) : Exception($"Cassandra error 0x{(int)code:x4} ({code}): {message}")
{
    public CqlErrorCode Code { get; } = code;

    public string ServerMessage { get; } = message;

    public CqlConsistency? Consistency { get; init; }

    public int Received { get; init; }

    public int BlockFor { get; init; }

    public int Alive { get; init; }

    public string? WriteType { get; init; }

    public bool DataPresent { get; init; }

    public byte[]? UnpreparedId { get; init; }

    public string? Keyspace { get; init; }

    public string? Table { get; init; }
}

/// <summary>Reads response bodies.</summary>
internal static class CqlResponses
{
    /// <summary>Skips the tracing id, warnings and custom payload a response's flags announce; returns the warnings.</summary>
    public static IReadOnlyList<string> ReadPrefix(ref CqlReader reader, CqlFrameFlags flags)
    {
        if ((flags & CqlFrameFlags.Tracing) != 0)
        {
            reader.Take(16);
        }

        IReadOnlyList<string> warnings = [];
        if ((flags & CqlFrameFlags.Warning) != 0)
        {
            warnings = reader.ReadStringList();
        }

        if ((flags & CqlFrameFlags.CustomPayload) != 0)
        {
            reader.ReadBytesMap();
        }

        return warnings;
    }

    public static CqlServerException ReadError(ref CqlReader reader)
    {
        var code = (CqlErrorCode)reader.ReadInt();
        var message = reader.ReadString();
        switch (code)
        {
            case CqlErrorCode.Unavailable:
                var cl = (CqlConsistency)reader.ReadShort();
                var required = reader.ReadInt();
                return new CqlServerException(code, message) { Consistency = cl, BlockFor = required, Alive = reader.ReadInt() };
            case CqlErrorCode.WriteTimeout:
                return new CqlServerException(code, message) { Consistency = (CqlConsistency)reader.ReadShort(), Received = reader.ReadInt(), BlockFor = reader.ReadInt(), WriteType = reader.ReadString() };
            case CqlErrorCode.ReadTimeout:
                return new CqlServerException(code, message) { Consistency = (CqlConsistency)reader.ReadShort(), Received = reader.ReadInt(), BlockFor = reader.ReadInt(), DataPresent = reader.ReadByte() != 0 };
            case CqlErrorCode.ReadFailure:
                var rcl = (CqlConsistency)reader.ReadShort();
                var rreceived = reader.ReadInt();
                var rblock = reader.ReadInt();
                reader.ReadInt();
                return new CqlServerException(code, message) { Consistency = rcl, Received = rreceived, BlockFor = rblock, DataPresent = reader.ReadByte() != 0 };
            case CqlErrorCode.WriteFailure:
                var wcl = (CqlConsistency)reader.ReadShort();
                var wreceived = reader.ReadInt();
                var wblock = reader.ReadInt();
                reader.ReadInt();
                return new CqlServerException(code, message) { Consistency = wcl, Received = wreceived, BlockFor = wblock, WriteType = reader.ReadString() };
            case CqlErrorCode.AlreadyExists:
                var ks = reader.ReadString();
                return new CqlServerException(code, message) { Keyspace = ks, Table = reader.ReadString() };
            case CqlErrorCode.Unprepared:
                return new CqlServerException(code, message) { UnpreparedId = reader.ReadShortBytes() };
            default:
                return new CqlServerException(code, message);
        }
    }

    public static CqlResult ReadResult(ref CqlReader reader, byte[] body)
    {
        var kind = (CqlResultKind)reader.ReadInt();
        switch (kind)
        {
            case CqlResultKind.Void:
                return CqlResult.Void;
            case CqlResultKind.Rows:
                return new CqlResult { Kind = kind, Rows = CqlRows.Read(ref reader, body) };
            case CqlResultKind.SetKeyspace:
                return new CqlResult { Kind = kind, Keyspace = reader.ReadString() };
            case CqlResultKind.Prepared:
                var id = reader.ReadShortBytes();
                var variables = CqlRowsMetadata.Read(ref reader, prepared: true);
                var result = CqlRowsMetadata.Read(ref reader, prepared: false);
                return new CqlResult { Kind = kind, Prepared = new CqlPrepared(id, variables, result) };
            case CqlResultKind.SchemaChange:
                return new CqlResult { Kind = kind, SchemaChange = ReadSchemaChange(ref reader) };
            default:
                throw new CqlProtocolException($"Unknown result kind {(int)kind}.");
        }
    }

    public static CqlEvent ReadEvent(ref CqlReader reader)
    {
        var type = reader.ReadString();
        switch (type)
        {
            case "TOPOLOGY_CHANGE" or "STATUS_CHANGE":
                var change = reader.ReadString();
                return new CqlEvent(type, change, reader.ReadInet(), null);
            case "SCHEMA_CHANGE":
                var schema = ReadSchemaChange(ref reader);
                return new CqlEvent(type, schema.ChangeType, null, schema);
            default:
                throw new CqlProtocolException($"Unknown event type '{type}'.");
        }
    }

    private static CqlSchemaChange ReadSchemaChange(ref CqlReader reader)
    {
        var change = reader.ReadString();
        var target = reader.ReadString();
        var keyspace = reader.ReadString();
        return target switch
        {
            "KEYSPACE" => new CqlSchemaChange(change, target, keyspace, null, null),
            "TABLE" or "TYPE" => new CqlSchemaChange(change, target, keyspace, reader.ReadString(), null),
            "FUNCTION" or "AGGREGATE" => new CqlSchemaChange(change, target, keyspace, reader.ReadString(), reader.ReadStringList()),
            _ => throw new CqlProtocolException($"Unknown schema change target '{target}'."),
        };
    }
}
