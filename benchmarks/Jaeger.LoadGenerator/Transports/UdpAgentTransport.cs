using System.Net;
using System.Net.Sockets;
using Jaeger.LoadGenerator.Generation;

namespace Jaeger.LoadGenerator.Transports;

/// <summary>Agent.emitBatch datagrams to the agent's compact (6831) or binary (6832) UDP port, as Jaeger clients send them.</summary>
internal sealed class UdpAgentTransport : ITransport
{
    private readonly Socket _socket;
    private readonly EndPoint _target;

    public UdpAgentTransport(string host, int port, bool compact)
    {
        var address = host == "localhost" ? IPAddress.Loopback : Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
        _target = new IPEndPoint(address, port);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { SendBufferSize = 4 * 1024 * 1024 };
        Format = compact ? TemplateFormat.EmitBatchCompact : TemplateFormat.EmitBatchBinary;
    }

    public TemplateFormat Format { get; }

    public string AcceptedMeaning => "datagrams sent";

    public ValueTask<SendOutcome> SendAsync(byte[] request, CancellationToken cancellationToken)
    {
        try
        {
            // Synchronous: a datagram send does not wait for the receiver, and this is the cheapest path.
            _socket.SendTo(request, SocketFlags.None, _target);
            return ValueTask.FromResult(SendOutcome.Accepted);
        }
        catch (SocketException e)
        {
            return ValueTask.FromResult(new SendOutcome(SendStatus.Failed, "UDP send error " + e.SocketErrorCode));
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
