using System.Text;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>The trace page's Archive button (the host has a memory archive) and "Open JSON" (a trace from a file, not stored).</summary>
public sealed partial class UiBrowserTests
{
    private static readonly TraceId FileTraceId = new(0, 0xf11e1);

    private static string FileTraceJson() => $$$"""
        {"data":[{"traceID":"{{{FileTraceId}}}","spans":[
          {"traceID":"{{{FileTraceId}}}","spanID":"0000000000000001","operationName":{{{System.Text.Json.JsonSerializer.Serialize(XssOperation)}}},"references":[],
           "startTime":1700000000000000,"duration":3000,"tags":[{"key":"note","type":"string","value":{{{System.Text.Json.JsonSerializer.Serialize(QueryFixture.XssValue)}}}}],
           "logs":[],"processID":"p1","warnings":null},
          {"traceID":"{{{FileTraceId}}}","spanID":"0000000000000002","operationName":"child","references":[{"refType":"CHILD_OF","traceID":"{{{FileTraceId}}}","spanID":"0000000000000001"}],
           "startTime":1700000000001000,"duration":1000,"tags":[],"logs":[],"processID":"p1","warnings":null}],
          "processes":{"p1":{"serviceName":{{{System.Text.Json.JsonSerializer.Serialize(XssService)}}},"tags":[]}},"warnings":null}]}
        """;

    private static FilePayload JsonFile(string name, string text) => new() { Name = name, MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(text) };

    [ChromiumFact]
    public async Task Archive_button_copies_the_shown_trace_into_the_archive_store()
    {
        var (page, dialogs, errors) = await OpenAsync($"trace/{CheckoutTraceId}");
        await Expect(page.Locator("#trace-name")).ToHaveTextAsync("web: POST /checkout");
        await page.ClickAsync("#archive-trace");
        await Expect(page.Locator("#archive-status")).ToHaveTextAsync("Archived");

        var archived = await _host!.Services.GetRequiredService<ArchiveSpanStorage>().Reader.GetTraceAsync(CheckoutTraceId);
        Assert.NotNull(archived);
        Assert.Equal(11, archived.Spans.Count);
        Assert.Empty(dialogs);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task A_jaeger_ui_json_file_opens_as_text_without_being_stored_or_archivable()
    {
        var (page, dialogs, errors) = await OpenAsync("search");
        await page.SetInputFilesAsync("#open-file", JsonFile("xss-trace.json", FileTraceJson()));

        await Expect(page.Locator("#trace-name")).ToHaveTextAsync($"{XssService}: {XssOperation}");
        Assert.EndsWith($"/file/{FileTraceId}", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#opened-note")).ToHaveCountAsync(1);
        await Expect(page.Locator("#trace-span-count")).ToHaveTextAsync("2");
        await Expect(page.Locator(".span-row .op-name").First).ToHaveTextAsync(XssOperation);
        await page.ClickAsync(".span-row[data-span-id='0000000000000001']");
        var note = page.Locator(".span-detail .span-tags .tag-row", new() { HasText = "note" }).Locator(".tag-value");
        await Expect(note).ToHaveTextAsync(QueryFixture.XssValue);

        // Data stays text: no element from the file's strings, no script run.
        Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
        Assert.Equal(0, await page.Locator("main svg[onload]").CountAsync());
        Assert.Empty(dialogs);

        // Shown only: not in storage, and no Archive control for it.
        Assert.Null(await _host!.Services.GetRequiredService<ISpanReader>().GetTraceAsync(FileTraceId));
        Assert.Equal(0, await page.Locator(".archive-slot").CountAsync());
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task An_otlp_json_file_is_transformed_by_the_server_and_lists_its_traces()
    {
        var (page, dialogs, errors) = await OpenAsync("search");
        await page.SetInputFilesAsync("#open-file", JsonFile("otlp.json", TransformTests.OtlpFile()));

        var links = page.Locator("#opened-traces .opened-trace");
        await Expect(links).ToHaveCountAsync(2);
        Assert.EndsWith("/file", page.Url, StringComparison.Ordinal);
        await Expect(links.First).ToHaveTextAsync("upload-svc: GET /upload");
        await links.First.ClickAsync();
        await Expect(page.Locator("#trace-name")).ToHaveTextAsync("upload-svc: GET /upload");
        Assert.EndsWith("/file/5b8efff798038103d269b633813fc60c", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#trace-span-count")).ToHaveTextAsync("2");
        await page.ClickAsync(".span-row[data-span-id='eee19b7ec3c1b174']");
        var note = page.Locator(".span-detail .span-tags .tag-row", new() { HasText = "note" }).Locator(".tag-value");
        await Expect(note).ToHaveTextAsync("<img src=x onerror=alert(1)>");
        Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());

        // Back to the list and to the other trace, all without storage.
        await page.GoBackAsync();
        await Expect(links).ToHaveCountAsync(2);
        Assert.DoesNotContain("upload-svc", await _host!.Services.GetRequiredService<ISpanReader>().GetServicesAsync());
        Assert.Empty(dialogs);
        Assert.Empty(errors);
    }

    [ChromiumFact]
    public async Task A_file_that_is_not_a_trace_shows_why_and_keeps_the_page_working()
    {
        var (page, dialogs, _) = await OpenAsync("search");
        await page.SetInputFilesAsync("#open-file", JsonFile("notes.json", "{\"hello\": \"<img src=x onerror=alert(1)>\"}"));
        await Expect(page.Locator("main .error")).ToContainTextAsync("Cannot open notes.json: the file is neither Jaeger UI JSON");
        await page.SetInputFilesAsync("#open-file", JsonFile("broken.json", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz\"}]}]}]}"));
        await Expect(page.Locator("main .error")).ToContainTextAsync("Cannot open broken.json: cannot transform OTLP JSON: 'zz' is not a hex trace or span id");
        await page.SetInputFilesAsync("#open-file", JsonFile("text.json", "not json"));
        await Expect(page.Locator("main .error")).ToContainTextAsync("Cannot open text.json: the file is not JSON");
        Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
        Assert.Empty(dialogs);
    }
}
