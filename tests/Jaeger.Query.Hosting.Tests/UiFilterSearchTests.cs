using System.Web;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Storage.Memory;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>The structured filter box of the search page, in headless Chromium, over the fixture and checkout traces.</summary>
public sealed partial class UiBrowserTests
{
    private static async Task<string[]> ResultTraceIdsAsync(IPage page)
    {
        await Expect(page.Locator("#search-results[data-state='done']")).ToHaveCountAsync(1);
        var ids = new List<string>();
        foreach (var item in await page.Locator(".result-item").AllAsync())
        {
            ids.Add((await item.GetAttributeAsync("data-trace-id"))!);
        }

        return [.. ids.Order(StringComparer.Ordinal)];
    }

    private static string[] Ids(params TraceId[] ids) => [.. ids.Select(id => id.ToString()).Order(StringComparer.Ordinal)];

    private static string? FilterInUrl(IPage page) => HttpUtility.ParseQueryString(new Uri(page.Url).Query)["filter"];

    [ChromiumFact]
    public async Task A_filter_finds_exactly_the_traces_with_a_matching_span_and_survives_reload()
    {
        var (page, dialogs, errors) = await OpenAsync("search");
        const string filter = "http.status_code >= 500 OR (service = mysql AND db.statement startsWith \"UPDATE\")";
        await page.FillAsync("#search-filter", filter);
        await page.SelectOptionAsync("#search-lookback", "1h");
        await page.ClickAsync("#search-submit");

        Assert.Equal(Ids(QueryFixture.ErrorTraceId, CheckoutTraceId), await ResultTraceIdsAsync(page));
        Assert.Equal(filter, FilterInUrl(page));
        await ScreenshotAsync(page, "search-filter");

        // The URL carries the filter with the other fields: a reload restores the box and the same results, and a
        // new sort keeps it.
        await page.ReloadAsync();
        await Expect(page.Locator("#search-filter")).ToHaveValueAsync(filter);
        Assert.Equal(Ids(QueryFixture.ErrorTraceId, CheckoutTraceId), await ResultTraceIdsAsync(page));
        await page.SelectOptionAsync("#search-sort", "longest");
        await Expect(page.Locator(".result-item").First).ToHaveAttributeAsync("data-trace-id", QueryFixture.ErrorTraceId.ToString());
        Assert.Equal(filter, FilterInUrl(page));

        // NOT and a service narrow it to the one trace whose error is not in mysql.
        await page.FillAsync("#search-filter", "error = true AND NOT service = mysql");
        await page.ClickAsync("#search-submit");
        Assert.Equal(Ids(QueryFixture.ErrorTraceId), await ResultTraceIdsAsync(page));

        // Clearing the box drops the filter from the URL and finds every trace again.
        await page.FillAsync("#search-filter", "");
        await page.ClickAsync("#search-submit");
        Assert.Equal(6, (await ResultTraceIdsAsync(page)).Length);
        Assert.Null(FilterInUrl(page));
        Assert.Empty(dialogs);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task Clicking_an_example_fills_the_box_and_every_example_is_a_filter_the_server_applies()
    {
        // What each example finds among the fixture and checkout traces.
        var expected = new Dictionary<string, string[]>
        {
            ["error = true OR http.status_code >= 500"] = Ids(QueryFixture.ErrorTraceId, CheckoutTraceId),
            ["duration > 500ms AND NOT span.kind = client"] = Ids(QueryFixture.ErrorTraceId),
            ["exists db.statement"] = Ids(CheckoutTraceId),
            ["operation startsWith \"GET /\""] = Ids(QueryFixture.DispatchTraceId, QueryFixture.ErrorTraceId, QueryFixture.SkewTraceId, CheckoutTraceId),
            ["service = frontend AND (http.status_code >= 400 OR exists error)"] = Ids(QueryFixture.ErrorTraceId),
        };
        var (page, dialogs, errors) = await OpenAsync("search");
        var examples = page.Locator("#filter-examples .filter-example");
        await Expect(examples).ToHaveCountAsync(expected.Count);

        for (var i = 0; i < expected.Count; i++)
        {
            var example = page.Locator("#filter-examples .filter-example").Nth(i);
            var text = (await example.GetAttributeAsync("data-example"))!;
            Assert.True(expected.ContainsKey(text), $"an example without an expected result: {text}");
            await Expect(example).ToHaveTextAsync(text);
            await example.ClickAsync();
            await Expect(page.Locator("#search-filter")).ToHaveValueAsync(text);
            await Expect(page.Locator("#search-filter")).ToBeFocusedAsync();
            await page.ClickAsync("#search-submit");
            Assert.Equal(expected[text], await ResultTraceIdsAsync(page));
            Assert.Equal(text, FilterInUrl(page));
        }

        Assert.Empty(dialogs);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task A_bad_filter_shows_the_servers_message_and_points_at_the_error_all_as_text()
    {
        var (page, dialogs, errors) = await OpenAsync("search");

        // HTML in a valid filter is a value to match, shown back as text.
        var note = $"customer.note = \"{QueryFixture.XssValue}\"";
        await page.FillAsync("#search-filter", note);
        await page.ClickAsync("#search-submit");
        Assert.Equal(Ids(QueryFixture.DispatchTraceId), await ResultTraceIdsAsync(page));
        await Expect(page.Locator("#search-filter")).ToHaveValueAsync(note);

        // HTML in the server's message is text too, and the caret sits under the offset the message names.
        var bad = $"duration > \"{QueryFixture.XssValue}\"";
        await page.FillAsync("#search-filter", bad);
        await page.Locator("#search-filter").PressAsync("Enter");
        await Expect(page.Locator("#search-results[data-state='error']")).ToHaveCountAsync(1);
        var message = "unable to parse param 'filter': 'duration' is compared with a duration such as 1.5s, 250ms or 1h30m, " +
            $"not the string \"{QueryFixture.XssValue}\" (at offset 11)";
        await Expect(page.Locator("#search-error")).ToContainTextAsync(message);
        await Expect(page.Locator("#filter-pointer")).ToHaveTextAsync($"{bad}\n{new string(' ', 11)}^");
        await Expect(page.Locator("#search-filter")).ToHaveValueAsync(bad);
        await Expect(page.Locator("#search-filter")).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal(bad, FilterInUrl(page));
        Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
        Assert.Equal(0, await page.Locator("main img").CountAsync());
        await ScreenshotAsync(page, "search-filter-error");

        // On a second line the caret points into that line; the page keeps working after the error.
        await page.FillAsync("#search-filter", "service = frontend AND\n  (exists error OR)");
        await page.ClickAsync("#search-submit");
        await Expect(page.Locator("#search-error")).ToContainTextAsync("expected a condition, found ')' (at offset 41)");
        await Expect(page.Locator("#filter-pointer")).ToHaveTextAsync($"  (exists error OR)\n{new string(' ', 18)}^");
        await page.Locator("#filter-examples .filter-example").Nth(2).ClickAsync();
        await page.ClickAsync("#search-submit");
        Assert.Equal(Ids(CheckoutTraceId), await ResultTraceIdsAsync(page));

        Assert.Empty(dialogs);
        // The browser logs each failed request (the two 400s); nothing else may go wrong.
        Assert.DoesNotContain(errors, e => !e.Contains("status of 400", StringComparison.Ordinal));
    }

    [ChromiumFact]
    public async Task Without_the_filter_capability_there_is_no_filter_box_and_a_filter_in_the_url_is_refused_as_text()
    {
        using var host = TestQueryHost.Build(services: s => s.AddSingleton<ISpanReader>(sp => new ReaderWithoutFilter(sp.GetRequiredService<InMemorySpanStore>())));
        await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(CheckoutTrace(Time.ToUnixMicros(DateTimeOffset.UtcNow) - 60_000_000));
        await host.StartAsync();
        var baseAddress = host.HttpBaseAddress();
        var context = await _chromium!.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(baseAddress, "search").AbsoluteUri);
        await Expect(page.Locator("#search-tags")).ToHaveCountAsync(1);
        await Expect(page.Locator("body[data-ready='search']")).ToHaveCountAsync(1);
        Assert.Equal(0, await page.Locator("#search-filter").CountAsync());
        Assert.Equal(0, await page.Locator("#filter-examples").CountAsync());

        await page.GotoAsync(new Uri(baseAddress, "search?service=web&lookback=1h&filter=" + Uri.EscapeDataString("exists error")).AbsoluteUri);
        await Expect(page.Locator("#search-results[data-state='error']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#search-error")).ToContainTextAsync("lacks Filter");
        Assert.Equal(0, await page.Locator("#filter-pointer").CountAsync());
        await context.CloseAsync();
        await host.StopAsync();
    }

    /// <summary>The memory store as a backend that cannot apply a structured filter.</summary>
    private sealed class ReaderWithoutFilter(ISpanReader inner) : ISpanReader
    {
        public SearchCapabilities Capabilities => inner.Capabilities & ~SearchCapabilities.Filter;

        public ValueTask<Trace?> GetTraceAsync(TraceGetParameters query, CancellationToken cancellationToken = default) => inner.GetTraceAsync(query, cancellationToken);

        public ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default) => inner.GetServicesAsync(cancellationToken);

        public ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default) =>
            inner.GetOperationsAsync(query, cancellationToken);

        public ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
        {
            SearchCapabilityCheck.ThrowIfUnsupported(query, Capabilities);
            return inner.FindTracesAsync(query, cancellationToken);
        }

        public ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
        {
            SearchCapabilityCheck.ThrowIfUnsupported(query, Capabilities);
            return inner.FindTraceIdsAsync(query, cancellationToken);
        }

        public ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
        {
            SearchCapabilityCheck.ThrowIfUnsupported(query, Capabilities);
            return inner.FindTraceSummariesAsync(query, cancellationToken);
        }
    }
}
