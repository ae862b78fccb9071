using System.Globalization;
using System.Text;
using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Shared;
using Jaeger.Storage.ClickHouse.Tests.Engine;
using Jaeger.Testing;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>
/// The operations Jaeger measured for its ClickHouse storage (BENCHMARKING.md: traces of 10 spans, 11 attributes per
/// span), measured on the in-process engine through the driver and the test front. Opt-in, as it is a measurement,
/// not a test: set JAEGER_CLICKHOUSE_MEASURE_SPANS (for example 1000000). Figures go to the test output and to
/// tests/Jaeger.Storage.ClickHouse.Tests/TestResults/clickhouse-measurements-*.md.
/// </summary>
/// <remarks>
/// Spans are written in calls of 1,000 by 64 callers at once (JAEGER_CLICKHOUSE_MEASURE_CALLERS), as a collector with
/// 64 workers does: the writer's INSERTs hold what is waiting when a slot frees, so their size, which the engine's
/// work per span depends on, comes from how many spans callers have in flight. The report gives the spans per INSERT,
/// the CPU per span by where it went (until the merges the insert caused have finished) and the engine's own counters
/// of merged rows.
/// </remarks>
public sealed class Measurements(ITestOutputHelper output)
{
    private const string Variable = "JAEGER_CLICKHOUSE_MEASURE_SPANS";

    // Optional: how many write calls run at once (default 64), writer options as configuration keys and values
    // ("BatchSize=50000;BatchMaxBytes=67108864"), and the insert phase alone (no queries).
    private const string CallersVariable = "JAEGER_CLICKHOUSE_MEASURE_CALLERS";
    private const string OptionsVariable = "JAEGER_CLICKHOUSE_MEASURE_OPTIONS";
    private const string InsertOnlyVariable = "JAEGER_CLICKHOUSE_MEASURE_INSERT_ONLY";

    // The engine's own counters of work (system.events), load-independent: how many rows and bytes merges rewrote.
    private static readonly string[] EngineEvents =
    [
        "InsertQuery", "InsertedRows", "InsertedBytes", "MergeTreeDataWriterRows", "MergeTreeDataWriterUncompressedBytes", "MergeTreeDataWriterCompressedBytes",
        "Merge", "MergedRows", "MergedColumns", "MergedUncompressedBytes", "MergeTotalMilliseconds",
    ];

    private const int SpansPerCall = 1_000;

    private readonly StringBuilder _report = new();
    private readonly Dictionary<string, string> _reads = [];

