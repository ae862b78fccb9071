using Jaeger.Model;

namespace Jaeger.Storage;

/// <summary>Reads spans from a storage backend. Implementations are thread-safe.</summary>
public interface ISpanReader
{
    /// <summary>The whole trace, or null when no span of it is stored.</summary>
    ValueTask<Trace?> GetTraceAsync(TraceId traceId, CancellationToken cancellationToken = default);

    /// <summary>Every service name with stored spans, sorted.</summary>
    ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default);

    /// <summary>The operations of a service, optionally only those of one span kind, sorted by name.</summary>
    ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default);

    /// <summary>Traces with at least one span matching every condition of the query, newest first, at most <see cref="TraceQueryParameters.Limit"/>.</summary>
    ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default);

    /// <summary>The ids of the traces <see cref="FindTracesAsync"/> would return, in the same order.</summary>
    ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default);
}
