using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Jaeger.Storage.Cassandra.Protocol;
using Microsoft.Extensions.Logging;

namespace Jaeger.Storage.Cassandra.Cluster;

/// <summary>A frame the server sent: its header and its body (prefix of tracing id, warnings and payload already skipped).</summary>
internal sealed class CqlResponseFrame(CqlFrameHeader header, byte[] body, int bodyStart, IReadOnlyList<string> warnings)
{
    public CqlFrameHeader Header { get; } = header;

    public byte[] Body { get; } = body;

    /// <summary>Where the message itself starts in <see cref="Body"/>.</summary>
    public int BodyStart { get; } = bodyStart;

    public IReadOnlyList<string> Warnings { get; } = warnings;

    /// <summary>The RESULT this frame holds; throws <see cref="CqlServerException"/> for an ERROR and <see cref="CqlProtocolException"/> for anything else.</summary>
    public CqlResult ToResult()
    {
        var reader = Reader();
        return Header.Opcode switch
        {
            CqlOpcode.Result => CqlResponses.ReadResult(ref reader, Body),
            CqlOpcode.Error => throw CqlResponses.ReadError(ref reader),
            _ => throw new CqlProtocolException($"Expected RESULT, got {Header.Opcode}."),
        };
    }

    public CqlReader Reader()
    {
        var reader = new CqlReader(Body);
        reader.Take(BodyStart);
        return reader;
    }
}

/// <summary>A connection failed or closed; requests on it did not get an answer. Trying another connection may succeed.</summary>
internal sealed class CqlConnectionException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One CQL native protocol v4 connection: handshake (STARTUP, PasswordAuthenticator, USE keyspace), many requests in
/// flight at once each on its own stream id, responses matched by id in any order, an OPTIONS heartbeat when idle.
/// At most <see cref="CqlConnectionSettings.MaxRequestsPerConnection"/> requests are in flight: further senders wait,
/// which is how a slow cluster pushes back on writers.
/// </summary>
internal sealed partial class CqlConnection : IAsyncDisposable
{
    private readonly CqlConnectionSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _inFlight;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Stack<short> _freeIds;
    private readonly TaskCompletionSource<CqlResponseFrame>?[] _pending;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _socket;
    private Stream? _stream;
    private ITimer? _heartbeat;
    private long _lastRead;
    private int _heartbeatRunning;
    private int _state; // 0 new, 1 open, 2 closed
    private Exception? _closeReason;
    private ICqlCompressor? _compressor;

    public CqlConnection(IPEndPoint endPoint, CqlConnectionSettings settings, TimeProvider time, ILogger logger)
    {
        EndPoint = endPoint;
        _settings = settings;
        _time = time;
        _logger = logger;
        var streams = Math.Clamp(settings.MaxRequestsPerConnection, 1, CqlFrame.MaxStreams);
        _inFlight = new SemaphoreSlim(streams, streams);
        _freeIds = new Stack<short>(streams);
        for (var id = streams - 1; id >= 0; id--)
        {
            _freeIds.Push((short)id);
        }

        _pending = new TaskCompletionSource<CqlResponseFrame>?[streams];
    }

    public IPEndPoint EndPoint { get; }

    public bool IsOpen => Volatile.Read(ref _state) == 1;

    /// <summary>Requests sent and not yet answered (or waiting for a stream id).</summary>
    public int InFlight => _pending.Length - _inFlight.CurrentCount;

    /// <summary>Completes when the connection closes, for whatever reason.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Called with each server-pushed EVENT (stream -1).</summary>
    public Action<CqlEvent>? OnEvent { get; set; }

