using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>The trace page's views (timeline, trace graph, flamegraph, statistics, span table), critical path and find.</summary>
public sealed partial class UiBrowserTests
{
    private const string XssService = "<svg onload=alert(2)>";
    private const string XssOperation = "<img src=x onerror=alert(3)>";
    private static readonly TraceId XssTraceId = new(0, 0x7a55);

    private static string Id(ulong id) => new SpanId(id).ToString();

    [ChromiumFact]
    public async Task Trace_graph_groups_spans_by_service_and_operation_under_one_parent_with_counts_and_self_time()
    {
        var (page, _, errors) = await OpenAsync($"trace/{CheckoutTraceId}");
        await page.ClickAsync("#view-graph");
        Assert.EndsWith("?view=graph", page.Url, StringComparison.Ordinal);
        var nodes = page.Locator("#trace-graph .graph-node");
        await Expect(nodes).ToHaveCountAsync(10); // 11 spans; the two UPDATE stock calls under one parent are one node
        var update = page.Locator("#trace-graph .graph-node[data-operation='UPDATE stock']");
        await Expect(update).ToHaveAttributeAsync("data-count", "2");
        await Expect(update.Locator(".graph-stats")).ToHaveTextAsync("2 spans · 90ms · self 90ms · 1 err");
        var cart = page.Locator("#trace-graph .graph-node[data-service='cart']");
        await Expect(cart.Locator(".graph-stats")).ToHaveTextAsync("1 span · 55ms · self 50.8ms");
        await Expect(page.Locator("#trace-graph .graph-edge")).ToHaveCountAsync(9);
        await ScreenshotAsync(page, "trace-graph");

        // The view survives a reload through the URL.
        await page.ReloadAsync();
        await Expect(page.Locator("#trace-graph .graph-node")).ToHaveCountAsync(10);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Flamegraph_draws_a_block_per_span_by_depth_and_a_click_zooms_and_shows_the_detail()
    {
        var (page, _, errors) = await OpenAsync($"trace/{CheckoutTraceId}?view=flamegraph");
        var blocks = page.Locator("#flamegraph-canvas .flame-block");
        await Expect(blocks).ToHaveCountAsync(11);
        var root = page.Locator($".flame-block[data-span-id='{Id(0xc1)}']");
        var redis = page.Locator($".flame-block[data-span-id='{Id(0xc4)}']");
        await Expect(root).ToHaveCSSAsync("top", "0px");
        await Expect(redis).ToHaveCSSAsync("top", "66px"); // depth 3, 22 px a row
        var rootWidth = (await root.BoundingBoxAsync())!.Width;
        var payments = page.Locator($".flame-block[data-span-id='{Id(0xca)}']");
        var paymentsWidth = (await payments.BoundingBoxAsync())!.Width;
        Assert.InRange(paymentsWidth / rootWidth, 196.0 / 412 - 0.02, 196.0 / 412 + 0.02);

        await payments.ClickAsync();
        await Expect(page.Locator(".flame-detail .span-detail")).ToHaveAttributeAsync("data-span-id", Id(0xca));
        await Expect(page.Locator("#flame-reset")).ToBeEnabledAsync();
        // Zoomed into the payment span: it fills the width, and spans outside its window are gone.
        await Expect(page.Locator($".flame-block[data-span-id='{Id(0xc4)}']")).ToHaveCountAsync(0);
        Assert.InRange((await payments.BoundingBoxAsync())!.Width / rootWidth, 0.98, 1.02);
        await ScreenshotAsync(page, "flamegraph");
        await page.ClickAsync("#flame-reset");
        await Expect(blocks).ToHaveCountAsync(11);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Trace_statistics_group_by_operation_service_or_tag_with_durations_and_self_time()
    {
        var (page, _, errors) = await OpenAsync($"trace/{CheckoutTraceId}");
        await page.ClickAsync("#view-statistics");
        var rows = page.Locator("#stats-table tbody tr");
        await Expect(rows).ToHaveCountAsync(10);
        var update = rows.Filter(new() { HasText = "UPDATE stock" });
        await Expect(update.Locator("td")).ToHaveTextAsync(["mysql: UPDATE stock", "2", "90ms", "45ms", "38ms", "52ms", "90ms", "45ms", "21.84%", "1"]);

        await page.SelectOptionAsync("#stats-group", "service");
        await Expect(rows).ToHaveCountAsync(6);
        await Expect(rows.Filter(new() { HasText = "mysql" }).Locator("td").Nth(1)).ToHaveTextAsync("3");
        // Sorted by total time, longest first: web's spans add up to 798 ms.
        await Expect(rows.First.Locator("td").First).ToHaveTextAsync("web");
        await page.ClickAsync("#stats-table th button[data-sort='count']");
        await Expect(rows.First.Locator("td").First).ToHaveTextAsync("web");
        await page.ClickAsync("#stats-table th button[data-sort='count']");
        await Expect(rows.First.Locator("td").Nth(1)).ToHaveTextAsync("1");

        await page.SelectOptionAsync("#stats-group", "tag");
        await page.SelectOptionAsync("#stats-tag", "db.type");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Filter(new() { HasText = "redis" }).Locator("td").Nth(1)).ToHaveTextAsync("1");
        await Expect(rows.Filter(new() { HasText = "(without db.type)" }).Locator("td").Nth(1)).ToHaveTextAsync("10");
        await ScreenshotAsync(page, "trace-statistics");
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Span_table_sorts_and_filters_and_a_click_shows_the_detail()
    {
        var (page, _, errors) = await OpenAsync($"trace/{CheckoutTraceId}");
        await page.ClickAsync("#view-spans");
        var rows = page.Locator("#span-table-rows .span-table-row");
        await Expect(rows).ToHaveCountAsync(11);
        await Expect(page.Locator("#span-table-count")).ToHaveTextAsync("11 of 11 spans");
        await page.ClickAsync(".span-table-head button[data-sort='duration']");
        await Expect(rows.First).ToHaveAttributeAsync("data-span-id", Id(0xc1));
        await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-span-id", Id(0xc9));
        await page.ClickAsync(".span-table-head button[data-sort='self']");
        await Expect(rows.First).ToHaveAttributeAsync("data-span-id", Id(0xca)); // 172 ms of its own

        await page.FillAsync("#span-filter", "mysql");
        await Expect(page.Locator("#span-table-count")).ToHaveTextAsync("3 of 11 spans");
        await Expect(rows).ToHaveCountAsync(3);
        await page.FillAsync("#span-filter", "payment.provider=acme");
        await Expect(rows).ToHaveCountAsync(1);
        await rows.First.ClickAsync();
        var note = page.Locator(".span-table-detail .span-tags .tag-row", new() { HasText = "payment.provider" }).Locator(".tag-value");
        await Expect(note).ToHaveTextAsync("acme");
        await ScreenshotAsync(page, "span-table");
        Assert.Empty(errors);
    }

    /// <summary>The critical path of the checkout trace, worked out by hand from its span times (ms from the start).</summary>
    private static readonly string[] CheckoutCriticalPath =
    [
        "c1 400-412", "c9 395-400", "ca 254-395", "cb 230-254", "ca 199-230", "c9 195-199", "c1 190-195", "c5 184-190",
        "c6 178-184", "c8 126-178", "c6 118-126", "c7 80-118", "c6 74-80", "c5 70-74", "c1 65-70", "c2 62-65",
        "c3 13.2-62", "c4 9-13.2", "c3 7-9", "c2 4-7", "c1 0-4",
    ];

    [ChromiumFact]
    public async Task Critical_path_walks_last_finishing_children_and_is_drawn_over_the_timeline()
    {
        var (page, _, errors) = await OpenAsync($"trace/{CheckoutTraceId}");
        await Expect(page.Locator(".span-row")).ToHaveCountAsync(11);
        var sections = await page.EvaluateAsync<string[]>(
            """
            async (id) => {
              const { api } = await import('./static/api.js');
              const { transformTrace } = await import('./static/model.js');
              const { criticalPath } = await import('./static/criticalpath.js');
              const trace = transformTrace(await api.trace(id));
              return criticalPath(trace).map((s) => `${s.spanID.slice(-2)} ${(s.start - trace.startTime) / 1000}-${(s.end - trace.startTime) / 1000}`);
            }
            """, CheckoutTraceId.ToString());
        Assert.Equal(CheckoutCriticalPath, sections);

        // Clipping and FOLLOWS_FROM, on a trace built in the page: a FOLLOWS_FROM child is not waited on, a child
        // running past its parent's end counts only up to it, and one starting after the parent ended is left out.
        var synthetic = await page.EvaluateAsync<string[]>(
            """
            async () => {
              const { transformTrace } = await import('./static/model.js');
              const { criticalPath } = await import('./static/criticalpath.js');
              const span = (id, parent, refType, start, duration) => ({ traceID: 't', spanID: id, operationName: id, processID: 'p',
                startTime: 1000 + start, duration, tags: [], references: parent ? [{ refType, traceID: 't', spanID: parent }] : [] });
              const trace = transformTrace({ traceID: 't', processes: { p: { serviceName: 's', tags: [] } }, spans: [
                span('P', null, null, 0, 100), span('A', 'P', 'CHILD_OF', 10, 40), span('B', 'P', 'FOLLOWS_FROM', 60, 90),
                span('C', 'P', 'CHILD_OF', 90, 40), span('D', 'P', 'CHILD_OF', 120, 10), span('E', 'A', 'CHILD_OF', 20, 0)] });
              return criticalPath(trace).map((s) => `${s.spanID} ${s.start - 1000}-${s.end - 1000}`);
            }
            """);
        Assert.Equal(["C 90-100", "P 50-90", "A 20-50", "A 10-20", "P 0-10"], synthetic);

        // In the timeline: the root has four sections of its own, inventory's server three.
        await Expect(page.Locator($".span-row[data-span-id='{Id(0xc1)}'] .cp-segment")).ToHaveCountAsync(4);
        await Expect(page.Locator($".span-row[data-span-id='{Id(0xc6)}'] .cp-segment")).ToHaveCountAsync(3);
        await Expect(page.Locator(".span-row.on-critical-path")).ToHaveCountAsync(11);
        await page.ClickAsync("#critical-path");
        await Expect(page.Locator(".cp-segment")).ToHaveCountAsync(0);
        await page.ClickAsync("#critical-path");
        await Expect(page.Locator(".cp-segment")).ToHaveCountAsync(CheckoutCriticalPath.Length);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task In_trace_find_counts_matches_and_next_and_previous_walk_them_opening_collapsed_parents()
    {
        var (page, _, errors) = await OpenAsync($"trace/{CheckoutTraceId}");
        await Expect(page.Locator(".span-row")).ToHaveCountAsync(11);
        await page.FillAsync("#trace-find", "mysql");
        await Expect(page.Locator("#find-count")).ToHaveTextAsync("3 matches");
        await Expect(page.Locator(".span-row.find-match")).ToHaveCountAsync(3);
        await page.ClickAsync("#find-next");
        await Expect(page.Locator("#find-count")).ToHaveTextAsync("1 of 3");
        await Expect(page.Locator(".span-row.find-current")).ToHaveAttributeAsync("data-span-id", Id(0xc7));
        await page.ClickAsync("#find-next");
        await Expect(page.Locator(".span-row.find-current")).ToHaveAttributeAsync("data-span-id", Id(0xc8));
        await page.ClickAsync("#find-prev");
        await page.ClickAsync("#find-prev");
        await Expect(page.Locator("#find-count")).ToHaveTextAsync("3 of 3");
        await Expect(page.Locator(".span-row.find-current")).ToHaveAttributeAsync("data-span-id", Id(0xcb));

        // By span ID, by tag key=value; a log field's match hidden under a collapsed parent is revealed.
        await page.FillAsync("#trace-find", Id(0xc4));
        await Expect(page.Locator("#find-count")).ToHaveTextAsync("1 match");
        await page.FillAsync("#trace-find", "payment.provider=acme");
        await Expect(page.Locator(".span-row.find-match")).ToHaveAttributeAsync("data-span-id", Id(0xca));
        await page.ClickAsync("#collapse-all");
        await Expect(page.Locator(".span-row")).ToHaveCountAsync(1);
        await page.FillAsync("#trace-find", "DeadlockException");
        await Expect(page.Locator("#find-count")).ToHaveTextAsync("1 match");
        await page.PressAsync("#trace-find", "Enter");
        await Expect(page.Locator($".span-row.find-current[data-span-id='{Id(0xc8)}']")).ToBeVisibleAsync();

        // The matches are marked in the other views too.
        await page.FillAsync("#trace-find", "redis");
        await Expect(page.Locator("#find-count")).ToHaveTextAsync("1 match");
        await page.ClickAsync("#view-flamegraph");
        await Expect(page.Locator(".flame-block.find-match")).ToHaveAttributeAsync("data-span-id", Id(0xc4));
        await page.ClickAsync("#view-graph");
        await Expect(page.Locator(".graph-node.find-match")).ToHaveAttributeAsync("data-service", "redis");
        await page.ClickAsync("#view-spans");
        await Expect(page.Locator(".span-table-row.find-match")).ToHaveAttributeAsync("data-span-id", Id(0xc4));
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Html_in_service_operation_and_tag_is_text_in_every_trace_view()
    {
        await _host!.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(XssTrace(Time.ToUnixMicros(DateTimeOffset.UtcNow) - 30_000_000));
        var (page, dialogs, errors) = await OpenAsync($"trace/{XssTraceId}");
        await Expect(page.Locator("#trace-name")).ToHaveTextAsync($"{XssService}: {XssOperation}");
        await Expect(page.Locator(".span-row .svc-name").First).ToHaveTextAsync(XssService);
        await Expect(page.Locator(".span-row .op-name").First).ToHaveTextAsync(XssOperation);
        await page.ClickAsync($".span-row[data-span-id='{Id(1)}']");
        await Expect(page.Locator(".span-detail .span-tags .tag-row", new() { HasText = "note" }).Locator(".tag-value")).ToHaveTextAsync(QueryFixture.XssValue);

        await page.ClickAsync("#view-graph");
        await Expect(page.Locator("#trace-graph .graph-op").First).ToHaveTextAsync(XssOperation);
        await Expect(page.Locator("#trace-graph .graph-svc").First).ToHaveTextAsync(XssService);

        await page.ClickAsync("#view-flamegraph");
        await Expect(page.Locator(".flame-block .flame-label").First).ToHaveTextAsync($"{XssService}: {XssOperation}");
        await page.Locator(".flame-block").First.ClickAsync();
        await Expect(page.Locator(".flame-detail .detail-op")).ToHaveTextAsync(XssOperation);

        await page.ClickAsync("#view-statistics");
        await page.SelectOptionAsync("#stats-group", "tag");
        await page.SelectOptionAsync("#stats-tag", "note");
        await Expect(page.Locator("#stats-table .stats-name").First).ToHaveTextAsync(QueryFixture.XssValue);
        await page.SelectOptionAsync("#stats-group", "operation");
        await Expect(page.Locator("#stats-table .stats-name").First).ToHaveTextAsync($"{XssService}: {XssOperation}");

        await page.ClickAsync("#view-spans");
        await page.FillAsync("#span-filter", "onerror");
        await Expect(page.Locator(".span-table-row")).ToHaveCountAsync(2);
        await Expect(page.Locator(".span-table-row .cell").Nth(1)).ToHaveTextAsync(XssOperation);

        await page.FillAsync("#trace-find", QueryFixture.XssValue);
        await Expect(page.Locator("#find-count")).ToHaveTextAsync("1 match");
        await page.PressAsync("#trace-find", "Enter");
        await Expect(page.Locator(".span-row.find-current")).ToHaveAttributeAsync("data-span-id", Id(1));

        Assert.Equal(0, await page.Locator("main img, img[src='x'], [onload], [onerror]").CountAsync());
        Assert.Empty(dialogs);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Search_without_a_service_finds_traces_of_every_service_when_the_storage_declares_it()
    {
        var (page, _, errors) = await OpenAsync("search");
        await Expect(page.Locator("#search-service option[value='']")).ToHaveTextAsync("All Services");
        await page.SelectOptionAsync("#search-lookback", "1h");
        await page.ClickAsync("#search-submit");
        await Expect(page.Locator("#search-results[data-state='done']")).ToHaveCountAsync(1);
        await Expect(page.Locator($".result-item[data-trace-id='{CheckoutTraceId}']")).ToHaveCountAsync(1);
        await Expect(page.Locator($".result-item[data-trace-id='{QueryFixture.DispatchTraceId}']")).ToHaveCountAsync(1);
        Assert.DoesNotContain("service=", page.Url, StringComparison.Ordinal);
        await page.ReloadAsync();
        await Expect(page.Locator($".result-item[data-trace-id='{CheckoutTraceId}']")).ToHaveCountAsync(1);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Timeline_keeps_only_rows_near_the_viewport_in_the_page_and_scrolls_to_the_last_span()
    {
        const int count = 3000;
        var spans = WideTrace(new TraceId(0, 0x3000), count, Time.ToUnixMicros(DateTimeOffset.UtcNow) - 20_000_000);
        await _host!.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(spans);
        var (page, _, errors) = await OpenAsync($"trace/{new TraceId(0, 0x3000)}");
        await Expect(page.Locator("#trace-span-count")).ToHaveTextAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator(".span-row").First).ToBeVisibleAsync();
        Assert.InRange(await page.Locator(".span-row").CountAsync(), 10, 80);
        await page.Locator("#timeline-rows").EvaluateAsync("el => { el.scrollTop = el.scrollHeight; }");
        await Expect(page.Locator($".span-row[data-index='{count - 1}']")).ToBeVisibleAsync();
        Assert.InRange(await page.Locator(".span-row").CountAsync(), 10, 80);
        Assert.Empty(errors);
    }

    /// <summary>A root with a tree under it: each span has up to <c>fanOut</c> children, spread over the parent's time.</summary>
    internal static List<Span> WideTrace(TraceId traceId, int count, long t, int fanOut = 8)
    {
        var processes = Enumerable.Range(0, 20).Select(i => new Process($"service-{i}", [KeyValue.String("hostname", $"host-{i}")])).ToArray();
        var spans = new List<Span>(count);
        var start = new long[count];
        var duration = new long[count];
        start[0] = t;
        duration[0] = 10_000_000;
        for (var i = 0; i < count; i++)
        {
            var parent = i == 0 ? -1 : (i - 1) / fanOut;
            if (i > 0)
            {
                var slot = (i - 1) % fanOut;
                var width = duration[parent] / (fanOut + 1);
                start[i] = start[parent] + (slot * width) + (width / 4);
                duration[i] = Math.Max(1, width);
            }

            spans.Add(new Span
            {
                TraceId = traceId,
                SpanId = new SpanId((ulong)i + 1),
                OperationName = $"operation-{i % 50}",
                Process = processes[i % processes.Length],
                StartTimeMicros = start[i],
                DurationMicros = duration[i],
                Flags = SpanFlags.Sampled,
                References = parent < 0 ? [] : [new SpanRef(traceId, new SpanId((ulong)parent + 1))],
                Tags = [KeyValue.String("span.kind", i % 2 == 0 ? "server" : "client"), KeyValue.Int64("http.status_code", 200), KeyValue.String("component", "bench")],
            });
        }

        return spans;
    }

    private static List<Span> XssTrace(long t)
    {
        var process = new Process(XssService, [KeyValue.String("hostname", "web-1")]);
        return
        [
            new Span
            {
                TraceId = XssTraceId, SpanId = new SpanId(1), OperationName = XssOperation, Process = process,
                StartTimeMicros = t, DurationMicros = 5_000, Flags = SpanFlags.Sampled, References = [],
                Tags = [KeyValue.String("note", QueryFixture.XssValue)],
            },
            new Span
            {
                TraceId = XssTraceId, SpanId = new SpanId(2), OperationName = XssOperation, Process = process,
                StartTimeMicros = t + 1_000, DurationMicros = 2_000, Flags = SpanFlags.Sampled,
                References = [new SpanRef(XssTraceId, new SpanId(1))],
                Tags = [KeyValue.String("other", "plain")],
            },
        ];
    }
}
