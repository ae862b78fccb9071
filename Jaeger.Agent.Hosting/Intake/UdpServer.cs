using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Jaeger.Agent.Hosting.Diagnostics;
using Jaeger.Hosting.Http;
using Jaeger.Thrift;
using Microsoft.Extensions.Logging;

namespace Jaeger.Agent.Hosting.Intake;

/// <summary>
/// One UDP port of the agent: a receive loop reads datagrams into pooled buffers and offers them to a bounded queue
/// (full: the newest is dropped and counted), and workers decode each as an <c>Agent.emitBatch</c> message and pass
/// the batch on. A bad datagram is counted by reason and never stops the server.
/// </summary>
internal sealed class UdpServer : IAsyncDisposable
{
    private readonly UdpServerOptions _options;
    private readonly ThriftProtocol _protocol;
    private readonly string _protocolName;
    private readonly Action<Jaeger.Model.Batch> _onBatch;
    private readonly AgentMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Channel<Packet> _queue;
    private readonly CancellationTokenSource _stopReceiving = new();
    private Socket? _socket;
    private Task _receiveLoop = Task.CompletedTask;
    private Task[] _workers = [];
    private int _disposed;

    public UdpServer(UdpServerOptions options, ThriftProtocol protocol, Action<Jaeger.Model.Batch> onBatch, AgentMetrics metrics, ILogger logger)
    {
        _options = options;
        _protocol = protocol;
        _protocolName = protocol == ThriftProtocol.Compact ? "compact" : "binary";
        _onBatch = onBatch;
        _metrics = metrics;
        _logger = logger;
        _queue = Channel.CreateBounded<Packet>(new BoundedChannelOptions(options.QueueSize)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
            SingleReader = options.Workers == 1,
        });
    }

    public IPEndPoint? BoundEndpoint { get; private set; }

    /// <summary>"compact" or "binary": the protocol tag of this server's metrics.</summary>
    public string ProtocolName => _protocolName;

    public int QueueLength => _queue.Reader.CanCount ? _queue.Reader.Count : 0;

    public void Start()
    {
        var endpoint = ListenAddress.Parse(_options.ListenAddress);
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (_options.SocketReceiveBufferSize > 0)
            {
                socket.ReceiveBufferSize = _options.SocketReceiveBufferSize;
            }

            socket.Bind(endpoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        BoundEndpoint = (IPEndPoint)socket.LocalEndPoint!;
        AgentLog.UdpListening(_logger, _protocolName, BoundEndpoint);
        _workers = new Task[_options.Workers];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(WorkAsync);
        }

        _receiveLoop = Task.Run(ReceiveAsync);
    }

    /// <summary>Stops receiving, then lets the workers finish what is queued, until the token fires.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopReceiving.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        await _receiveLoop.ConfigureAwait(false);
        _queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Out of time: what is still queued is dropped and counted.
            while (_queue.Reader.TryRead(out var packet))
            {
                _metrics.PacketDropped(_protocolName, "stopping");
                ArrayPool<byte>.Shared.Return(packet.Buffer);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopReceiving.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        _queue.Writer.TryComplete();
        await _receiveLoop.ConfigureAwait(false);
        _stopReceiving.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var socket = _socket!;
        var token = _stopReceiving.Token;
        // One byte more than the limit tells an oversized datagram (the kernel truncates it) from one that fits.
        var bufferSize = _options.MaxPacketSize + 1;
        var sender = new SocketAddress(socket.AddressFamily);
        byte[]? buffer = null;
        while (!token.IsCancellationRequested)
        {
            buffer ??= ArrayPool<byte>.Shared.Rent(bufferSize);
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer.AsMemory(0, bufferSize), SocketFlags.None, sender, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e) when (token.IsCancellationRequested || e.SocketErrorCode == SocketError.OperationAborted)
            {
                break;
            }
            catch (SocketException e)
            {
                // ICMP port-unreachable echoes and the like: count, log, keep reading.
                _metrics.PacketDropped(_protocolName, "read_error");
                AgentLog.ReceiveError(_logger, _protocolName, e);
                continue;
            }

            _metrics.PacketReceived(_protocolName);
            if (received == 0)
            {
                _metrics.PacketDropped(_protocolName, "empty");
                continue;
            }

            if (received > _options.MaxPacketSize)
            {
                _metrics.PacketDropped(_protocolName, "too_large");
                continue;
            }

            if (_queue.Writer.TryWrite(new Packet(buffer, received)))
            {
                buffer = null;
            }
            else
            {
                _metrics.PacketDropped(_protocolName, "queue_full");
            }
        }

        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task WorkAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var packet))
            {
                try
                {
                    Process(packet);
                }
                catch (Exception e)
                {
                    // Whatever a sender wrote, the worker lives on; the packet is counted.
                    _metrics.PacketDropped(_protocolName, "processing_error");
                    AgentLog.ProcessingError(_logger, _protocolName, e);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(packet.Buffer);
                }
            }
        }
    }

    private void Process(Packet packet)
    {
        if (!JaegerThriftSerializer.TryReadEmitBatch(packet.Buffer.AsSpan(0, packet.Length), _protocol, out var batch, out var error) || batch is null)
        {
            var reason = error.Kind.ToString();
            _metrics.PacketDropped(_protocolName, reason);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                AgentLog.DatagramDropped(_logger, _protocolName, "udp", reason, error.Message);
            }

            return;
        }

        _metrics.PacketProcessed(_protocolName);
        _onBatch(batch);
    }

    private readonly record struct Packet(byte[] Buffer, int Length);
}
