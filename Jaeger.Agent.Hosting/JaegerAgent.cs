using System.Net;

namespace Jaeger.Agent.Hosting;

/// <summary>The running agent's bound addresses, readable from DI once the host has started (port 0 becomes the real port).</summary>
public sealed class JaegerAgent
{
    /// <summary>The compact Thrift UDP endpoint, or null when disabled or not started.</summary>
    public IPEndPoint? CompactEndpoint { get; internal set; }

    /// <summary>The binary Thrift UDP endpoint, or null when disabled or not started.</summary>
    public IPEndPoint? BinaryEndpoint { get; internal set; }

    /// <summary>The sampling HTTP server's base address (http://host:port/), or null when disabled or not started.</summary>
    public Uri? HttpEndpoint { get; internal set; }
}