    /// <summary>The options the server listed in SUPPORTED, when it was asked.</summary>
    public IReadOnlyDictionary<string, List<string>>? Supported { get; private set; }

    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.ConnectTimeout);
        try
        {
            var socket = new Socket(EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            _socket = socket;
            await socket.ConnectAsync(EndPoint, timeout.Token).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (_settings.Tls is { } tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                var options = tls.ToAuthenticationOptions(EndPoint);
                await ssl.AuthenticateAsClientAsync(options, timeout.Token).ConfigureAwait(false);
                stream = ssl;
            }

            _stream = stream;
            Volatile.Write(ref _state, 1);
            Interlocked.Exchange(ref _lastRead, _time.GetTimestamp());
            _ = Task.Run(ReadLoopAsync, CancellationToken.None);
            await HandshakeAsync(timeout.Token).ConfigureAwait(false);
            if (_settings.HeartbeatInterval > TimeSpan.Zero)
            {
                _heartbeat = _time.CreateTimer(static s => ((CqlConnection)s!).OnHeartbeatTimer(), this, _settings.HeartbeatInterval, _settings.HeartbeatInterval);
            }
        }
        catch (Exception e) when (e is not CqlServerException and not CqlAuthenticationException)
        {
            var reason = e is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? new CqlConnectionException($"Connecting to {EndPoint} timed out after {_settings.ConnectTimeout.TotalSeconds:0.#} s.", e)
                : e as CqlConnectionException ?? new CqlConnectionException($"Connecting to {EndPoint} failed: {e.Message}", e);
            Close(reason);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw reason;
        }
        catch (Exception e)
        {
            Close(e);
            throw;
        }
    }

    /// <summary>Sends one request, written by <paramref name="write"/> on the stream id given, and waits for its response.</summary>
    public async Task<CqlResponseFrame> SendAsync<TState>(TState state, Action<CqlBufferWriter, short, TState> write, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        if (!_inFlight.Wait(0))
        {
            // Every stream id is taken: wait for one, or for the connection to close.
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
            try
            {
                await _inFlight.WaitAsync(waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                ThrowIfClosed();
                throw;
            }
        }

        if (Volatile.Read(ref _state) == 2)
        {
            _inFlight.Release();
            ThrowIfClosed();
        }

        short id;
        var pending = new TaskCompletionSource<CqlResponseFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_freeIds)
        {
            id = _freeIds.Pop();
            _pending[id] = pending;
        }

        try
        {
            using var writer = new CqlBufferWriter();
            write(writer, id, state);
            await WriteFrameAsync(_compressor is { } compressor ? Compress(writer.WrittenSpan, compressor) : writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Nothing (or not all) went out: the id cannot be answered, so release it at once unless the socket is broken.
            lock (_freeIds)
            {
                if (ReferenceEquals(_pending[id], pending))
                {
                    _pending[id] = null;
                    _freeIds.Push(id);
                    _inFlight.Release();
                }
            }

            if (e is OperationCanceledException)
            {
                throw;
            }

            if (e is ArgumentException or NotSupportedException)
            {
                throw;
            }

            var reason = new CqlConnectionException($"Writing to {EndPoint} failed: {e.Message}", e);
            Close(reason);
            throw reason;
        }

        // On cancellation the id stays reserved until the server answers it; the read loop frees it then.
        using var registration = cancellationToken.Register(static p => ((TaskCompletionSource<CqlResponseFrame>)p!).TrySetCanceled(), pending);
        return await pending.Task.ConfigureAwait(false);
    }

    /// <summary>Sends a request and reads its RESULT, throwing the server's error.</summary>
    public async Task<CqlResult> ExecuteAsync<TState>(TState state, Action<CqlBufferWriter, short, TState> write, CancellationToken cancellationToken)
    {
        var frame = await SendAsync(state, write, cancellationToken).ConfigureAwait(false);
        return frame.ToResult();
    }

    public Task<CqlResult> QueryAsync(string query, CqlQueryParameters parameters, CancellationToken cancellationToken, IReadOnlyList<object?>? values = null) =>
        ExecuteAsync((query, parameters, values), static (w, id, s) => CqlRequests.WriteQuery(w, id, s.query, s.values, s.parameters), cancellationToken);

    public Task<CqlResult> PrepareAsync(string query, CancellationToken cancellationToken) =>
        ExecuteAsync(query, static (w, id, q) => CqlRequests.WritePrepare(w, id, q), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Close(new CqlConnectionException($"The connection to {EndPoint} was closed."));
        await _closed.Task.ConfigureAwait(false);
    }

    /// <summary>Closes the connection and fails every request in flight with <paramref name="reason"/>.</summary>
    public void Close(Exception reason)
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        _closeReason = reason;
        _heartbeat?.Dispose();
        _closing.Cancel();
        try
        {
            _stream?.Dispose();
            _socket?.Dispose();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            LogCloseFailed(_logger, EndPoint, e);
        }

        lock (_freeIds)
        {
            for (var i = 0; i < _pending.Length; i++)
            {
                _pending[i]?.TrySetException(reason as CqlConnectionException ?? new CqlConnectionException($"The connection to {EndPoint} closed: {reason.Message}", reason));
                _pending[i] = null;
            }
        }

        _closed.TrySetResult();
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var options = new List<KeyValuePair<string, string>>
        {
            new("CQL_VERSION", CqlRequests.CqlVersion),
            new("DRIVER_NAME", "Jaeger.Storage.Cassandra"),
            new("DRIVER_VERSION", typeof(CqlConnection).Assembly.GetName().Version?.ToString(3) ?? "1.0.0"),
        };
        ICqlCompressor? compressor = null;
        if (_settings.Compression is { } wanted)
        {
            // As gocql: ask what the server supports and compress only when it lists the algorithm.
            var supported = await SendAsync(0, static (w, id, _) => CqlRequests.WriteOptions(w, id), cancellationToken).ConfigureAwait(false);
            var supportedReader = supported.Reader();
            Supported = supportedReader.ReadStringMultimap();
            if (Supported.TryGetValue("COMPRESSION", out var algorithms) && algorithms.Contains(wanted.Name))
            {
                options.Add(new("COMPRESSION", wanted.Name));
                compressor = wanted;
            }
            else
            {
                LogCompressionUnsupported(_logger, EndPoint, wanted.Name);
            }
        }

        var response = await SendAsync(options, static (w, id, o) => CqlRequests.WriteStartup(w, id, o), cancellationToken).ConfigureAwait(false);

        // Every frame after STARTUP may be compressed.
        _compressor = compressor;
        switch (response.Header.Opcode)
        {
            case CqlOpcode.Ready:
                break;
            case CqlOpcode.Authenticate:
                var reader = response.Reader();
                await AuthenticateAsync(reader.ReadString(), cancellationToken).ConfigureAwait(false);
                break;
            case CqlOpcode.Error:
                var errorReader = response.Reader();
                throw CqlResponses.ReadError(ref errorReader);
            default:
                throw new CqlProtocolException($"STARTUP was answered with {response.Header.Opcode}.");
        }

        if (!string.IsNullOrEmpty(_settings.Keyspace))
        {
            var result = await QueryAsync($"USE \"{_settings.Keyspace.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", new CqlQueryParameters(), cancellationToken).ConfigureAwait(false);
            if (result.Kind != CqlResultKind.SetKeyspace)
            {
                throw new CqlProtocolException($"USE was answered with result kind {result.Kind}.");
            }
        }
    }

    private async Task AuthenticateAsync(string authenticator, CancellationToken cancellationToken)
    {
        if (_settings.UserName is null || _settings.Password is null)
        {
            throw new CqlAuthenticationException($"{EndPoint} requires authentication ({authenticator}); set the user name and password.");
        }

        var token = CqlRequests.PlainTextToken(_settings.UserName, _settings.Password);
        for (var round = 0; round < 8; round++)
        {
            var response = await SendAsync(token, static (w, id, t) => CqlRequests.WriteAuthResponse(w, id, t), cancellationToken).ConfigureAwait(false);
            switch (response.Header.Opcode)
            {
                case CqlOpcode.AuthSuccess:
                    return;
                case CqlOpcode.AuthChallenge:
                    continue;
                case CqlOpcode.Error:
                    var reader = response.Reader();
                    var error = CqlResponses.ReadError(ref reader);
                    throw new CqlAuthenticationException($"{EndPoint} refused the credentials: {error.ServerMessage}");
                default:
                    throw new CqlProtocolException($"AUTH_RESPONSE was answered with {response.Header.Opcode}.");
            }
        }

        throw new CqlAuthenticationException($"{EndPoint} kept challenging the credentials.");
    }

    /// <summary>The frame with its body compressed and the compression flag set; the header is never compressed.</summary>
    private static byte[] Compress(ReadOnlySpan<byte> frame, ICqlCompressor compressor)
    {
        var body = compressor.Compress(frame[CqlFrame.HeaderLength..]);
        var output = new byte[CqlFrame.HeaderLength + body.Length];
        frame[..CqlFrame.HeaderLength].CopyTo(output);
        output[1] |= (byte)CqlFrameFlags.Compression;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(output.AsSpan(5), body.Length);
        body.CopyTo(output, CqlFrame.HeaderLength);
        return output;
    }

    private async Task WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = _stream ?? throw new CqlConnectionException($"The connection to {EndPoint} is not open.");
            await stream.WriteAsync(frame, _closing.Token).ConfigureAwait(false);
            await stream.FlushAsync(_closing.Token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[CqlFrame.HeaderLength];
        try
        {
            var stream = _stream!;
            while (!_closing.IsCancellationRequested)
            {
                await stream.ReadExactlyAsync(header, _closing.Token).ConfigureAwait(false);
                var frameHeader = CqlFrameHeader.Read(header);
                var body = new byte[frameHeader.BodyLength];
                await stream.ReadExactlyAsync(body, _closing.Token).ConfigureAwait(false);
                Interlocked.Exchange(ref _lastRead, _time.GetTimestamp());
                if ((frameHeader.Flags & CqlFrameFlags.Compression) != 0)
                {
                    body = _settings.Compression?.Decompress(body) ?? throw new CqlProtocolException("A compressed frame arrived on a connection that did not ask for compression.");
                }

                var reader = new CqlReader(body);
                var warnings = CqlResponses.ReadPrefix(ref reader, frameHeader.Flags);
                var frame = new CqlResponseFrame(frameHeader, body, reader.Position, warnings);
                foreach (var warning in warnings)
                {
                    LogServerWarning(_logger, EndPoint, warning);
                }

                if (frameHeader.StreamId < 0)
                {
                    if (frameHeader.Opcode == CqlOpcode.Event)
                    {
                        var eventReader = frame.Reader();
                        OnEvent?.Invoke(CqlResponses.ReadEvent(ref eventReader));
                    }

                    continue;
                }

                Complete(frameHeader.StreamId, frame);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or EndOfStreamException)
        {
            Close(new CqlConnectionException($"The connection to {EndPoint} closed: {e.Message}", e));
        }
        catch (Exception e) when (e is CqlProtocolException or InvalidOperationException)
        {
            LogProtocolError(_logger, EndPoint, e);
            Close(new CqlConnectionException($"{EndPoint} sent a malformed frame: {e.Message}", e));
        }
    }

    private void Complete(short streamId, CqlResponseFrame frame)
    {
        TaskCompletionSource<CqlResponseFrame>? pending;
        lock (_freeIds)
        {
            if (streamId >= _pending.Length || _pending[streamId] is null)
            {
                throw new CqlProtocolException($"A response arrived on stream {streamId}, which has no request in flight.");
            }

            pending = _pending[streamId];
            _pending[streamId] = null;
            _freeIds.Push(streamId);
        }

        _inFlight.Release();
        pending!.TrySetResult(frame);
    }

    private void OnHeartbeatTimer()
    {
        // Idle means nothing read for an interval, requests in flight or not: a node that stopped answering is found
        // even when every stream id is taken by requests it will never answer.
        if (!IsOpen || _time.GetElapsedTime(Interlocked.Read(ref _lastRead)) < _settings.HeartbeatInterval)
        {
            return;
        }

        if (Interlocked.Exchange(ref _heartbeatRunning, 1) == 1)
        {
            return;
        }

        _ = HeartbeatAsync();
    }

    private async Task HeartbeatAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(_settings.RequestTimeout, _time);
            var response = await SendAsync(0, static (w, id, _) => CqlRequests.WriteOptions(w, id), timeout.Token).ConfigureAwait(false);
            if (response.Header.Opcode != CqlOpcode.Supported)
            {
                throw new CqlProtocolException($"OPTIONS was answered with {response.Header.Opcode}.");
            }

            Heartbeats++;
        }
        catch (Exception e) when (e is CqlConnectionException or OperationCanceledException or CqlProtocolException)
        {
            LogHeartbeatFailed(_logger, EndPoint, e.Message);
            Close(new CqlConnectionException($"The heartbeat to {EndPoint} failed: {e.Message}", e));
        }
        finally
        {
            Volatile.Write(ref _heartbeatRunning, 0);
        }
    }

    /// <summary>Heartbeats answered (for tests and metrics).</summary>
    public int Heartbeats { get; private set; }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _state) == 2)
        {
            throw _closeReason as CqlConnectionException ?? new CqlConnectionException($"The connection to {EndPoint} is closed.", _closeReason);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cassandra {EndPoint} warns: {Warning}")]
    private static partial void LogServerWarning(ILogger logger, IPEndPoint endPoint, string warning);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cassandra {EndPoint} sent a malformed frame; closing the connection")]
    private static partial void LogProtocolError(ILogger logger, IPEndPoint endPoint, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat to Cassandra {EndPoint} failed: {Reason}; closing the connection")]
    private static partial void LogHeartbeatFailed(ILogger logger, IPEndPoint endPoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cassandra {EndPoint} does not offer {Algorithm} compression; the connection is not compressed")]
    private static partial void LogCompressionUnsupported(ILogger logger, IPEndPoint endPoint, string algorithm);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing the connection to {EndPoint} failed")]
    private static partial void LogCloseFailed(ILogger logger, IPEndPoint endPoint, Exception exception);
}

/// <summary>The server refused the credentials, or needs credentials none were given for. Not transient.</summary>
internal sealed class CqlAuthenticationException(string message) : Exception(message);
