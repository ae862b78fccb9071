using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Jaeger.Storage.Cassandra.Protocol;

namespace Jaeger.Storage.Cassandra.Tests.Fake;

/// <summary>A statement the fake server can prepare: its bind variables, partition-key bind indexes and result columns.</summary>
internal sealed record FakeStatement(string Query, IReadOnlyList<(string Name, CqlType Type)> Variables, IReadOnlyList<int> PartitionKeyIndexes, IReadOnlyList<(string Name, CqlType Type)> ResultColumns);

/// <summary>A QUERY or EXECUTE as the fake server decoded it.</summary>
internal sealed record FakeRequest(int Connection, CqlOpcode Opcode, short StreamId, string Query, IReadOnlyList<object?> Values, CqlConsistency Consistency, int Flags, int PageSize, byte[]? PagingState, long? Timestamp, string? Keyspace, IPEndPoint Server);

/// <summary>What the fake answers a statement with.</summary>
internal sealed record FakeReply
{
    public static FakeReply Void { get; } = new();

    public IReadOnlyList<(string Name, CqlType Type)>? Columns { get; init; }

    public IReadOnlyList<object?[]> Rows { get; init; } = [];

    public byte[]? PagingState { get; init; }

    public CqlErrorCode? Error { get; init; }

    public string ErrorMessage { get; init; } = "fake error";

    public static FakeReply Of(IReadOnlyList<(string Name, CqlType Type)> columns, params object?[][] rows) => new() { Columns = columns, Rows = rows };

    public static FakeReply Fail(CqlErrorCode code, string message = "fake error") => new() { Error = code, ErrorMessage = message };
}

