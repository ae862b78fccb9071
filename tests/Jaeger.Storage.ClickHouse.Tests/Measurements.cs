using System.Globalization;
using System.Text;
using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Shared;
using Jaeger.Storage.ClickHouse.Tests.Engine;
using Jaeger.Testing;
using Xunit.Abstractions;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>
/// The operations Jaeger measured for its ClickHouse storage (BENCHMARKING.md: traces of 10 spans, 11 attributes per
/// span), measured on the in-process engine through the driver and the test front. Opt-in, as it is a measurement,
/// not a test: set JAEGER_CLICKHOUSE_MEASURE_SPANS (for example 1000000). Figures go to the test output and to
/// tests/Jaeger.Storage.ClickHouse.Tests/TestResults/clickhouse-measurements-*.md.
/// </summary>
public sealed class Measurements(ITestOutputHelper output)
{
    private const string Variable = "JAEGER_CLICKHOUSE_MEASURE_SPANS";
    private const int SpansPerCall = 1_000;

    private readonly StringBuilder _report = new();
    private readonly Dictionary<string, string> _reads = [];

    [MeasureFact]
    public async Task Insert_and_query_figures_on_the_in_process_engine()
    {
        var spans = int.Parse(Environment.GetEnvironmentVariable(Variable)!, CultureInfo.InvariantCulture);
        var traces = spans / 10;
        await using var storage = await EngineStorage.CreateAsync(o => o.MaxConcurrentInserts = 2);
        var front = await ClickHouseTestServer.RequireAsync();
        var engine = ChdbEngine.Shared!;

        // Every trace in the past: 10 ms apart, ending an hour ago.
        var start = DateTimeOffset.UtcNow.AddHours(-1).AddMilliseconds(-10.0 * traces);
        Line($"# ClickHouse measurements: {spans:N0} spans ({traces:N0} traces of 10 spans, 11 attributes each)");
        Line($"started {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}, {Environment.ProcessorCount} cores, engine chDB {engine.QueryText("SELECT version()").Trim()}");
        Line(string.Empty);

        engine.MeasureCpu = true;
        var callerBefore = engine.InsertCallerCpuTicks;
        var threadsBefore = ThreadCpu.Snapshot();
        var engineBefore = engine.InsertTicks;
        var frontBefore = front.BodyTicks;
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Calls(start, traces), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (b, ct) => await storage.Writer.WriteAsync(b, ct));
        var insertSeconds = clock.Elapsed.TotalSeconds;
        var engineSeconds = Stopwatch.GetElapsedTime(0, engine.InsertTicks - engineBefore).TotalSeconds;
        var frontSeconds = Stopwatch.GetElapsedTime(0, front.BodyTicks - frontBefore).TotalSeconds;
        var cpuSeconds = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
        var threads = ThreadCpu.ByName(threadsBefore, ThreadCpu.Snapshot());
        var callerSeconds = ThreadCpu.Seconds(engine.InsertCallerCpuTicks - callerBefore);
        engine.MeasureCpu = false;
        var inserted = ulong.Parse(engine.QueryText($"SELECT count() FROM {storage.Database.Table("spans")}").Trim(), CultureInfo.InvariantCulture);
        Assert.Equal((ulong)(traces * 10), inserted);

        var figures = new List<(string What, string Jaeger, string Here)>
        {
            ("insert", "52,129 spans/s", $"{inserted / insertSeconds:N0} spans/s"),
        };
        Line($"insert: {inserted:N0} spans in {insertSeconds:0.0} s = {inserted / insertSeconds:N0} spans/s");
        Line($"  engine busy in INSERT statements {engineSeconds:0.0} s ({engineSeconds / insertSeconds:P0} of the wall time; the engine runs one statement at a time)");
        Line($"  test front reading, decompressing and spooling bodies {frontSeconds:0.0} s");
        Line($"  process CPU {cpuSeconds:0.0} s over {insertSeconds:0.0} s wall ({cpuSeconds / insertSeconds:0.00} of {Environment.ProcessorCount} cores; generator, writer, driver, front and engine share them)");
        Line($"  CPU by thread name (s): {string.Join(", ", threads.Take(10).Select(t => $"{t.Name} {t.Seconds:0.0}"))}");
        Line($"  of the .NET threads' CPU, {callerSeconds:0.0} s was the engine running INSERTs on the calling thread");

        var reader = storage.Reader;
        var window = (Min: start.AddMinutes(-1), Max: DateTimeOffset.UtcNow);
        const string Service = "service-3";
        var slice = start.AddMilliseconds(10.0 * traces / 2);
        figures.Add(("trace by id", "101 ms", await Time("trace by id", async () => Assert.Equal(10, (await reader.GetTraceAsync(new TraceGetParameters(BenchmarkTraces.TraceId(traces / 2))))!.Spans.Count))));
        figures.Add(("services", string.Empty, await Time("services", async () => Assert.Equal(10, (await reader.GetServicesAsync()).Count))));
        figures.Add(("operations", string.Empty, await Time("operations", async () => Assert.NotEmpty(await reader.GetOperationsAsync(new OperationQueryParameters(Service))))));
        figures.Add(("search by service", "37-47 ms (service, operation, duration or time)", await Time("search by service", () => Find(new TraceQueryParameters { ServiceName = Service, StartTimeMin = window.Min, StartTimeMax = window.Max }))));
        figures.Add(("search by service + operation", string.Empty, await Time("search by service + operation", () => Find(new TraceQueryParameters { ServiceName = Service, OperationName = "op-7", StartTimeMin = window.Min, StartTimeMax = window.Max }))));
        figures.Add(("search by duration", string.Empty, await Time("search by duration", () => Find(new TraceQueryParameters { ServiceName = Service, DurationMin = TimeSpan.FromMilliseconds(5), StartTimeMin = window.Min, StartTimeMax = window.Max }))));
        figures.Add(("search by time", string.Empty, await Time("search by time", () => Find(new TraceQueryParameters { ServiceName = Service, StartTimeMin = slice, StartTimeMax = slice.AddSeconds(10) }))));
        figures.Add(("all filters", "139 ms", await Time("all filters", () => Find(new TraceQueryParameters
        {
            ServiceName = Service, OperationName = "op-7", DurationMin = TimeSpan.FromMilliseconds(1), DurationMax = TimeSpan.FromMilliseconds(6),
            Tags = new Dictionary<string, string> { ["http.method"] = "GET" }, StartTimeMin = window.Min, StartTimeMax = window.Max,
        }))));
        figures.Add(("attribute search", "1.77 s", await Time("attribute search", () => Find(new TraceQueryParameters { Tags = new Dictionary<string, string> { ["http.status_code"] = "500" }, StartTimeMin = window.Min, StartTimeMax = window.Max }))));

