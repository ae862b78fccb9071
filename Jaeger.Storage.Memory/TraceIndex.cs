namespace Jaeger.Storage.Memory;

/// <summary>Traces ordered newest first (by trace start, then by arrival), for one service, one operation of a service, or all traces.</summary>
internal sealed class TraceIndex
{
    public TraceIndex(string? serviceName, string? operationName)
    {
        ServiceName = serviceName;
        OperationName = operationName;
    }

    /// <summary>The service, or null for the index of every trace.</summary>
    public string? ServiceName { get; }

    /// <summary>The operation, or null for a service's index.</summary>
    public string? OperationName { get; }

    public TraceOrder Traces { get; } = new();

    public void Clear() => Traces.Clear();
}

/// <summary>A service's traces and operations.</summary>
internal sealed class ServiceIndex
{
    public ServiceIndex(string serviceName)
    {
        Traces = new TraceIndex(serviceName, null);
    }

    public TraceIndex Traces { get; }

    public Dictionary<string, OperationIndex> Operations { get; } = new(StringComparer.Ordinal);
}

/// <summary>An operation's traces and the span kinds it was seen with.</summary>
internal sealed class OperationIndex
{
    public OperationIndex(ServiceIndex service, string operationName)
    {
        Service = service;
        Traces = new TraceIndex(service.Traces.ServiceName, operationName);
    }

    public ServiceIndex Service { get; }

    public TraceIndex Traces { get; }

    /// <summary>The kind instance last added to <see cref="Kinds"/>, so a span of the same kind skips the set.</summary>
    public string? LastKind { get; set; }

    /// <summary>Span kinds seen ("" for spans without <c>span.kind</c>); usually one.</summary>
    public HashSet<string> Kinds { get; } = new(1, StringComparer.Ordinal);
}
