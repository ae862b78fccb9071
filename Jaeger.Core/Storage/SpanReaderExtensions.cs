using Jaeger.Model;

namespace Jaeger.Storage;

/// <summary>Conveniences over <see cref="ISpanReader"/>.</summary>
public static class SpanReaderExtensions
{
    /// <summary>The whole trace by id alone, or null when no span of it is stored.</summary>
    public static ValueTask<Trace?> GetTraceAsync(this ISpanReader reader, TraceId traceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.GetTraceAsync(new TraceGetParameters(traceId), cancellationToken);
    }

    /// <summary>Summaries built from whole traces: for a backend that cannot summarize without loading them.</summary>
    public static async ValueTask<IReadOnlyList<TraceSummary>> SummarizeFoundTracesAsync(this ISpanReader reader, TraceQueryParameters query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var traces = await reader.FindTracesAsync(query, cancellationToken).ConfigureAwait(false);
        var summaries = new TraceSummary[traces.Count];
        for (var i = 0; i < summaries.Length; i++)
        {
            summaries[i] = TraceSummary.FromTrace(traces[i]);
        }

        return summaries;
    }
}
