using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Jaeger.Model;
using Jaeger.Thrift;

namespace Jaeger.Client.Senders;

/// <summary>
/// Sends <c>Agent.emitBatch</c> datagrams to a Jaeger agent (compact protocol to 6831 by default, binary to 6832).
/// Batches are split so each datagram stays within the packet limit; a span that fits no datagram is dropped and counted.
/// Every datagram carries an incrementing seqNo and the client's drop totals. When the agent is named by a host name,
/// the name is resolved again every reconnect interval (as the Jaeger Go client's reconnecting UDP connection does) and
/// the socket follows the agent to a new address; a failed lookup keeps the current address.
/// </summary>
internal sealed class UdpSender : ISender
{
    public const int DefaultMaxPacketSize = 65_000;

    // GetEmitBatchOverhead is exact for sequence id 0 and the current list length; keep room for the varints that grow.
    private const int OverheadSlack = 16;

    private readonly string _host;
    private readonly int _port;
    private readonly ThriftProtocol _protocol;
    private readonly int _maxPacketSize;
    private readonly SenderStats _stats;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly List<Span> _chunk = [];
    private readonly TimeSpan? _reconnectInterval;
    private readonly TimeProvider _time;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private Socket? _socket;
    private IPAddress? _address;
    private long _resolvedAt;
    private long _seqNo;

    // reconnectInterval: how often a host name is resolved again; null: only after a failed send.
    // resolve: the host name lookup (tests); DNS by default.
    public UdpSender(string host, int port, ThriftProtocol protocol, int maxPacketSize, SenderStats stats,
        TimeSpan? reconnectInterval = null, TimeProvider? time = null, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, 512);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPacketSize, 65_507);
        _host = host;
        _port = port;
        _protocol = protocol;
        _maxPacketSize = maxPacketSize;
        _stats = stats;
        _reconnectInterval = IPAddress.TryParse(host, out _) ? null : reconnectInterval;
        _time = time ?? TimeProvider.System;
        _resolve = resolve ?? Dns.GetHostAddressesAsync;
    }

    /// <summary>The agent address the socket sends to, or null before the first send.</summary>
    public IPAddress? Address => _address;

    public long LastSeqNo => Interlocked.Read(ref _seqNo);

    public async ValueTask<SendResult> SendAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken)
    {
        if (spans.Count == 0)
        {
            return new SendResult(0);
        }

        var process = spans[0].Process;
        var overhead = JaegerThriftSerializer.GetEmitBatchOverhead(new Batch(process, []) { SeqNo = long.MaxValue, Stats = Stats() }, _protocol) + OverheadSlack;
        var budget = _maxPacketSize - overhead;
        int sent = 0, failed = 0, tooLarge = 0;
        var used = 0;
        _chunk.Clear();
        foreach (var span in spans)
        {
            var size = JaegerThriftSerializer.GetSpanSize(span, _protocol);
            if (size > budget)
            {
                tooLarge++;
                _stats.AddTooLarge(1);
                continue;
            }

            if (used + size > budget)
            {
                (sent, failed) = Add(await EmitAsync(process, cancellationToken).ConfigureAwait(false), sent, failed);
                used = 0;
            }

            _chunk.Add(span);
            used += size;
        }

        if (_chunk.Count > 0)
        {
            (sent, failed) = Add(await EmitAsync(process, cancellationToken).ConfigureAwait(false), sent, failed);
        }

        return new SendResult(sent, failed, tooLarge, failed > 0 ? "udp_send_failed" : string.Empty);
    }

    private static (int, int) Add(int result, int sent, int failed) => result >= 0 ? (sent + result, failed) : (sent, failed - result);

    private ClientStats Stats() => _stats.Snapshot();

    /// <summary>Sends the chunk as one datagram; returns its span count, or minus that count on failure.</summary>
    private async ValueTask<int> EmitAsync(Process process, CancellationToken cancellationToken)
    {
        var count = _chunk.Count;
        var batch = new Batch(process, _chunk) { SeqNo = Interlocked.Increment(ref _seqNo), Stats = Stats() };
        _buffer.ResetWrittenCount();
        JaegerThriftSerializer.WriteEmitBatch(_buffer, batch, _protocol);
        try
        {
            if (_socket is not null && _reconnectInterval is { } interval && _time.GetElapsedTime(_resolvedAt) >= interval)
            {
                await FollowAgentAsync(cancellationToken).ConfigureAwait(false);
            }

            var socket = _socket ??= await ConnectAsync(await ResolveAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(_buffer.WrittenMemory, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            return count;
        }
        catch (SocketException)
        {
            // Resolve and connect again next time (the agent may have moved or come up).
            _socket?.Dispose();
            _socket = null;
            _stats.AddFailedToEmit(count);
            return -count;
        }
        finally
        {
            _chunk.Clear();
        }
    }

    // The agent's host name resolved again: a new address gets a new socket; a failed lookup keeps the current one.
    private async ValueTask FollowAgentAsync(CancellationToken cancellationToken)
    {
        IPAddress address;
        try
        {
            address = await ResolveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            _resolvedAt = _time.GetTimestamp();
            return;
        }

        if (!address.Equals(_address))
        {
            var socket = await ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            _socket?.Dispose();
            _socket = socket;
        }
    }

    private async ValueTask<IPAddress> ResolveAsync(CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(_host, out var literal) ? [literal] : await _resolve(_host, cancellationToken).ConfigureAwait(false);
        _resolvedAt = _time.GetTimestamp();
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
    }

    private async ValueTask<Socket> ConnectAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, _port), cancellationToken).ConfigureAwait(false);
            _address = address;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket?.Dispose();
        _socket = null;
        return ValueTask.CompletedTask;
    }
}
