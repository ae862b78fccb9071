using Jaeger.Model;
using Jaeger.Storage;

namespace Jaeger.Collector.Receivers;

/// <summary>The receivers' step from decoded spans to the pipeline's batches, without a copy in the common case.</summary>
internal static class ReceivedSpans
{
    /// <summary>
    /// A list sized for the spans a body of <paramref name="bodyBytes"/> bytes likely holds (a span takes a few hundred
    /// bytes on the wire), so decoding a typical request does not grow it; capped, since the body is untrusted.
    /// </summary>
    public static List<Span> ListFor(int bodyBytes) => new(Math.Clamp(bodyBytes / 256, 4, 1024));

    /// <summary>
    /// The spans as batches of one process each: the list itself as the one batch when every span shares a process
    /// (one resource per request, the usual case), otherwise runs of spans by process as <see cref="SpanWriterExtensions.ToBatches"/> makes them.
    /// </summary>
    public static IReadOnlyList<Batch> ToBatches(List<Span> spans)
    {
        if (spans.Count == 0)
        {
            return [];
        }

        var process = spans[0].Process;
        for (var i = 1; i < spans.Count; i++)
        {
            if (!ReferenceEquals(spans[i].Process, process))
            {
                return SpanWriterExtensions.ToBatches(spans);
            }
        }

        return [new Batch(process, spans)];
    }
}
