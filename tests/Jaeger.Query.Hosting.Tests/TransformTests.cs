using System.Net;
using System.Text;
using System.Text.Json;
using Jaeger.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.Query.Hosting.Tests;

/// <summary><c>POST /api/transform</c>: OTLP JSON in, the UI's trace JSON out, unadjusted and stored nowhere.</summary>
public sealed class TransformTests : IAsyncLifetime
{
    private const int Limit = 256 * 1024;

    private IHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = TestQueryHost.Build(o => o.MaxTransformBodyBytes = Limit);
        await _host.StartAsync();
        _client = new HttpClient { BaseAddress = _host.HttpBaseAddress() };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>Two traces from one resource; the child's parent and the numeric <c>ip</c> resource attribute show the output is not adjusted.</summary>
    internal static string OtlpFile(string padding = "") => $$$"""
        {"resourceSpans":[{"resource":{"attributes":[
            {"key":"service.name","value":{"stringValue":"upload-svc"}},
            {"key":"ip","value":{"intValue":"167772161"}},
            {"key":"pad","value":{"stringValue":"{{{padding}}}"}}]},
          "scopeSpans":[{"scope":{"name":"upload-lib","version":"1.2"},"spans":[
            {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"GET /upload","kind":2,
             "startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000",
             "attributes":[{"key":"note","value":{"stringValue":"<img src=x onerror=alert(1)>"}},{"key":"http.status_code","value":{"intValue":"200"}}]},
            {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175","parentSpanId":"eee19b7ec3c1b174","name":"store","kind":3,
             "startTimeUnixNano":"1544712660100000000","endTimeUnixNano":"1544712660600000000",
             "status":{"code":2,"message":"disk full"},
             "events":[{"timeUnixNano":"1544712660200000000","name":"retry","attributes":[{"key":"attempt","value":{"intValue":"2"}}]}]},
            {"traceId":"00000000000000000000000000000abc","spanId":"0000000000000001","name":"other","kind":1,
             "startTimeUnixNano":"1544712670000000000","endTimeUnixNano":"1544712670000001000"}]}]}]}
        """;

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string body)
    {
        using var response = await _client.PostAsync("api/transform", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.Clone());
    }

    private static JsonElement Tag(JsonElement owner, string key) =>
        owner.GetProperty("tags").EnumerateArray().Single(t => t.GetProperty("key").GetString() == key);

    [Fact]
    public async Task Otlp_json_becomes_ui_traces_grouped_by_trace_id_in_jaegers_envelope()
    {
        var (status, body) = await PostAsync(OtlpFile());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["data", "total", "limit", "offset", "errors"], body.EnumerateObject().Select(p => p.Name).ToArray());
        var traces = body.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["5b8efff798038103d269b633813fc60c", "0000000000000abc"], traces.Select(t => t.GetProperty("traceID").GetString()!).ToArray());

        var spans = traces[0].GetProperty("spans").EnumerateArray().ToArray();
        Assert.Equal(2, spans.Length);
        var root = spans.Single(s => s.GetProperty("spanID").GetString() == "eee19b7ec3c1b174");
        Assert.Equal("GET /upload", root.GetProperty("operationName").GetString());
        Assert.Equal(1544712660000000, root.GetProperty("startTime").GetInt64());
        Assert.Equal(1_000_000, root.GetProperty("duration").GetInt64());
        Assert.Equal("server", Tag(root, "span.kind").GetProperty("value").GetString());
        Assert.Equal("<img src=x onerror=alert(1)>", Tag(root, "note").GetProperty("value").GetString());
        Assert.Equal(200, Tag(root, "http.status_code").GetProperty("value").GetInt64());

        var child = spans.Single(s => s.GetProperty("spanID").GetString() == "eee19b7ec3c1b175");
        var reference = Assert.Single(child.GetProperty("references").EnumerateArray());
        Assert.Equal("CHILD_OF", reference.GetProperty("refType").GetString());
        Assert.Equal("eee19b7ec3c1b174", reference.GetProperty("spanID").GetString());
        Assert.True(Tag(child, "error").GetProperty("value").GetBoolean());
        var log = Assert.Single(child.GetProperty("logs").EnumerateArray());
        Assert.Equal(1544712660200000, log.GetProperty("timestamp").GetInt64());

        var process = traces[0].GetProperty("processes").GetProperty(root.GetProperty("processID").GetString()!);
        Assert.Equal("upload-svc", process.GetProperty("serviceName").GetString());

        // Not adjusted: Jaeger's IP adjuster would have turned the numeric ip into "10.0.0.1".
        var ip = Tag(process, "ip");
        Assert.Equal("int64", ip.GetProperty("type").GetString());
        Assert.Equal(167772161, ip.GetProperty("value").GetInt64());
    }

    [Fact]
    public async Task Transform_stores_nothing()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(OtlpFile())).Status);
        var reader = _host.Services.GetRequiredService<ISpanReader>();
        Assert.Empty(await reader.GetServicesAsync());
        Assert.Null(await reader.GetTraceAsync(new Jaeger.Model.TraceId(0, 0xabc)));
    }

    [Fact]
    public async Task A_body_above_the_servers_64_KiB_cap_but_within_the_option_is_accepted()
    {
        var (status, body) = await PostAsync(OtlpFile(new string('x', 100 * 1024)));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task A_body_above_the_limit_is_413_naming_the_limit()
    {
        var (status, body) = await PostAsync(OtlpFile(new string('x', Limit)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains(Limit.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(body.GetProperty("errors").EnumerateArray()).GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"resourceSpans\":[{\"resource\":", "cannot transform OTLP JSON: the body is not valid JSON", "BytePositionInLine")]
    [InlineData("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"xyz\",\"spanId\":\"0000000000000001\"}]}]}]}", "cannot transform OTLP JSON: 'xyz' is not a hex trace or span id", "xyz")]
    [InlineData("{\"resourceSpans\":{}}", "cannot transform OTLP JSON: the body is not", "Repeated field value was not an array")]
    [InlineData("", "cannot transform OTLP JSON: the request body is empty", "empty")]
    public async Task Bad_otlp_json_is_400_with_a_message_pointing_at_the_error(string json, string start, string pointer)
    {
        var (status, body) = await PostAsync(json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        var message = error.GetProperty("msg").GetString()!;
        Assert.StartsWith(start, message, StringComparison.Ordinal);
        Assert.True(message.Contains(pointer, StringComparison.Ordinal), message);
        Assert.Empty(await _host.Services.GetRequiredService<ISpanReader>().GetServicesAsync());
    }
}
