using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>The Monitor page in headless Chromium over the memory store's span metrics.</summary>
public sealed class UiMonitorBrowserTests : IAsyncLifetime
{
    private const string XssOperation = "<img src=x onerror=alert(1)>";

    private IHost? _host;
    private HeadlessChromium? _chromium;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumFactAttribute.ChromiumPath))
        {
            return;
        }

        SetDefaultExpectTimeout((float)Eventually.DefaultTimeout.TotalMilliseconds);
        _host = TestQueryHost.Build();

        // Two services with spans (so they are listed) and span metrics in the minutes before now.
        var now = DateTimeOffset.UtcNow;
        var writer = _host.Services.GetRequiredService<ISpanWriter>();
        await writer.WriteSpansAsync(
        [
            new Span { TraceId = new TraceId(0, 0x1), SpanId = new SpanId(1), OperationName = "GET /cart", StartTime = now.AddMinutes(-3), Duration = TimeSpan.FromMilliseconds(12), Process = new Process("shop"), Tags = [KeyValue.String("span.kind", "server")] },
            new Span { TraceId = new TraceId(0, 0x2), SpanId = new SpanId(2), OperationName = "charge", StartTime = now.AddMinutes(-3), Duration = TimeSpan.FromMilliseconds(40), Process = new Process("payments"), Tags = [KeyValue.String("span.kind", "server")] },
        ]);
        var minute = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var aggregates = new List<SpanMetricsAggregate>();
        for (var m = 1; m <= 5; m++)
        {
            var cart = new SpanMetricsAggregate("shop", "GET /cart", "server", minute.AddMinutes(-m)) { Calls = 120, Errors = 6 };
            cart.Latency.Add(12_000, 120);
            var odd = new SpanMetricsAggregate("shop", XssOperation, "server", minute.AddMinutes(-m)) { Calls = 60 };
            odd.Latency.Add(3_000, 60);
            var charge = new SpanMetricsAggregate("payments", "charge", "server", minute.AddMinutes(-m)) { Calls = 30 };
            charge.Latency.Add(40_000, 30);
            aggregates.AddRange([cart, odd, charge]);
        }

        await _host.Services.GetRequiredService<IMetricsWriter>().WriteMetricsAsync(aggregates);
        await _host.StartAsync();
        _base = _host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress!;
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

    [ChromiumFact]
    public async Task Monitor_ListsServicesWithRedFigures_ChartsAService_AndLinksAnOperationToItsTraces()
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
        await page.GotoAsync(new Uri(_base, "search").AbsoluteUri);

        await page.ClickAsync("#nav-monitor");
        await Expect(page.Locator("#monitor-services tbody tr")).ToHaveCountAsync(2);
        var shop = page.Locator("#monitor-services tr[data-service='shop'] td");
        await Expect(shop.Nth(0)).ToHaveTextAsync("shop");

        // 180 calls a minute: 3 req/s; 6 errors of 180: 3.33 %; p95 is the 12 ms of GET /cart, within the sketch's 1 %.
        await Expect(shop.Nth(2)).ToHaveTextAsync("3.000");
        await Expect(shop.Nth(3)).ToHaveTextAsync("3.33");
        var p95 = double.Parse(await shop.Nth(1).TextContentAsync() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(p95, 11.88, 12.12);

        await page.ClickAsync("#monitor-services a:text-is('shop')");
        await Expect(page.Locator("#monitor-detail h2").First).ToHaveTextAsync("shop");
        await Expect(page.Locator("#monitor-detail svg.monitor-chart")).ToHaveCountAsync(3);
        await Expect(page.Locator("#monitor-detail svg.monitor-chart path.series").First).ToHaveAttributeAsync("d", new System.Text.RegularExpressions.Regex("^M"));
        await Expect(page.Locator("#monitor-operations tbody tr")).ToHaveCountAsync(2);

        // An operation named like HTML is shown as text and runs nothing.
        await Expect(page.Locator("#monitor-operations tbody tr").Nth(0).Locator("td").First).ToHaveTextAsync(XssOperation);
        Assert.Equal(0, await page.Locator("main img").CountAsync());

        await page.Locator("#monitor-operations tr[data-operation='GET /cart'] a.op-traces").ClickAsync();
        await Expect(page.Locator("#search-results[data-state='done']")).ToHaveCountAsync(1);
        Assert.Contains("service=shop", page.Url, StringComparison.Ordinal);
        Assert.Contains("operation=GET", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator(".result-item")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepositoryPaths.Artifacts, "query-ui-monitor.png"), FullPage = true });
        Assert.Empty(dialogs);
        Assert.Empty(errors);
    }
}
