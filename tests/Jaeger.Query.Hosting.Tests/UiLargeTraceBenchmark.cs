using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>Runs only with JAEGER_UI_BENCHMARK=1 (and Chromium): a measurement, not a unit test, so it is skipped visibly otherwise.</summary>
public sealed class UiBenchmarkFactAttribute : FactAttribute
{
    /// <summary>The variable that turns the benchmark on.</summary>
    public const string Variable = "JAEGER_UI_BENCHMARK";

    /// <summary>Sets Skip unless the benchmark is asked for and Chromium is installed.</summary>
    public UiBenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"A browser benchmark, not a unit test: set {Variable}=1 to run it (see docs/benchmarks.md).";
        }
        else if (!File.Exists(ChromiumFactAttribute.ChromiumPath))
        {
            Skip = $"{ChromiumFactAttribute.ChromiumPath} is not installed.";
        }
    }
}

public sealed partial class UiBrowserTests
{
    private readonly ITestOutputHelper _output;

    public UiBrowserTests(ITestOutputHelper output) => _output = output;

    // Notes when the first timeline row is in the page and when the frame holding it has been painted.
    private const string FirstRowProbe =
        """
        window.__bench = {};
        new MutationObserver((_, observer) => {
          if (!document.querySelector('.span-row')) return;
          observer.disconnect();
          window.__bench.rows = performance.now();
          requestAnimationFrame(() => setTimeout(() => { window.__bench.paint = performance.now(); }, 0));
        }).observe(document, { childList: true, subtree: true });
        """;

    private const string ScriptedScroll =
        """
        async () => {
          const el = document.getElementById('timeline-rows');
          const frames = [];
          let last = await new Promise(requestAnimationFrame);
          for (let i = 0; i < 240; i++) {
            el.scrollTop += 280;
            const now = await new Promise(requestAnimationFrame);
            frames.push(now - last);
            last = now;
          }
          frames.sort((a, b) => a - b);
          const sum = frames.reduce((a, b) => a + b, 0);
          const t0 = performance.now();
          el.scrollTop = el.scrollHeight;
          await new Promise(requestAnimationFrame);
          await new Promise(requestAnimationFrame);
          return {
            frames: frames.length, mean: sum / frames.length, p95: frames[Math.floor(frames.length * 0.95)], max: frames[frames.length - 1],
            over50: frames.filter((f) => f > 50).length, endMs: performance.now() - t0,
            rowsInDom: document.querySelectorAll('.span-row').length, lastIndex: Number(el.dataset.last),
          };
        }
        """;

