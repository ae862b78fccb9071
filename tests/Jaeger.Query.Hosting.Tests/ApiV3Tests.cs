using System.Net;
using System.Text.Json;

namespace Jaeger.Query.Hosting.Tests;

[Collection(QueryCollection.Name)]
public sealed class ApiV3Tests(QueryFixture fixture)
{
    private async Task<(HttpStatusCode, JsonElement)> GetAsync(string url)
    {
        using var response = await fixture.Client.GetAsync(url);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.Clone());
    }

    [Fact]
    public async Task Services_and_operations()
    {
        var (_, services) = await GetAsync("api/v3/services");
        Assert.Equal(["customer", "frontend", "mysql"], services.GetProperty("services").EnumerateArray().Select(s => s.GetString()!).ToArray());
        var (_, operations) = await GetAsync("api/v3/operations?service=frontend&span_kind=server");
        var op = Assert.Single(operations.GetProperty("operations").EnumerateArray());
        Assert.Equal("GET /dispatch", op.GetProperty("name").GetString());
        Assert.Equal("server", op.GetProperty("spanKind").GetString());
        var (status, error) = await GetAsync("api/v3/operations");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(400, error.GetProperty("error").GetProperty("httpCode").GetInt32());
    }

    [Fact]
    public async Task Trace_is_otlp_json_under_result()
    {
        var (status, body) = await GetAsync($"api/v3/traces/{QueryFixture.DispatchTraceId}");
        Assert.Equal(HttpStatusCode.OK, status);
        var resourceSpans = body.GetProperty("result").GetProperty("resourceSpans").EnumerateArray().ToArray();
        Assert.Equal(3, resourceSpans.Length);
        var first = resourceSpans[0];
        var serviceName = first.GetProperty("resource").GetProperty("attributes")[0];
        Assert.Equal("service.name", serviceName.GetProperty("key").GetString());
        Assert.Equal("frontend", serviceName.GetProperty("value").GetProperty("stringValue").GetString());
        var span = first.GetProperty("scopeSpans")[0].GetProperty("spans")[0];
        Assert.Equal("000000000000000000000000000abc01", span.GetProperty("traceId").GetString());
        Assert.Equal("0000000000000001", span.GetProperty("spanId").GetString());
        Assert.Equal(2, span.GetProperty("kind").GetInt32());
        Assert.Equal((fixture.BaseMicros * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), span.GetProperty("startTimeUnixNano").GetString());
        var status200 = span.GetProperty("attributes").EnumerateArray().Single(a => a.GetProperty("key").GetString() == "http.status_code");
        Assert.Equal("200", status200.GetProperty("value").GetProperty("intValue").GetString());

        var (missing, error) = await GetAsync($"api/v3/traces/{QueryFixture.MissingTraceId}");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("trace not found", error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Find_traces_and_trace_summaries_take_query_parameters()
    {
        var start = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"));
        var (_, found) = await GetAsync($"api/v3/traces?query.service_name=mysql&query.start_time_min={start}&query.duration_min=10ms");
        var spans = found.GetProperty("result").GetProperty("resourceSpans").EnumerateArray()
            .SelectMany(r => r.GetProperty("scopeSpans")[0].GetProperty("spans").EnumerateArray()).ToArray();
        Assert.Equal(4, spans.Length);

        var (status, summaries) = await GetAsync($"api/v3/trace-summaries?query.serviceName=frontend&query.startTimeMin={start}&query.searchDepth=10&query.attributes=" + Uri.EscapeDataString("{\"error\":\"true\"}"));
        Assert.Equal(HttpStatusCode.OK, status);
        var summary = Assert.Single(summaries.GetProperty("summaries").EnumerateArray());
        Assert.Equal("112233445566778899aabbccddeeff00", summary.GetProperty("traceId").GetString());
        Assert.Equal("frontend", summary.GetProperty("rootServiceName").GetString());
        Assert.Equal("GET /dispatch", summary.GetProperty("rootOperationName").GetString());
        Assert.Equal(2, summary.GetProperty("spanCount").GetInt32());
        Assert.Equal(2, summary.GetProperty("errorSpanCount").GetInt32());
        Assert.Equal(0, summary.GetProperty("orphanSpanCount").GetInt32());
        Assert.Equal(JsonValueKind.String, summary.GetProperty("minStartTimeUnixNano").ValueKind);
        Assert.Equal(2, summary.GetProperty("services").GetArrayLength());

        var (bad, error) = await GetAsync("api/v3/traces?query.duration_min=fast");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("query.duration_min", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
