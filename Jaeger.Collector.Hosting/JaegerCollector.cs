namespace Jaeger.Collector;

/// <summary>The running collector: where each receiver listens, readable from DI once the host has started.</summary>
public sealed class JaegerCollector
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Base address of the Jaeger Thrift HTTP receiver (<c>/api/traces</c>, <c>/api/sampling</c>), or null when off.</summary>
    public Uri? ThriftHttpEndpoint { get; internal set; }

    /// <summary>Base address of the Jaeger api_v2 gRPC receiver, or null when off.</summary>
    public Uri? GrpcEndpoint { get; internal set; }

    /// <summary>Base address of the OTLP gRPC receiver, or null when off.</summary>
    public Uri? OtlpGrpcEndpoint { get; internal set; }

    /// <summary>Base address of the OTLP HTTP receiver (<c>/v1/traces</c>), or null when off.</summary>
    public Uri? OtlpHttpEndpoint { get; internal set; }

    /// <summary>Base address of the Zipkin receiver (<c>/api/v2/spans</c>), or null when off.</summary>
    public Uri? ZipkinEndpoint { get; internal set; }

    /// <summary>Base address of the admin server (health at <c>/</c> and <c>/health</c>), or null when off.</summary>
    public Uri? AdminEndpoint { get; internal set; }

    /// <summary>Completes once every enabled receiver listens.</summary>
    public Task Started => _started.Task;

    internal void MarkStarted() => _started.TrySetResult();
}
