using Jaeger.Model;

namespace Jaeger.Storage;

/// <summary>Writes spans to a storage backend. Implementations are thread-safe.</summary>
/// <remarks>
/// <para>
/// A call carries one or more whole batches, as receivers got them: each batch's spans share its
/// <see cref="Batch.Process"/> (the same instance is each span's <see cref="Span.Process"/>), and spans of one call
/// may belong to many traces. A backend should store a call in as few round trips as it can.
/// </para>
/// <para>
/// A write that fails throws. Throw <see cref="StorageException"/> to say why (its <see cref="StorageException.Reason"/>
/// is the label failures are counted by) and whether trying again may succeed; the collector retries transient
/// failures with bounded backoff, and counts every span it finally could not store.
/// </para>
/// </remarks>
public interface ISpanWriter
{
    /// <summary>Stores the spans of <paramref name="batches"/>.</summary>
    /// <param name="batches">The batches; the caller changes neither them nor their spans while the call runs, nor afterwards.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default);
}