    [UiBenchmarkFact]
    public async Task Benchmark_a_50000_span_trace_opens_and_scrolls()
    {
        const int count = 50_000;
        var traceId = new TraceId(0, 0x50000);
        var spans = WideTrace(traceId, count, Time.ToUnixMicros(DateTimeOffset.UtcNow) - 30_000_000);
        var writer = _host!.Services.GetRequiredService<ISpanWriter>();
        foreach (var chunk in spans.Chunk(5_000))
        {
            await writer.WriteSpansAsync(chunk);
        }

        // A tenth of it, for the server's cost per span in the same run.
        var smallTraceId = new TraceId(0, 0x5000);
        await writer.WriteSpansAsync(WideTrace(smallTraceId, count / 10, Time.ToUnixMicros(DateTimeOffset.UtcNow) - 40_000_000));

        var report = new StringBuilder();
        void Note(string line)
        {
            report.AppendLine(line);
            _output.WriteLine(line);
        }

        var load = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Trim() : "n/a";
        Note($"50,000-span trace, {Environment.ProcessorCount} cores, load average {load}, {DateTimeOffset.UtcNow:u}");

        // The server side: the trace as the UI fetches it (adjusters included), three times.
        using var client = new HttpClient { BaseAddress = _base };
        for (var i = 0; i < 3; i++)
        {
            foreach (var (id, spanCount) in new[] { (traceId, count), (smallTraceId, count / 10) })
            {
                var started = Stopwatch.GetTimestamp();
                var body = await client.GetByteArrayAsync($"api/traces/{id}");
                var elapsed = Stopwatch.GetElapsedTime(started);
                using var json = JsonDocument.Parse(body);
                Assert.Equal(spanCount, json.RootElement.GetProperty("data")[0].GetProperty("spans").GetArrayLength());
                Note($"GET /api/traces/{{id}} of {spanCount} spans #{i + 1}: {elapsed.TotalMilliseconds:F0} ms, {body.Length / 1024.0 / 1024.0:F1} MiB");
            }
        }

        var rawStarted = Stopwatch.GetTimestamp();
        var raw = await client.GetByteArrayAsync($"api/traces/{traceId}?raw=true");
        Note($"GET /api/traces/{{id}}?raw=true (no adjusters): {Stopwatch.GetElapsedTime(rawStarted).TotalMilliseconds:F0} ms, {raw.Length / 1024.0 / 1024.0:F1} MiB");

        // The browser: first paint of the trace page (beside the 11-span checkout trace's, the baseline of the same
        // run on the same machine), then a scripted scroll through the timeline.
        for (var run = 1; run <= 2; run++)
        {
            var (small, _) = await FirstPaintAsync(CheckoutTraceId);
            var smallPaint = await small.EvaluateAsync<double>("() => window.__bench.paint");
            await small.Context.CloseAsync();
            var (page, errors) = await FirstPaintAsync(traceId);
            var paint = await page.EvaluateAsync<double>("() => window.__bench.paint");
            var fetch = await page.EvaluateAsync<double>("() => { const e = performance.getEntriesByType('resource').find((r) => r.name.includes('/api/traces/')); return e ? e.responseEnd : -1; }");
            await Expect(page.Locator("#trace-span-count")).ToHaveTextAsync(count.ToString(CultureInfo.InvariantCulture));
            Note($"run {run}: first timeline paint {paint:F0} ms after navigation start (trace JSON received at {fetch:F0} ms); the 11-span trace: {smallPaint:F0} ms");

            var scroll = await page.EvaluateAsync<JsonElement>(ScriptedScroll);
            Note($"run {run}: scripted scroll, {scroll.GetProperty("frames")} frames of 280 px: mean {scroll.GetProperty("mean").GetDouble():F1} ms, p95 {scroll.GetProperty("p95").GetDouble():F1} ms, max {scroll.GetProperty("max").GetDouble():F1} ms, {scroll.GetProperty("over50")} over 50 ms; jump to the end drawn in {scroll.GetProperty("endMs").GetDouble():F1} ms with {scroll.GetProperty("rowsInDom")} rows in the DOM");
            Assert.Equal(count, scroll.GetProperty("lastIndex").GetInt32());

            foreach (var (view, marker) in new[] { ("statistics", "#stats-table tbody tr"), ("spans", ".span-table-row"), ("flamegraph", ".flame-block"), ("graph", "#trace-graph .graph-node") })
            {
                var started = Stopwatch.GetTimestamp();
                await page.ClickAsync($"#view-{view}");
                await page.Locator(marker).First.WaitForAsync(new() { Timeout = 120_000 });
                Note($"run {run}: {view} view shown in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms (click to first element, as seen by the test)");
            }

            var findStarted = Stopwatch.GetTimestamp();
            await page.FillAsync("#trace-find", "operation-7 service-7");
            await Expect(page.Locator("#find-count")).Not.ToBeEmptyAsync(new() { Timeout = 120_000 });
            Note($"run {run}: find 'operation-7 service-7': {await page.Locator("#find-count").TextContentAsync()} in {Stopwatch.GetElapsedTime(findStarted).TotalMilliseconds:F0} ms (includes the 150 ms typing pause)");
            Assert.Empty(errors);
            await page.Context.CloseAsync();
        }

        await File.WriteAllTextAsync(Path.Combine(RepositoryPaths.Artifacts, "query-ui-benchmark.txt"), report.ToString());
    }

    private async Task<(Microsoft.Playwright.IPage Page, List<string> Errors)> FirstPaintAsync(TraceId traceId)
    {
        var context = await _chromium!.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        await context.AddInitScriptAsync(FirstRowProbe);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(new Uri(_base, $"trace/{traceId}").AbsoluteUri);
        await page.WaitForFunctionAsync("() => window.__bench && window.__bench.paint", null, new() { Timeout = 120_000 });
        return (page, errors);
    }
}