/// <summary>
/// A CQL native protocol v4 peer on a loopback port for the client's state machine: handshake with or without
/// PasswordAuthenticator, OPTIONS, REGISTER and events, USE, system.local / system.peers, PREPARE with ids it can
/// forget (UNPREPARED), EXECUTE whose values it decodes with the prepared types, scripted errors, responses held
/// back and released in reverse order, TLS with client certificates. Statements are answered by <see cref="OnStatement"/>.
/// </summary>
internal sealed class FakeCqlServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, FakeStatement> _definitions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeStatement> _prepared = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<CqlErrorCode> _failures = new();
    private readonly ConcurrentDictionary<int, FakeConnection> _connections = new();
    private readonly List<(FakeConnection Connection, byte[] Frame)> _held = [];
    private int _connectionIds;
    private Task? _accepting;

    public FakeCqlServer(IPAddress? address = null, int port = 0)
    {
        _listener = new TcpListener(address ?? IPAddress.Loopback, port);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public string? RequiredUser { get; init; }

    public string? RequiredPassword { get; init; }

    public X509Certificate2? TlsCertificate { get; init; }

    public bool RequireClientCertificate { get; init; }

    public string? ClientCertificateSubject { get; private set; }

    public string DataCenter { get; init; } = "dc1";

    public IReadOnlyList<long> Tokens { get; set; } = [0];

    /// <summary>Other nodes as system.peers lists them.</summary>
    public List<(IPAddress Address, string DataCenter, IReadOnlyList<long> Tokens)> Peers { get; } = [];

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Startups { get; } = new();

    public Func<FakeRequest, FakeReply>? OnStatement { get; set; }

    /// <summary>When set, statements are interpreted over these in-memory tables (unless <see cref="OnStatement"/> answers).</summary>
    public FakeTables? Tables { get; init; }

    /// <summary>When set, the node reads frames and answers none (a hung node).</summary>
    public bool Silent { get; set; }

    /// <summary>EXECUTE responses are held until this many are held, then sent in reverse order; 0 sends at once.</summary>
    public int HoldExecutes { get; set; }

    public int OptionsReceived => Volatile.Read(ref _options);

    /// <summary>Frames that arrived with the compression flag.</summary>
    public int CompressedFramesReceived => Volatile.Read(ref _compressedFrames);

    private int _compressedFrames;

    public int ConnectionsAccepted => Volatile.Read(ref _connectionIds);

    public int OpenConnections => _connections.Count;

    private int _options;

    public void Define(FakeStatement statement) => _definitions[statement.Query] = statement;

    /// <summary>Forgets every prepared id, as a restarted node does: the next EXECUTE of each gets UNPREPARED.</summary>
    public void ForgetPrepared() => _prepared.Clear();

    /// <summary>The next PREPARE is answered but not remembered, so the EXECUTE that follows gets UNPREPARED.</summary>
    public void ForgetNextPrepare() => Volatile.Write(ref _forgetNextPrepare, 1);

    private int _forgetNextPrepare;

    private int _prepares;

    public int PreparesReceived => Volatile.Read(ref _prepares);

    /// <summary>The next EXECUTEs fail with these codes, one each.</summary>
    public void FailNext(params CqlErrorCode[] codes)
    {
        foreach (var code in codes)
        {
            _failures.Enqueue(code);
        }
    }

    public FakeCqlServer Start()
    {
        _listener.Start();
        _accepting = AcceptAsync();
        return this;
    }

    public void DropConnections()
    {
        foreach (var connection in _connections.Values)
        {
            connection.Close();
        }
    }

    /// <summary>Sends an EVENT to every connection that registered for it.</summary>
    public Task PushStatusEventAsync(string change, IPEndPoint node) => PushEventAsync("STATUS_CHANGE", change, node);

    /// <summary>Sends a TOPOLOGY_CHANGE (NEW_NODE, REMOVED_NODE) to every connection that registered.</summary>
    public Task PushTopologyEventAsync(string change, IPEndPoint node) => PushEventAsync("TOPOLOGY_CHANGE", change, node);

    private async Task PushEventAsync(string type, string change, IPEndPoint node)
    {
        using var writer = new CqlBufferWriter();
        var start = BeginResponse(writer, CqlOpcode.Event, -1);
        writer.WriteString(type);
        writer.WriteString(change);
        writer.WriteInet(node);
        writer.EndFrame(start);
        foreach (var connection in _connections.Values.Where(c => c.Registered))
        {
            await connection.SendAsync(writer.ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        DropConnections();
        if (_accepting is not null)
        {
            await _accepting.ConfigureAwait(false);
        }
    }

    public static byte[] IdOf(string query) => MD5.HashData(Encoding.UTF8.GetBytes(query));

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var id = Interlocked.Increment(ref _connectionIds);
            _ = ServeAsync(id, socket);
        }
    }

    private async Task ServeAsync(int id, Socket socket)
    {
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        var connection = new FakeConnection(id, stream);
        _connections[id] = connection;
        try
        {
            if (TlsCertificate is not null)
            {
                var ssl = new SslStream(stream, false, (_, certificate, _, _) => !RequireClientCertificate || certificate is not null);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = TlsCertificate,
                    ClientCertificateRequired = RequireClientCertificate,
                }, _stop.Token);
                ClientCertificateSubject = ssl.RemoteCertificate?.Subject;
                stream = ssl;
                connection.Stream = ssl;
            }

            var header = new byte[CqlFrame.HeaderLength];
            while (!_stop.IsCancellationRequested)
            {
                await stream.ReadExactlyAsync(header, _stop.Token);
                var frameHeader = CqlFrameHeader.Read(header, response: false);
                var body = new byte[frameHeader.BodyLength];
                await stream.ReadExactlyAsync(body, _stop.Token);
                if ((frameHeader.Flags & CqlFrameFlags.Compression) != 0)
                {
                    Interlocked.Increment(ref _compressedFrames);
                    body = Jaeger.Storage.Cassandra.Cluster.Lz4Compressor.Instance.Decompress(body);
                }

                if (Silent)
                {
                    if (frameHeader.Opcode == CqlOpcode.Options)
                    {
                        Interlocked.Increment(ref _options);
                    }

                    continue;
                }

                byte[]? reply;
                try
                {
                    reply = Handle(connection, frameHeader, body);
                }
                catch (Exception e) when (e is not IOException and not OperationCanceledException)
                {
                    // A statement the fake cannot handle is a server error, as a node would answer, not a dropped connection.
                    using var error = new CqlBufferWriter();
                    var errorStart = WriteError(error, frameHeader.StreamId, CqlErrorCode.ServerError, $"fake node: {e.GetType().Name}: {e.Message}");
                    error.EndFrame(errorStart);
                    reply = error.ToArray();
                }

                if (reply is not null && connection.Compress)
                {
                    reply = CompressReply(reply);
                }

                if (frameHeader.Opcode == CqlOpcode.Startup && connection.CompressAfterStartup)
                {
                    await connection.SendAsync(reply!);
                    connection.Compress = true;
                    continue;
                }
                if (reply is null)
                {
                    continue;
                }

                if (frameHeader.Opcode == CqlOpcode.Execute && HoldExecutes > 0)
                {
                    List<(FakeConnection Connection, byte[] Frame)>? release = null;
                    lock (_held)
                    {
                        _held.Add((connection, reply));
                        if (_held.Count >= HoldExecutes)
                        {
                            release = [.. _held];
                            release.Reverse();
                            _held.Clear();
                        }
                    }

                    foreach (var (c, frame) in release ?? [])
                    {
                        await c.SendAsync(frame);
                    }

                    continue;
                }

                await connection.SendAsync(reply);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException or System.Security.Authentication.AuthenticationException)
        {
            // The client went away or the server stopped.
        }
        finally
        {
            _connections.TryRemove(id, out _);
            connection.Close();
        }
    }

    private byte[]? Handle(FakeConnection connection, CqlFrameHeader header, byte[] body)
    {
        var reader = new CqlReader(body);
        using var writer = new CqlBufferWriter();
        int start;
        switch (header.Opcode)
        {
            case CqlOpcode.Options:
                Interlocked.Increment(ref _options);
                start = BeginResponse(writer, CqlOpcode.Supported, header.StreamId);
                writer.WriteStringMultimap(
                [
                    new("CQL_VERSION", ["3.4.5"]),
                    new("COMPRESSION", ["lz4", "snappy"]),
                    new("PROTOCOL_VERSIONS", ["3/v3", "4/v4", "5/v5-beta"]),
                ]);
                break;
            case CqlOpcode.Startup:
                var startupOptions = reader.ReadStringMap();
                Startups.Enqueue(startupOptions);
                connection.CompressAfterStartup = startupOptions.GetValueOrDefault("COMPRESSION") == "lz4";
                if (RequiredUser is not null)
                {
                    start = BeginResponse(writer, CqlOpcode.Authenticate, header.StreamId);
                    writer.WriteString("org.apache.cassandra.auth.PasswordAuthenticator");
                }
                else
                {
                    start = BeginResponse(writer, CqlOpcode.Ready, header.StreamId);
                }

                break;
            case CqlOpcode.AuthResponse:
                reader.TryReadBytes(out var token);
                var expected = CqlRequests.PlainTextToken(RequiredUser ?? string.Empty, RequiredPassword ?? string.Empty);
                if (token.SequenceEqual(expected))
                {
                    start = BeginResponse(writer, CqlOpcode.AuthSuccess, header.StreamId);
                    writer.WriteNull();
                }
                else
                {
                    start = WriteError(writer, header.StreamId, CqlErrorCode.AuthenticationError, "Provided username and/or password are incorrect");
                }

                break;
            case CqlOpcode.Register:
                reader.ReadStringList();
                connection.Registered = true;
                start = BeginResponse(writer, CqlOpcode.Ready, header.StreamId);
                break;
            case CqlOpcode.Prepare:
                Interlocked.Increment(ref _prepares);
                var text = reader.ReadLongString();
                if (!_definitions.TryGetValue(text, out var definition) && Tables?.Describe(text) is { } described)
                {
                    definition = described;
                    _definitions[text] = described;
                }

                if (definition is null)
                {
                    start = WriteError(writer, header.StreamId, CqlErrorCode.Invalid, $"unconfigured statement: {text}");
                    break;
                }

                if (Interlocked.Exchange(ref _forgetNextPrepare, 0) == 0)
                {
                    _prepared[Convert.ToHexString(IdOf(text))] = definition;
                }

                start = BeginResponse(writer, CqlOpcode.Result, header.StreamId);
                WritePrepared(writer, text, definition, connection.Keyspace ?? "ks");
                break;
            case CqlOpcode.Query:
                var query = reader.ReadLongString();
                var (parameters, values) = ReadParameters(ref reader, null);
                start = AnswerQuery(writer, connection, header, query, parameters, values);
                break;
            case CqlOpcode.Execute:
                var id = reader.ReadShortBytes();
                if (!_prepared.TryGetValue(Convert.ToHexString(id), out var statement))
                {
                    start = WriteError(writer, header.StreamId, CqlErrorCode.Unprepared, "Prepared query with ID not found");
                    writer.WriteShortBytes(id);
                    break;
                }

                var (executeParameters, executeValues) = ReadParameters(ref reader, statement.Variables.Select(v => v.Type).ToList());
                if (_failures.TryDequeue(out var failure))
                {
                    Requests.Enqueue(Request(connection, header, statement.Query, executeValues, executeParameters));
                    start = WriteError(writer, header.StreamId, failure, "scripted failure");
                    WriteErrorDetails(writer, failure);
                    break;
                }

                start = Answer(writer, connection, header, statement.Query, executeParameters, executeValues, statement);
                break;
            case CqlOpcode.Batch:
                start = BeginResponse(writer, CqlOpcode.Result, header.StreamId);
                writer.WriteInt((int)CqlResultKind.Void);
                break;
            default:
                start = WriteError(writer, header.StreamId, CqlErrorCode.ProtocolError, $"unexpected opcode {header.Opcode}");
                break;
        }

        writer.EndFrame(start);
        return writer.ToArray();
    }

    private int AnswerQuery(CqlBufferWriter writer, FakeConnection connection, CqlFrameHeader header, string query, QueryParameters parameters, IReadOnlyList<object?> values)
    {
        if (query.StartsWith("USE ", StringComparison.OrdinalIgnoreCase) || query.Contains(" FROM system.", StringComparison.Ordinal))
        {
            Requests.Enqueue(Request(connection, header, query, values, parameters));
        }

        if (query.StartsWith("USE ", StringComparison.OrdinalIgnoreCase))
        {
            var keyspace = query[4..].Trim().Trim('"');
            connection.Keyspace = keyspace;
            var start = BeginResponse(writer, CqlOpcode.Result, header.StreamId);
            writer.WriteInt((int)CqlResultKind.SetKeyspace);
            writer.WriteString(keyspace);
            return start;
        }

        if (query == "SELECT data_center, rack, tokens, partitioner FROM system.local WHERE key='local'")
        {
            var start = BeginResponse(writer, CqlOpcode.Result, header.StreamId);
            WriteRows(writer, "system", "local", [("data_center", CqlType.Text), ("rack", CqlType.Text), ("tokens", CqlType.Set(CqlType.Text)), ("partitioner", CqlType.Text)],
                [[DataCenter, "rack1", Tokens.Select(t => (object?)t.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), "org.apache.cassandra.dht.Murmur3Partitioner"]], null);
            return start;
        }

        if (query == "SELECT peer, rpc_address, data_center, rack, tokens FROM system.peers")
        {
            var start = BeginResponse(writer, CqlOpcode.Result, header.StreamId);
            WriteRows(writer, "system", "peers", [("peer", CqlType.Inet), ("rpc_address", CqlType.Inet), ("data_center", CqlType.Text), ("rack", CqlType.Text), ("tokens", CqlType.Set(CqlType.Text))],
                [.. Peers.Select(p => new object?[] { p.Address, p.Address, p.DataCenter, "rack1", p.Tokens.Select(t => (object?)t.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList() })], null);
            return start;
        }

        if (query == "SELECT * FROM system.local WHERE key='local'")
        {
            var start = BeginResponse(writer, CqlOpcode.Result, header.StreamId);
            WriteRows(writer, "system", "local",
                [("key", CqlType.Text), ("cluster_name", CqlType.Text), ("data_center", CqlType.Text), ("rack", CqlType.Text), ("tokens", CqlType.Set(CqlType.Text)), ("host_id", CqlType.Uuid), ("release_version", CqlType.Text), ("partitioner", CqlType.Text), ("rpc_address", CqlType.Inet)],
                [["local", "fake", DataCenter, "rack1", Tokens.Select(t => (object?)t.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), Guid.NewGuid(), "4.1.0", "org.apache.cassandra.dht.Murmur3Partitioner", EndPoint.Address]], null);
            return start;
        }

        if (query == "SELECT * FROM system.peers")
        {
            var start = BeginResponse(writer, CqlOpcode.Result, header.StreamId);
            WriteRows(writer, "system", "peers",
                [("peer", CqlType.Inet), ("rpc_address", CqlType.Inet), ("data_center", CqlType.Text), ("rack", CqlType.Text), ("tokens", CqlType.Set(CqlType.Text)), ("host_id", CqlType.Uuid), ("release_version", CqlType.Text)],
                [.. Peers.Select(p => new object?[] { p.Address, p.Address, p.DataCenter, "rack1", p.Tokens.Select(t => (object?)t.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), Guid.NewGuid(), "4.1.0" })], null);
            return start;
        }

        return Answer(writer, connection, header, query, parameters, values, null);
    }

    private int Answer(CqlBufferWriter writer, FakeConnection connection, CqlFrameHeader header, string query, QueryParameters parameters, IReadOnlyList<object?> values, FakeStatement? statement)
    {
        var request = Request(connection, header, query, values, parameters);
        Requests.Enqueue(request);
        var reply = OnStatement?.Invoke(request)
            ?? (Tables is not null && !query.StartsWith("CREATE", StringComparison.Ordinal) ? Tables.Execute(query, values) : null)
            ?? (statement is { ResultColumns.Count: > 0 } ? FakeReply.Of(statement.ResultColumns) : FakeReply.Void);
        if (reply.Error is { } code)
        {
            var errorStart = WriteError(writer, header.StreamId, code, reply.ErrorMessage);
            WriteErrorDetails(writer, code);
            return errorStart;
        }

        var start = BeginResponse(writer, CqlOpcode.Result, header.StreamId);
        if (reply.Columns is null)
        {
            writer.WriteInt((int)CqlResultKind.Void);
        }
        else
        {
            WriteRows(writer, connection.Keyspace ?? "ks", "t", reply.Columns, reply.Rows, reply.PagingState);
        }

        return start;
    }

    private FakeRequest Request(FakeConnection connection, CqlFrameHeader header, string query, IReadOnlyList<object?> values, QueryParameters parameters) =>
        new(connection.Id, header.Opcode, header.StreamId, query, values, parameters.Consistency, parameters.Flags, parameters.PageSize, parameters.PagingState, parameters.Timestamp, connection.Keyspace, EndPoint);

    private static void WriteErrorDetails(CqlBufferWriter writer, CqlErrorCode code)
    {
        switch (code)
        {
            case CqlErrorCode.Unavailable:
                writer.WriteShort((ushort)CqlConsistency.LocalOne);
                writer.WriteInt(1);
                writer.WriteInt(0);
                break;
            case CqlErrorCode.WriteTimeout:
                writer.WriteShort((ushort)CqlConsistency.LocalOne);
                writer.WriteInt(0);
                writer.WriteInt(1);
                writer.WriteString("SIMPLE");
                break;
            case CqlErrorCode.ReadTimeout:
                writer.WriteShort((ushort)CqlConsistency.LocalOne);
                writer.WriteInt(0);
                writer.WriteInt(1);
                writer.WriteByte(0);
                break;
        }
    }

    private readonly record struct QueryParameters(CqlConsistency Consistency, int Flags, int PageSize, byte[]? PagingState, long? Timestamp);

    private static (QueryParameters Parameters, IReadOnlyList<object?> Values) ReadParameters(ref CqlReader reader, IReadOnlyList<CqlType>? types)
    {
        var consistency = (CqlConsistency)reader.ReadShort();
        int flags = reader.ReadByte();
        var values = new List<object?>();
        if ((flags & 0x01) != 0)
        {
            int count = reader.ReadShort();
            for (var i = 0; i < count; i++)
            {
                if ((flags & 0x40) != 0)
                {
                    reader.ReadString();
                }

                var length = reader.ReadInt();
                if (length < 0)
                {
                    values.Add(length == -2 ? CqlUnset.Value : null);
                    continue;
                }

                var cell = reader.Take(length);
                values.Add(types is not null && i < types.Count ? CqlCodec.Decode(cell, types[i]) : cell.ToArray());
            }
        }

        var pageSize = (flags & 0x04) != 0 ? reader.ReadInt() : 0;
        var pagingState = (flags & 0x08) != 0 ? reader.ReadBytesOrNull() : null;
        if ((flags & 0x10) != 0)
        {
            reader.ReadShort();
        }

        long? timestamp = (flags & 0x20) != 0 ? reader.ReadLong() : null;
        return (new QueryParameters(consistency, flags, pageSize, pagingState, timestamp), values);
    }

    private static byte[] CompressReply(byte[] frame)
    {
        var body = Jaeger.Storage.Cassandra.Cluster.Lz4Compressor.Instance.Compress(frame.AsSpan(CqlFrame.HeaderLength));
        var output = new byte[CqlFrame.HeaderLength + body.Length];
        frame.AsSpan(0, CqlFrame.HeaderLength).CopyTo(output);
        output[1] |= (byte)CqlFrameFlags.Compression;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(output.AsSpan(5), body.Length);
        body.CopyTo(output, CqlFrame.HeaderLength);
        return output;
    }

    private static int BeginResponse(CqlBufferWriter writer, CqlOpcode opcode, short stream)
    {
        var start = writer.BeginFrame(opcode, stream);
        writer.PatchByte(start, CqlFrame.ResponseVersion);
        return start;
    }

    private static int WriteError(CqlBufferWriter writer, short stream, CqlErrorCode code, string message)
    {
        var start = BeginResponse(writer, CqlOpcode.Error, stream);
        writer.WriteInt((int)code);
        writer.WriteString(message);
        return start;
    }

    private static void WritePrepared(CqlBufferWriter writer, string query, FakeStatement statement, string keyspace)
    {
        writer.WriteInt((int)CqlResultKind.Prepared);
        writer.WriteShortBytes(IdOf(query));
        writer.WriteInt(CqlRowsMetadata.GlobalTablesSpec);
        writer.WriteInt(statement.Variables.Count);
        writer.WriteInt(statement.PartitionKeyIndexes.Count);
        foreach (var index in statement.PartitionKeyIndexes)
        {
            writer.WriteShort((ushort)index);
        }

        writer.WriteString(keyspace);
        writer.WriteString("t");
        foreach (var (name, type) in statement.Variables)
        {
            writer.WriteString(name);
            type.Write(writer);
        }

        if (statement.ResultColumns.Count == 0)
        {
            writer.WriteInt(CqlRowsMetadata.NoMetadata);
            writer.WriteInt(0);
            return;
        }

        writer.WriteInt(CqlRowsMetadata.GlobalTablesSpec);
        writer.WriteInt(statement.ResultColumns.Count);
        writer.WriteString(keyspace);
        writer.WriteString("t");
        foreach (var (name, type) in statement.ResultColumns)
        {
            writer.WriteString(name);
            type.Write(writer);
        }
    }

    internal static void WriteRows(CqlBufferWriter writer, string keyspace, string table, IReadOnlyList<(string Name, CqlType Type)> columns, IReadOnlyList<object?[]> rows, byte[]? pagingState)
    {
        writer.WriteInt((int)CqlResultKind.Rows);
        writer.WriteInt(CqlRowsMetadata.GlobalTablesSpec | (pagingState is null ? 0 : CqlRowsMetadata.HasMorePages));
        writer.WriteInt(columns.Count);
        if (pagingState is not null)
        {
            writer.WriteBytes(pagingState);
        }

        writer.WriteString(keyspace);
        writer.WriteString(table);
        foreach (var (name, type) in columns)
        {
            writer.WriteString(name);
            type.Write(writer);
        }

        writer.WriteInt(rows.Count);
        foreach (var row in rows)
        {
            for (var i = 0; i < columns.Count; i++)
            {
                CqlCodec.WriteValue(writer, row[i], columns[i].Type);
            }
        }
    }

    private sealed class FakeConnection(int id, Stream stream)
    {
        private readonly SemaphoreSlim _write = new(1, 1);

        public int Id { get; } = id;

        public Stream Stream { get; set; } = stream;

        public string? Keyspace { get; set; }

        public bool Registered { get; set; }

        public bool Compress { get; set; }

        public bool CompressAfterStartup { get; set; }

        public async Task SendAsync(byte[] frame)
        {
            await _write.WaitAsync();
            try
            {
                await Stream.WriteAsync(frame);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The client is gone.
            }
            finally
            {
                _write.Release();
            }
        }

        public void Close() => Stream.Dispose();
    }
}
