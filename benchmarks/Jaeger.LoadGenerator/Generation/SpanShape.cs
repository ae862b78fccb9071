using Jaeger.Model;

namespace Jaeger.LoadGenerator.Generation;

/// <summary>
/// What one request holds: <see cref="Traces"/> traces of <see cref="SpansPerTrace"/> spans each. Span j of a trace
/// (j &gt; 0) is a child of span (j - 1) / 2, so the spans form a binary tree under span 0, the root.
/// </summary>
internal sealed record SpanShape(string Service, int Traces, int SpansPerTrace, int TagsPerSpan, int PayloadBytes)
{
    /// <summary>Every span lasts this long.</summary>
    public const long DurationMicros = 1_000;

    /// <summary>The tag whose value is the trace's index within its request (0 .. Traces-1): something to search by.</summary>
    public const string IndexTag = "request.index";

    public int SpansPerRequest => Traces * SpansPerTrace;

    public static int ParentIndex(int spanIndex) => spanIndex == 0 ? -1 : (spanIndex - 1) / 2;

    /// <summary>The operation of the span at <paramref name="spanIndex"/> of a trace: the root, then five child operations.</summary>
    public static string Operation(int spanIndex) => spanIndex == 0 ? "GET /api/items/{id}" : "child-" + ((spanIndex - 1) % 5);

    public Process CreateProcess() =>
        new(Service, [KeyValue.String("hostname", "loadgen"), KeyValue.String("client-uuid", Service), KeyValue.String("jaeger.version", "loadgen-1")]);

    /// <summary>The spans of one request, with the given ids and start times (the template the encoders start from).</summary>
    public List<Span> CreateSpans(Process process, Func<int, TraceId> traceId, Func<int, int, SpanId> spanId, Func<int, int, long> startMicros)
    {
        var payload = new string('x', PayloadBytes);
        var spans = new List<Span>(SpansPerRequest);
        for (var t = 0; t < Traces; t++)
        {
            for (var j = 0; j < SpansPerTrace; j++)
            {
                var span = new Span
                {
                    TraceId = traceId(t),
                    SpanId = spanId(t, j),
                    OperationName = Operation(j),
                    Flags = SpanFlags.Sampled,
                    StartTimeMicros = startMicros(t, j),
                    DurationMicros = DurationMicros,
                    Tags = [.. Tags(t, j, payload)],
                    Process = process,
                };
                var parent = ParentIndex(j);
                if (parent >= 0)
                {
                    span.References = [new SpanRef(span.TraceId, spanId(t, parent), SpanRefType.ChildOf)];
                }

                spans.Add(span);
            }
        }

        return spans;
    }

    private IEnumerable<KeyValue> Tags(int traceIndex, int spanIndex, string payload)
    {
        for (var k = 0; k < TagsPerSpan; k++)
        {
            yield return k switch
            {
                0 => KeyValue.String("payload", payload),
                1 => KeyValue.Int64(IndexTag, traceIndex),
                2 => KeyValue.String("span.kind", spanIndex == 0 ? "server" : "client"),
                3 => KeyValue.Int64("http.status_code", 200),
                _ => KeyValue.String("tag-" + k, "value-" + k),
            };
        }
    }
}
