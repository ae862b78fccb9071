using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>The web UI end to end in headless Chromium, against the query role over real Kestrel.</summary>
public sealed partial class UiBrowserTests : IAsyncLifetime
{
    public static readonly TraceId CheckoutTraceId = new(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736);

    private IHost? _host;
    private HeadlessChromium? _chromium;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumFactAttribute.ChromiumPath))
        {
            return;
        }

        // Playwright's 5 s default for Expect is short for a browser on a loaded two-core CI machine.
        SetDefaultExpectTimeout((float)Eventually.DefaultTimeout.TotalMilliseconds);

        _host = TestQueryHost.Build(archive: true);
        var now = Time.ToUnixMicros(DateTimeOffset.UtcNow);
        var writer = _host.Services.GetRequiredService<ISpanWriter>();
        await writer.WriteSpansAsync(QueryFixture.Spans(now - 600_000_000));
        await writer.WriteSpansAsync(CheckoutTrace(now - 120_000_000));
        await _host.StartAsync();
        _base = _host.HttpBaseAddress();

        _chromium = await HeadlessChromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    private async Task<(IPage Page, List<string> Dialogs, List<string> Errors)> OpenAsync(string path)
    {
        var context = await _chromium!.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        var dialogs = new List<string>();
        var errors = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        await page.GotoAsync(new Uri(_base, path).AbsoluteUri);
        return (page, dialogs, errors);
    }

    private static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(RepositoryPaths.Artifacts, $"query-ui-{name}.png"), FullPage = true });

    [ChromiumFact]
    public async Task Finds_a_trace_by_service_and_tag_opens_it_and_reads_a_span_tag()
    {
        var (page, dialogs, errors) = await OpenAsync("search");
        await page.SelectOptionAsync("#search-service", "frontend");
        await Expect(page.Locator("#search-operation option[value='GET /dispatch']")).ToHaveCountAsync(1);
        await page.FillAsync("#search-tags", "http.status_code=500");
        await page.SelectOptionAsync("#search-lookback", "1h");
        await page.ClickAsync("#search-submit");

        await Expect(page.Locator("#search-results[data-state='done']")).ToHaveCountAsync(1);
        await Expect(page.Locator(".result-item")).ToHaveCountAsync(1);
        await Expect(page.Locator(".result-name")).ToHaveTextAsync("frontend: GET /dispatch");
        await Expect(page.Locator(".error-count")).ToHaveTextAsync("2 Errors");
        await Expect(page.Locator("#scatter-plot circle")).ToHaveCountAsync(1);
        Assert.Contains("tags=", page.Url, StringComparison.Ordinal);
        Assert.Contains("service=frontend", page.Url, StringComparison.Ordinal);
        await ScreenshotAsync(page, "search");

        await page.ClickAsync(".result-title");
        await Expect(page.Locator("#trace-name")).ToHaveTextAsync("frontend: GET /dispatch");
        Assert.EndsWith($"/trace/{QueryFixture.ErrorTraceId}", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator(".span-row")).ToHaveCountAsync(2);
        await Expect(page.Locator(".span-row.has-error")).ToHaveCountAsync(2);

        await page.ClickAsync(".span-row[data-span-id='0000000000000011']");
        var detail = page.Locator(".span-detail[data-span-id='0000000000000011']");
        await Expect(detail).ToBeVisibleAsync();
        var errorRow = detail.Locator(".span-tags .tag-row", new() { HasText = "error" });
        await Expect(errorRow.Locator(".tag-value")).ToHaveTextAsync("true");
        await Expect(errorRow.Locator(".tag-type")).ToHaveTextAsync("bool");
        Assert.Empty(dialogs);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Search_url_survives_reload_and_sort_options_reorder_results()
    {
        var (page, _, errors) = await OpenAsync("search?service=frontend&lookback=1h&limit=20");
        await Expect(page.Locator("#search-results[data-state='done']")).ToHaveCountAsync(1);
        await Expect(page.Locator(".result-item")).ToHaveCountAsync(4);
        await page.SelectOptionAsync("#search-sort", "longest");
        await Expect(page.Locator(".result-item").First).ToHaveAttributeAsync("data-trace-id", QueryFixture.ErrorTraceId.ToString());
        await page.SelectOptionAsync("#search-sort", "spans");
        await Expect(page.Locator(".result-item").First).ToHaveAttributeAsync("data-trace-id", QueryFixture.DispatchTraceId.ToString());
        await page.ReloadAsync();
        await Expect(page.Locator("#search-sort")).ToHaveValueAsync("spans");
        await Expect(page.Locator("#search-service")).ToHaveValueAsync("frontend");
        await Expect(page.Locator(".result-item")).ToHaveCountAsync(4);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Tag_value_with_html_is_shown_as_text_and_runs_nothing()
    {
        var (page, dialogs, _) = await OpenAsync($"trace/{QueryFixture.DispatchTraceId}");
        await page.ClickAsync(".span-row[data-span-id='0000000000000003']");
        var note = page.Locator(".span-detail .span-tags .tag-row", new() { HasText = "customer.note" }).Locator(".tag-value");
        await Expect(note).ToHaveTextAsync(QueryFixture.XssValue);
        Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
        Assert.Equal(0, await page.Locator("main img").CountAsync());

        // The big integer arrives as text and is shown exactly; binary as base64.
        var big = page.Locator(".span-detail .span-tags .tag-row", new() { HasText = "big.number" }).Locator(".tag-value");
        await Expect(big).ToHaveTextAsync(QueryFixture.BigInt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var binary = page.Locator(".span-detail .span-tags .tag-row", new() { HasText = "payload" }).Locator(".tag-value");
        await Expect(binary).ToHaveTextAsync(Convert.ToBase64String(QueryFixture.BinaryValue));

        // Searching for the value puts it in the URL and the form, still as text.
        await page.GotoAsync(new Uri(_base, "search?service=customer&lookback=1h&tags=" + Uri.EscapeDataString("{\"customer.note\":\"<img src=x onerror=alert(1)>\"}")).AbsoluteUri);
        await Expect(page.Locator(".result-item")).ToHaveCountAsync(1);
        await Expect(page.Locator("#search-tags")).ToHaveValueAsync("customer.note=\"<img src=x onerror=alert(1)>\"");
        Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
        Assert.Empty(dialogs);
    }

    [ChromiumFact]
    public async Task Trace_url_survives_reload_and_spans_collapse_and_expand()
    {
        var (page, _, errors) = await OpenAsync($"trace/{CheckoutTraceId}");
        await Expect(page.Locator("#trace-name")).ToHaveTextAsync("web: POST /checkout");
        await Expect(page.Locator(".span-row")).ToHaveCountAsync(11);
        await page.ReloadAsync();
        await Expect(page.Locator("#trace-name")).ToHaveTextAsync("web: POST /checkout");
        await Expect(page.Locator("#trace-span-count")).ToHaveTextAsync("11");

        // Collapsing the cart call hides its two descendants; expanding shows them again.
        var cart = page.Locator(".span-row[data-span-id='00000000000000c2']");
        await cart.Locator(".toggle").ClickAsync();
        await Expect(page.Locator(".span-row")).ToHaveCountAsync(9);
        await page.Locator(".span-row[data-span-id='00000000000000c2'] .toggle").ClickAsync();
        await Expect(page.Locator(".span-row")).ToHaveCountAsync(11);

        // Logs are listed with their time relative to the trace start.
        await page.ClickAsync(".span-row[data-span-id='00000000000000c8']");
        await Expect(page.Locator(".span-detail .log-time").First).ToContainTextAsync("142ms");
        await ScreenshotAsync(page, "trace");
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Dependency_graph_shows_services_and_call_counts()
    {
        var (page, _, errors) = await OpenAsync("search");
        await page.ClickAsync("#nav-dependencies");
        await Expect(page.Locator("#dep-graph")).ToBeVisibleAsync();
        Assert.EndsWith("/dependencies", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#dep-graph .dep-node[data-service='payments']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#dep-graph .dep-node[data-service='mysql']")).ToHaveCountAsync(1);
        var row = page.Locator(".deps-table tbody tr").Filter(new() { HasText = "web" }).Filter(new() { HasText = "payments" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("td").Nth(0)).ToHaveTextAsync("web");
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("1");
        await ScreenshotAsync(page, "dependencies");
        await page.ReloadAsync();
        await Expect(page.Locator("#dep-graph")).ToBeVisibleAsync();
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Compare_shows_span_counts_of_two_traces_side_by_side()
    {
        var (page, _, errors) = await OpenAsync($"compare?a={QueryFixture.DispatchTraceId}&b={QueryFixture.ErrorTraceId}");
        var rows = page.Locator("#compare-table tbody tr");
        await Expect(rows).ToHaveCountAsync(4);
        var sql = rows.Filter(new() { HasText = "SQL SELECT" });
        await Expect(sql.Locator(".diff")).ToHaveTextAsync("-1");
        await ScreenshotAsync(page, "compare");
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Ui_works_under_a_base_path()
    {
        using var host = TestQueryHost.Build(o => o.BasePath = "/jaeger");
        await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(CheckoutTrace(Time.ToUnixMicros(DateTimeOffset.UtcNow) - 60_000_000));
        await host.StartAsync();
        var baseAddress = host.HttpBaseAddress();
        var context = await _chromium!.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(new Uri(baseAddress, $"trace/{CheckoutTraceId}").AbsoluteUri);
        await Expect(page.Locator("#trace-name")).ToHaveTextAsync("web: POST /checkout");
        await page.ClickAsync("#nav-search");
        await Expect(page).ToHaveURLAsync(new Uri(baseAddress, "search").AbsoluteUri);
        await page.SelectOptionAsync("#search-service", "payments");
        await page.ClickAsync("#search-submit");
        await Expect(page.Locator(".result-item")).ToHaveCountAsync(1);
        Assert.StartsWith(new Uri(baseAddress, "search?").AbsoluteUri, page.Url, StringComparison.Ordinal);
        Assert.Empty(errors);
        await context.CloseAsync();
        await host.StopAsync();
    }

    /// <summary>A checkout across six services, for the screenshots and the tree tests.</summary>
    public static List<Span> CheckoutTrace(long t)
    {
        var web = new Process("web", [KeyValue.String("hostname", "web-7f9c"), KeyValue.String("ip", "10.1.0.4"), KeyValue.String("jaeger.version", "CSharp-1.0.0")]);
        var cart = new Process("cart", [KeyValue.String("hostname", "cart-5d2b"), KeyValue.String("ip", "10.1.0.9")]);
        var inventory = new Process("inventory", [KeyValue.String("hostname", "inv-1"), KeyValue.String("ip", "10.1.0.12")]);
        var payments = new Process("payments", [KeyValue.String("hostname", "pay-2"), KeyValue.String("ip", "10.1.0.20")]);
        var redis = new Process("redis", [KeyValue.String("ip", "10.1.0.30")]);
        var mysql = new Process("mysql", [KeyValue.String("ip", "10.1.0.31")]);
        Span S(ulong id, ulong parent, string op, Process p, long start, long duration, params KeyValue[] tags) => new()
        {
            TraceId = CheckoutTraceId,
            SpanId = new SpanId(id),
            OperationName = op,
            Process = p,
            StartTimeMicros = t + start,
            DurationMicros = duration,
            Flags = SpanFlags.Sampled,
            References = parent == 0 ? [] : [new SpanRef(CheckoutTraceId, new SpanId(parent))],
            Tags = [.. tags],
        };
        var spans = new List<Span>
        {
            S(0xc1, 0, "POST /checkout", web, 0, 412_000, KeyValue.String("span.kind", "server"), KeyValue.String("http.method", "POST"), KeyValue.Int64("http.status_code", 200)),
            S(0xc2, 0xc1, "GET /cart", web, 4_000, 61_000, KeyValue.String("span.kind", "client")),
            S(0xc3, 0xc2, "GET /cart", cart, 7_000, 55_000, KeyValue.String("span.kind", "server")),
            S(0xc4, 0xc3, "HGETALL", redis, 9_000, 4_200, KeyValue.String("span.kind", "client"), KeyValue.String("db.type", "redis")),
            S(0xc5, 0xc1, "POST /reserve", web, 70_000, 120_000, KeyValue.String("span.kind", "client")),
            S(0xc6, 0xc5, "POST /reserve", inventory, 74_000, 110_000, KeyValue.String("span.kind", "server")),
            S(0xc7, 0xc6, "UPDATE stock", mysql, 80_000, 38_000, KeyValue.String("span.kind", "client"), KeyValue.String("db.statement", "UPDATE stock SET qty = qty - ? WHERE sku = ?")),
            S(0xc8, 0xc6, "UPDATE stock", mysql, 126_000, 52_000, KeyValue.String("span.kind", "client"), KeyValue.Bool("error", true), KeyValue.String("db.statement", "UPDATE stock SET qty = qty - ? WHERE sku = ?")),
            S(0xc9, 0xc1, "POST /charge", web, 195_000, 205_000, KeyValue.String("span.kind", "client")),
            S(0xca, 0xc9, "POST /charge", payments, 199_000, 196_000, KeyValue.String("span.kind", "server"), KeyValue.String("payment.provider", "acme")),
            S(0xcb, 0xca, "INSERT payment", mysql, 230_000, 24_000, KeyValue.String("span.kind", "client")),
        };
        spans[7].Logs = [new Log(t + 142_000, [KeyValue.String("event", "error"), KeyValue.String("error.kind", "DeadlockException"), KeyValue.String("message", "Deadlock found when trying to get lock; retrying")])];
        return spans;
    }
}