    [MeasureFact]
    public async Task Insert_and_query_figures_on_the_in_process_engine()
    {
        var spans = int.Parse(Environment.GetEnvironmentVariable(Variable)!, CultureInfo.InvariantCulture);
        var traces = spans / 10;
        var callers = Environment.GetEnvironmentVariable(CallersVariable) is { Length: > 0 } c ? int.Parse(c, CultureInfo.InvariantCulture) : 64;
        var settings = (Environment.GetEnvironmentVariable(OptionsVariable) ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0].Trim(), p => (string?)p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        ClickHouseStorageOptions options = null!;
        await using var storage = await EngineStorage.CreateAsync(o =>
        {
            options = o;
            o.MaxConcurrentInserts = 2;
            o.MaxPendingWrites = Math.Max(o.MaxPendingWrites, callers);
            new ConfigurationBuilder().AddInMemoryCollection(settings).Build().Bind(o);
            o.Validate();
        });
        var front = await ClickHouseTestServer.RequireAsync();
        var engine = ChdbEngine.Shared!;

        // Every trace in the past: 10 ms apart, ending an hour ago.
        var start = DateTimeOffset.UtcNow.AddHours(-1).AddMilliseconds(-10.0 * traces);
        Line($"# ClickHouse measurements: {spans:N0} spans ({traces:N0} traces of 10 spans, 11 attributes each)");
        Line($"started {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}, {Environment.ProcessorCount} cores, engine chDB {engine.QueryText("SELECT version()").Trim()} in {engine.DataPath}");
        Line(string.Empty);

        var eventsBefore = Events(engine);
        engine.MeasureCpu = true;
        var callerBefore = engine.InsertCallerCpuTicks;
        var threadsBefore = ThreadCpu.Snapshot();
        var engineBefore = engine.InsertTicks;
        var frontBefore = front.BodyTicks;
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Calls(start, traces), new ParallelOptions { MaxDegreeOfParallelism = callers }, async (b, ct) => await storage.Writer.WriteAsync(b, ct));
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
        Line($"  engine busy in INSERT statements {engineSeconds:0.0} s ({engineSeconds / insertSeconds:P0} of the wall time; the engine runs one statement at a time): {inserted / engineSeconds:N0} spans per second of INSERT statement time (Jaeger's BENCHMARKING.md measure: spans / sum of the INSERTs' query_duration_ms, with merges running beside them)");
        Line($"  test front reading, decompressing and spooling bodies {frontSeconds:0.0} s");
        Line($"  process CPU {cpuSeconds:0.0} s over {insertSeconds:0.0} s wall ({cpuSeconds / insertSeconds:0.00} of {Environment.ProcessorCount} cores; generator, writer, driver, front and engine share them)");
        Line($"  CPU by thread name (s): {string.Join(", ", threads.Take(10).Select(t => $"{t.Name} {t.Seconds:0.0}"))}");
        Line($"  of the .NET threads' CPU, {callerSeconds:0.0} s was the engine running INSERTs on the calling thread");
        Line($"  BatchSize {options.BatchSize:N0}, BatchMaxBytes {options.BatchMaxBytes:N0}, FlushInterval {options.FlushInterval.TotalMilliseconds} ms, MaxConcurrentInserts {options.MaxConcurrentInserts}, {callers} callers writing {SpansPerCall:N0} spans per call");
        CpuPerSpan("during the insert", inserted, cpuSeconds, threads, callerSeconds, frontSeconds);
        EngineWork("during the insert", eventsBefore, inserted);

        // The merges an insert causes go on after it: wait until the engine has none running (or a deadline), so the
        // CPU per span counts all the work the inserted spans cost.
        var settle = Stopwatch.StartNew();
        var idleSince = TimeSpan.Zero;
        while (settle.Elapsed < TimeSpan.FromMinutes(5))
        {
            var running = engine.QueryText("SELECT count() FROM system.merges").Trim();
            if (running == "0")
            {
                if (idleSince == TimeSpan.Zero)
                {
                    idleSince = settle.Elapsed;
                }
                else if (settle.Elapsed - idleSince > TimeSpan.FromSeconds(3))
                {
                    break;
                }
            }
            else
            {
                idleSince = TimeSpan.Zero;
            }

            await Task.Delay(250);
        }

        var settledCpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
        var settledThreads = ThreadCpu.ByName(threadsBefore, ThreadCpu.Snapshot());
        Line($"  merges settled {settle.Elapsed.TotalSeconds:0.0} s after the insert (no merge running for 3 s)");
        CpuPerSpan("insert and the merges after it", inserted, settledCpu, settledThreads, callerSeconds, frontSeconds);
        EngineWork("insert and the merges after it", eventsBefore, inserted);
        Line("  parts (active) per table: " + engine.QueryText($"SELECT table, count(), sum(rows), max(level), round(sum(rows * level) / sum(rows), 2) FROM system.parts WHERE database = '{storage.Database.Name}' AND active GROUP BY table ORDER BY table FORMAT CSV").Trim().ReplaceLineEndings("; "));
        if (Environment.GetEnvironmentVariable(InsertOnlyVariable) == "1")
        {
            await WriteReportAsync(spans);
            return;
        }

