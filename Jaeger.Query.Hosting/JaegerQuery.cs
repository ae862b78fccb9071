using System.Net;

namespace Jaeger.Query;

/// <summary>The running query role: the addresses it bound, readable from DI once the host has started.</summary>
public sealed class JaegerQuery
{
    private volatile IPEndPoint? _httpEndpoint;
    private volatile IPEndPoint? _grpcEndpoint;
    private volatile Uri? _httpBaseAddress;

    /// <summary>Where the HTTP API and UI listen (the real port when port 0 was asked for); null before start.</summary>
    public IPEndPoint? HttpEndpoint => _httpEndpoint;

    /// <summary>http://host:port/ plus the base path, for clients; null before start.</summary>
    public Uri? HttpBaseAddress => _httpBaseAddress;

    /// <summary>Where the gRPC QueryService listens; null before start or when it is turned off.</summary>
    public IPEndPoint? GrpcEndpoint => _grpcEndpoint;

    internal void SetHttp(IPEndPoint endpoint, Uri baseAddress)
    {
        _httpEndpoint = endpoint;
        _httpBaseAddress = baseAddress;
    }

    internal void SetGrpc(IPEndPoint? endpoint) => _grpcEndpoint = endpoint;
}
