using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Tests.Engine;
using Xunit.Abstractions;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>
/// The operations Jaeger measured for its ClickHouse storage (BENCHMARKING.md: traces of 10 spans, 11 attributes per
/// span), measured on the in-process engine through the driver and the test front. Opt-in, as it is a measurement,
/// not a test: set JAEGER_CLICKHOUSE_MEASURE_SPANS (for example 100000).
/// </summary>
public sealed class Measurements(ITestOutputHelper output)
{
    private const string Variable = "JAEGER_CLICKHOUSE_MEASURE_SPANS";

    [MeasureFact]
    public async Task Insert_and_query_figures_on_the_in_process_engine()
    {
        var spans = int.Parse(Environment.GetEnvironmentVariable(Variable)!, System.Globalization.CultureInfo.InvariantCulture);
        await using var storage = await EngineStorage.CreateAsync(o => o.MaxConcurrentInserts = 2);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var services = Enumerable.Range(0, 10).Select(i => new Process($"service-{i}", [KeyValue.String("host.name", $"host-{i}"), KeyValue.String("telemetry.sdk.language", "dotnet")])).ToArray();
        var batches = new List<List<Batch>>();
        for (var t = 0; t < spans / 10; t++)
        {
            var process = services[t % services.Length];
            var list = new List<Span>(10);
            for (var s = 1; s <= 10; s++)
            {
                list.Add(new Span
                {
                    TraceId = new TraceId(0xBEEF, (ulong)t + 1),
                    SpanId = new SpanId((ulong)s),
                    OperationName = $"op-{(t + s) % 20}",
                    Process = process,
                    StartTime = start.AddMilliseconds((t * 10) + s),
                    DurationMicros = 1000 + ((t * 7 + s) % 5000),
                    References = s == 1 ? [] : [new SpanRef(new TraceId(0xBEEF, (ulong)t + 1), new SpanId(1))],
                    Tags =
                    [
                        KeyValue.String("span.kind", s == 1 ? "server" : "client"), KeyValue.String("http.method", "GET"), KeyValue.String("http.url", $"/api/items/{t % 1000}"),
                        KeyValue.Int64("http.status_code", s == 5 && t % 50 == 0 ? 500 : 200), KeyValue.String("component", "http"), KeyValue.String("user.id", $"user-{t % 10_000}"),
                        KeyValue.Float64("load", (t % 100) / 100.0), KeyValue.Bool("cache.hit", t % 3 == 0), KeyValue.String("region", "eu-1"), KeyValue.Int64("retry", s % 3),
                        KeyValue.String("request.id", $"req-{t}-{s}"),
                    ],
                });
            }

            // Calls of 1,000 spans (100 traces), as a collector hands them over.
            if (t % 100 == 0)
            {
                batches.Add([]);
            }

            batches[^1].Add(new Batch(process, list));
        }

        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (b, ct) => await storage.Writer.WriteAsync(b, ct));
        var insertSeconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"insert: {spans:N0} spans in {insertSeconds:0.0} s = {spans / insertSeconds:N0} spans/s");

        var reader = storage.Reader;
        var window = (Min: start.AddMinutes(-1), Max: DateTimeOffset.UtcNow);
        await Time("trace by id", () => reader.GetTraceAsync(new TraceGetParameters(new TraceId(0xBEEF, (ulong)(spans / 20)))).AsTask());
        await Time("services", () => reader.GetServicesAsync().AsTask());
        await Time("operations", () => reader.GetOperationsAsync(new OperationQueryParameters("service-3")).AsTask());
        await Time("search by service", () => reader.FindTracesAsync(new TraceQueryParameters { ServiceName = "service-3", StartTimeMin = window.Min, StartTimeMax = window.Max }).AsTask());
        await Time("search by service+operation", () => reader.FindTracesAsync(new TraceQueryParameters { ServiceName = "service-3", OperationName = "op-7", StartTimeMin = window.Min, StartTimeMax = window.Max }).AsTask());
        await Time("search by duration", () => reader.FindTracesAsync(new TraceQueryParameters { ServiceName = "service-3", DurationMin = TimeSpan.FromMilliseconds(5), StartTimeMin = window.Min, StartTimeMax = window.Max }).AsTask());
        await Time("search by time", () => reader.FindTracesAsync(new TraceQueryParameters { ServiceName = "service-3", StartTimeMin = start.AddSeconds(10), StartTimeMax = start.AddSeconds(20) }).AsTask());
        await Time("all filters", () => reader.FindTracesAsync(new TraceQueryParameters
        {
            ServiceName = "service-3", OperationName = "op-7", DurationMin = TimeSpan.FromMilliseconds(1), DurationMax = TimeSpan.FromMilliseconds(6),
            Tags = new Dictionary<string, string> { ["http.method"] = "GET" }, StartTimeMin = window.Min, StartTimeMax = window.Max,
        }).AsTask());
        await Time("attribute search", () => reader.FindTracesAsync(new TraceQueryParameters { Tags = new Dictionary<string, string> { ["http.status_code"] = "500" }, StartTimeMin = window.Min, StartTimeMax = window.Max }).AsTask());
        output.WriteLine($"engine: chDB {ChdbEngine.Shared!.QueryText("SELECT version()").Trim()}, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    }

    private async Task Time(string what, Func<Task> run)
    {
        await run();
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            await run();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        output.WriteLine($"{what}: median {times[2]:0} ms (min {times[0]:0}, max {times[4]:0})");
    }

    private sealed class MeasureFactAttribute : FactAttribute
    {
        public MeasureFactAttribute()
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            {
                Skip = $"a measurement, not a test: set {Variable} to the number of spans to run it";
            }
            else if (ChdbEngine.MissingReason is { } reason)
            {
                Skip = reason;
            }
        }
    }
}
