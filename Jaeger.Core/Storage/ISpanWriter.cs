using Jaeger.Model;

namespace Jaeger.Storage;

/// <summary>Writes spans to a storage backend. Implementations are thread-safe.</summary>
public interface ISpanWriter
{
    /// <summary>Stores spans. Spans of one call may belong to many traces; a backend should store them in as few round trips as it can.</summary>
    /// <param name="spans">The spans; the caller does not change them afterwards.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask WriteSpansAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken = default);
}
