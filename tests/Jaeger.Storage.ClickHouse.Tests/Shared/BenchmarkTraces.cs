using Jaeger.Model;

namespace Jaeger.Storage.ClickHouse.Shared;

/// <summary>
/// The data shape of Jaeger's ClickHouse BENCHMARKING.md: traces of 10 spans with 11 attributes each, over 10
/// services. Shared by the store's measurement (tests) and its insert benchmark (benchmarks).
/// </summary>
internal static class BenchmarkTraces
{
    /// <summary>The 10 processes spans are spread over (trace t belongs to process t % 10).</summary>
    public static Process[] Processes() =>
        [.. Enumerable.Range(0, 10).Select(i => new Process($"service-{i}", [KeyValue.String("host.name", $"host-{i}"), KeyValue.String("telemetry.sdk.language", "dotnet")]))];

    /// <summary>The id of trace number <paramref name="t"/>.</summary>
    public static TraceId TraceId(int t) => new(0xBEEF, (ulong)t + 1);

    /// <summary>Trace number <paramref name="t"/>: a root server span and 9 client children, starting 10 ms after trace t - 1.</summary>
    public static List<Span> Trace(int t, Process process, DateTimeOffset start)
    {
        var traceId = TraceId(t);
        var spans = new List<Span>(10);
        for (var s = 1; s <= 10; s++)
        {
            spans.Add(new Span
            {
                TraceId = traceId,
                SpanId = new SpanId((ulong)s),
                OperationName = $"op-{(t + s) % 20}",
                Process = process,
                StartTime = start.AddMilliseconds((t * 10.0) + s),
                DurationMicros = 1000 + ((t * 7 + s) % 5000),
                References = s == 1 ? [] : [new SpanRef(traceId, new SpanId(1))],
                Tags =
                [
                    KeyValue.String("span.kind", s == 1 ? "server" : "client"), KeyValue.String("http.method", "GET"), KeyValue.String("http.url", $"/api/items/{t % 1000}"),
                    KeyValue.Int64("http.status_code", s == 5 && t % 50 == 0 ? 500 : 200), KeyValue.String("component", "http"), KeyValue.String("user.id", $"user-{t % 10_000}"),
                    KeyValue.Float64("load", (t % 100) / 100.0), KeyValue.Bool("cache.hit", t % 3 == 0), KeyValue.String("region", "eu-1"), KeyValue.Int64("retry", s % 3),
                    KeyValue.String("request.id", $"req-{t}-{s}"),
                ],
            });
        }

        return spans;
    }
}
