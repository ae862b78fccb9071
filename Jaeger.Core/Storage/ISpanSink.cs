using Jaeger.Model;

namespace Jaeger.Storage;

/// <summary>
/// Where spans enter a span-processing pipeline in the same process. The collector's pipeline implements it, and
/// the client's in-process sender writes to it, so a test or a single-process host needs no sockets and neither
/// package references the other.
/// </summary>
public interface ISpanSink
{
    /// <summary>
    /// Offers a batch to the pipeline. The result says how many spans were accepted and how many were refused. A
    /// pipeline that pushes back when full may instead wait for room until <paramref name="cancellationToken"/> fires.
    /// </summary>
    ValueTask<SpanSinkResult> SubmitAsync(Batch batch, CancellationToken cancellationToken = default);
}

/// <summary>What a <see cref="ISpanSink"/> did with a batch.</summary>
/// <param name="Accepted">Spans taken into the pipeline; a clean stop still stores them.</param>
/// <param name="Refused">Spans not taken (queue full, invalid, stopping); the sink counts them with their reason.</param>
public readonly record struct SpanSinkResult(int Accepted, int Refused);