        // Jaeger's search figures are of one statement each that returns up to 1,000 trace ids (in no order) with their
        // start and end, for one filter alone (BENCHMARKING.md's queries), not the traces' spans: the same filters
        // through FindTraceIds with a limit of 1,000 (the exact newest 1,000, newest first).
        const int JaegerIds = 1000;
        figures.Add(("ids by service (1,000)", "37 ms", await Time("ids by service (1,000)", () => FindIds(new TraceQueryParameters { ServiceName = Service, StartTimeMin = window.Min, StartTimeMax = window.Max, Limit = JaegerIds }))));
        figures.Add(("ids by operation (1,000)", "38 ms", await Time("ids by operation (1,000)", () => FindIds(new TraceQueryParameters { OperationName = "op-7", StartTimeMin = window.Min, StartTimeMax = window.Max, Limit = JaegerIds }))));
        figures.Add(("ids by duration (1,000)", "43 ms", await Time("ids by duration (1,000)", () => FindIds(new TraceQueryParameters { DurationMin = TimeSpan.FromMilliseconds(5), StartTimeMin = window.Min, StartTimeMax = window.Max, Limit = JaegerIds }))));
        figures.Add(("ids by time (1,000)", "47 ms", await Time("ids by time (1,000)", () => FindIds(new TraceQueryParameters { StartTimeMin = slice, StartTimeMax = slice.AddSeconds(10), Limit = JaegerIds }))));

        // What one statement costs apart from its work: a trivial SELECT straight into the engine, and through the driver and the test front.
        var direct = await Median(() =>
        {
            engine.Query("SELECT 1", "RowBinaryWithNamesAndTypes");
            return Task.CompletedTask;
        });
        var throughFront = await Median(() => storage.Database.ReadAsync("measure", "SELECT 1", _ => { }, CancellationToken.None));
        Line($"one trivial statement (SELECT 1, median of 50): {direct:0.00} ms straight into the engine, {throughFront:0.00} ms through the driver and the test front");

        Line(string.Empty);
        Line($"| operation | Jaeger (10M spans, 4 OCPU, real server) | here ({inserted:N0} spans, {Environment.ProcessorCount} cores, in-process engine) | read by the engine (read_rows, read_bytes) |");
        Line("|---|---:|---:|---:|");
        foreach (var (what, jaeger, here) in figures)
        {
            Line($"| {what} | {jaeger} | {here} | {_reads.GetValueOrDefault(what, string.Empty)} |");
        }

        Line(string.Empty);
        Line($"finished {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");
        var folder = Path.Combine(RepositoryPaths.Root, "tests", "Jaeger.Storage.ClickHouse.Tests", "TestResults");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, $"clickhouse-measurements-{spans}-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.md");
        await File.WriteAllTextAsync(file, _report.ToString());
        output.WriteLine($"written to {file}");

        async Task Find(TraceQueryParameters query) => Assert.NotEmpty(await reader.FindTracesAsync(query));

        async Task FindIds(TraceQueryParameters query) => Assert.Equal(query.Limit, (await reader.FindTraceIdsAsync(query)).Count);
    }

    // Calls of 1,000 spans (100 traces), as a collector hands them over; made as they are consumed, so 10 million
    // spans never sit in memory at once.
    private static IEnumerable<List<Batch>> Calls(DateTimeOffset start, int traces)
    {
        var services = BenchmarkTraces.Processes();
        var call = new List<Batch>();
        for (var t = 0; t < traces; t++)
        {
            var process = services[t % services.Length];
            var list = BenchmarkTraces.Trace(t, process, start);
            call.Add(new Batch(process, list));
            if (call.Count * 10 == SpansPerCall)
            {
                yield return call;
                call = [];
            }
        }

        if (call.Count > 0)
        {
            yield return call;
        }
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private async Task<string> Time(string what, Func<Task> run)
    {
        // The first run also counts what the engine read for it (deterministic, unlike the times on a shared machine).
        var before = ChdbEngine.Shared!.SelectReads;
        await run();
        var after = ChdbEngine.Shared!.SelectReads;
        var reads = (Rows: after.Rows - before.Rows, Bytes: after.Bytes - before.Bytes, Statements: after.Statements - before.Statements);
        _reads[what] = $"{reads.Rows:N0} rows, {reads.Bytes / 1e6:N1} MB in {reads.Statements} SELECTs";
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            await run();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Line($"{what}: median {times[2]:0} ms (min {times[0]:0}, max {times[4]:0}); read {_reads[what]}");
        return $"{times[2]:N0} ms";
    }

    private static async Task<double> Median(Func<Task> run)
    {
        var times = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var clock = Stopwatch.StartNew();
            await run();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private void Line(string text)
    {
        output.WriteLine(text);
        _report.AppendLine(text);
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
