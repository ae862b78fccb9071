using Jaeger.Model;

namespace Jaeger.Storage;

/// <summary>Conveniences over <see cref="ISpanWriter"/>.</summary>
public static class SpanWriterExtensions
{
    /// <summary>
    /// Stores loose spans: runs of consecutive spans with the same <see cref="Span.Process"/> instance become one
    /// <see cref="Batch"/> each, and all of them go in one <see cref="ISpanWriter.WriteAsync"/> call.
    /// </summary>
    public static ValueTask WriteSpansAsync(this ISpanWriter writer, IEnumerable<Span> spans, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return writer.WriteAsync(ToBatches(spans), cancellationToken);
    }

    /// <summary>Groups runs of consecutive spans with the same process instance into batches.</summary>
    public static IReadOnlyList<Batch> ToBatches(IEnumerable<Span> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var batches = new List<Batch>();
        List<Span>? run = null;
        Process? process = null;
        var index = 0;
        foreach (var span in spans)
        {
            if (span is null)
            {
                throw new ArgumentException($"Span {index} is null.", nameof(spans));
            }

            index++;
            if (run is null || !ReferenceEquals(span.Process, process))
            {
                process = span.Process;
                run = [];
                batches.Add(new Batch(process, run));
            }

            run.Add(span);
        }

        return batches;
    }

    /// <summary>
    /// The number of spans in <paramref name="batches"/>, for a writer that first checks its input: throws
    /// <see cref="ArgumentException"/> naming the first null batch or span, so a bad call changes nothing.
    /// </summary>
    public static int CheckedSpanCount(this IReadOnlyList<Batch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var count = 0;
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b] ?? throw new ArgumentException($"Batch {b} is null.", nameof(batches));
            var spans = batch.Spans;
            for (var i = 0; i < spans.Count; i++)
            {
                if (spans[i] is null)
                {
                    throw new ArgumentException($"Span {i} of batch {b} is null.", nameof(batches));
                }
            }

            count += spans.Count;
        }

        return count;
    }

    /// <summary>The number of spans in <paramref name="batches"/>.</summary>
    public static int SpanCount(this IReadOnlyList<Batch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var n = 0;
        for (var i = 0; i < batches.Count; i++)
        {
            n += batches[i].Spans.Count;
        }

        return n;
    }
}