        var reader = storage.Reader;
        var window = (Min: start.AddMinutes(-1), Max: DateTimeOffset.UtcNow);
        const string Service = "service-3";
        var slice = start.AddMilliseconds(10.0 * traces / 2);
        figures.Add(("trace by id", "101 ms", await Time("trace by id", async () => Assert.Equal(10, (await reader.GetTraceAsync(new TraceGetParameters(BenchmarkTraces.TraceId(traces / 2))))!.Spans.Count))));
        figures.Add(("services", string.Empty, await Time("services", async () => Assert.Equal(10, (await reader.GetServicesAsync()).Count))));
        figures.Add(("operations", string.Empty, await Time("operations", async () => Assert.NotEmpty(await reader.GetOperationsAsync(new OperationQueryParameters(Service))))));
        figures.Add(("search by service", string.Empty, await Time("search by service", () => Find(new TraceQueryParameters { ServiceName = Service, StartTimeMin = window.Min, StartTimeMax = window.Max }))));
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
        // Jaeger's search by time has the whole data range as its window (its TIME_MIN and TIME_MAX are the table's
        // min and max start_time); the 10-second slice is ours, with no figure of Jaeger's to compare.
        figures.Add(("ids by time, the whole range (1,000)", "47 ms", await Time("ids by time, the whole range (1,000)", () => FindIds(new TraceQueryParameters { StartTimeMin = start, StartTimeMax = start.AddMilliseconds(10.0 * traces), Limit = JaegerIds }))));
        figures.Add(("ids in a 10 s slice (1,000)", string.Empty, await Time("ids in a 10 s slice (1,000)", () => FindIds(new TraceQueryParameters { StartTimeMin = slice, StartTimeMax = slice.AddSeconds(10), Limit = JaegerIds }))));

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

        await WriteReportAsync(spans);

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

    private static Dictionary<string, long> Events(ChdbEngine engine)
    {
        var text = engine.QueryText($"SELECT event, value FROM system.events WHERE event IN ({string.Join(", ", EngineEvents.Select(e => $"'{e}'"))})");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToDictionary(f => f[0], f => long.Parse(f[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    // CPU per span by where it went: the engine's merges, its pool (the materialized views and, with
    // parallel_view_processing, the spans part itself), the engine on the INSERT's calling thread, the rest of .NET.
    private void CpuPerSpan(string when, ulong spans, double processSeconds, List<(string Name, double Seconds)> threads, double callerSeconds, double frontSeconds)
    {
        double Sum(Func<string, bool> match) => threads.Where(t => match(t.Name)).Sum(t => t.Seconds);
        var merges = Sum(n => n.StartsWith("MergeMutate", StringComparison.Ordinal));
        var pool = Sum(n => n == "ThreadPool");
        // The engine names a thread it runs on "Unknown" (the INSERT's calling thread without parallel_view_processing).
        var dotnet = Sum(n => n.StartsWith(".NET", StringComparison.Ordinal) || n == "Unknown");
        var other = threads.Sum(t => t.Seconds) - merges - pool - dotnet;
        double Micros(double seconds) => seconds * 1e6 / spans;
        Line($"  CPU per span, {when}: {Micros(processSeconds):0.0} µs in all = merges {Micros(merges):0.0} + engine pool (views) {Micros(pool):0.0} + engine on the INSERT's calling thread {Micros(callerSeconds):0.0} + other .NET {Micros(dotnet - callerSeconds):0.0} + other engine threads {Micros(other):0.0} µs (front, wall: {Micros(frontSeconds):0.0} µs)");
    }

    private void EngineWork(string when, Dictionary<string, long> before, ulong spans)
    {
        var after = Events(ChdbEngine.Shared!);
        long Delta(string name) => after.GetValueOrDefault(name) - before.GetValueOrDefault(name);
        Line($"  engine work, {when}: {string.Join(", ", EngineEvents.Select(e => $"{e} {Delta(e):N0}"))}; spans per INSERT {spans / (double)Math.Max(1, Delta("InsertQuery")):N0}, merged rows per inserted span {(double)Delta("MergedRows") / spans:0.00}");
    }

    private async Task WriteReportAsync(int spans)
    {
        Line(string.Empty);
        Line($"finished {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");
        var folder = Path.Combine(RepositoryPaths.Root, "tests", "Jaeger.Storage.ClickHouse.Tests", "TestResults");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, $"clickhouse-measurements-{spans}-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.md");
        await File.WriteAllTextAsync(file, _report.ToString());
        output.WriteLine($"written to {file}");
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
