using System.Collections.Immutable;
using Jaeger.Model;

namespace Jaeger.Benchmarks.Storage;

/// <summary>
/// Synthetic traces for the storage suites: 10 services of 20 operations; each span has 8 tags and one log of two
/// fields; trace starts spread evenly over the day before <see cref="End"/>. One span in 100 has error=true.
/// </summary>
internal static class StorageDataSet
{
    public const int SpansPerTrace = 10;
    public const int Services = 10;
    public const int OperationsPerService = 20;

    public static readonly DateTimeOffset End = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

    private static readonly Process[] Processes = BuildProcesses();

    public static long TraceStartMicros(int trace, int traces) =>
        Time.ToUnixMicros(End) - Time.ToMicros(TimeSpan.FromDays(1)) + (Time.ToMicros(TimeSpan.FromDays(1)) / traces * trace);

    /// <summary>Builds the spans of <paramref name="traces"/> traces, grouped into batches of one trace each.</summary>
    public static List<Span[]> Build(int traces, ulong traceIdHigh = 1)
    {
        var result = new List<Span[]>(traces);
        for (var t = 0; t < traces; t++)
        {
            var traceId = new TraceId(traceIdHigh, (ulong)t + 1);
            var service = t % Services;
            var start = TraceStartMicros(t, traces);
            var spans = new Span[SpansPerTrace];
            for (var s = 0; s < SpansPerTrace; s++)
            {
                // Two services per trace: the root's and the next one.
                var process = Processes[(service + (s == 0 ? 0 : 1)) % Services];
                var operation = $"op-{(t + s) % OperationsPerService}";
                var spanStart = start + (s * 1000);
                spans[s] = new Span
                {
                    TraceId = traceId,
                    SpanId = new SpanId((ulong)s + 1),
                    OperationName = string.Intern(operation),
                    Process = process,
                    StartTimeMicros = spanStart,
                    DurationMicros = 1000 + ((t * 7 + s * 13) % 50_000),
                    Flags = SpanFlags.Sampled,
                    References = s == 0 ? [] : [new SpanRef(traceId, new SpanId(1))],
                    Tags =
                    [
                        KeyValue.String("span.kind", s == 0 ? "server" : "client"),
                        KeyValue.String("component", "http"),
                        KeyValue.String("http.method", "GET"),
                        KeyValue.Int64("http.status_code", 200),
                        KeyValue.String("http.url", "https://example.test/api/items"),
                        KeyValue.String("peer.service", "backend"),
                        KeyValue.Int64("request.size", 512 + s),
                        KeyValue.Bool("error", (t * SpansPerTrace + s) % 100 == 0),
                    ],
                    Logs = [new Log(spanStart + 10, [KeyValue.String("event", "received"), KeyValue.Int64("bytes", 128)])],
                };
            }

            result.Add(spans);
        }

        return result;
    }

    public static string ServiceName(int service) => Processes[service].ServiceName;

    private static Process[] BuildProcesses()
    {
        var processes = new Process[Services];
        for (var i = 0; i < Services; i++)
        {
            processes[i] = new Process($"service-{i}", ImmutableArray.Create(
                KeyValue.String("hostname", $"host-{i}"),
                KeyValue.String("ip", $"10.0.0.{i + 1}"),
                KeyValue.String("jaeger.version", "CSharp-1.0.0")));
        }

        return processes;
    }
}
