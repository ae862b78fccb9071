using System.Net;
using System.Text.Json;

namespace Jaeger.Query.Hosting.Tests;

[Collection(QueryCollection.Name)]
public sealed class HttpApiTests(QueryFixture fixture)
{
    private async Task<(HttpStatusCode Status, JsonElement Body, string Text)> GetAsync(string url)
    {
        using var response = await fixture.Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        return (response.StatusCode, doc.RootElement.Clone(), text);
    }

    private static void AssertEnvelope(JsonElement body)
    {
        Assert.Equal(["data", "total", "limit", "offset", "errors"], body.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(JsonValueKind.Number, body.GetProperty("total").ValueKind);
        Assert.Equal(0, body.GetProperty("limit").GetInt32());
        Assert.Equal(0, body.GetProperty("offset").GetInt32());
    }

    private async Task AssertBadRequestAsync(string url, string expectedMessageStart)
    {
        var (status, body, _) = await GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertEnvelope(body);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("data").ValueKind);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.StartsWith(expectedMessageStart, error.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    private static string[] TraceIds(JsonElement body) =>
        body.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("traceID").GetString()!).Order(StringComparer.Ordinal).ToArray();

    private static string[] Sorted(params string[] ids) => ids.Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Services_lists_every_service_with_total_and_null_errors()
    {
        var (status, body, _) = await GetAsync("api/services");
        Assert.Equal(HttpStatusCode.OK, status);
        AssertEnvelope(body);
        Assert.Equal(["customer", "frontend", "mysql"], body.GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(3, body.GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("errors").ValueKind);
    }

    [Fact]
    public async Task Legacy_operations_route_lists_unique_names_of_a_service()
    {
        var (status, body, _) = await GetAsync("api/services/frontend/operations");
        Assert.Equal(HttpStatusCode.OK, status);
        AssertEnvelope(body);
        Assert.Equal(["GET /dispatch", "GET /skew", "HTTP GET /customer", "call"], body.GetProperty("data").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(4, body.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Operations_route_returns_name_and_span_kind_and_filters_by_kind()
    {
        var (status, body, _) = await GetAsync("api/operations?service=frontend&spanKind=server");
        Assert.Equal(HttpStatusCode.OK, status);
        var op = Assert.Single(body.GetProperty("data").EnumerateArray());
        Assert.Equal(["name", "spanKind"], op.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("GET /dispatch", op.GetProperty("name").GetString());
        Assert.Equal("server", op.GetProperty("spanKind").GetString());
    }

    [Fact]
    public async Task Operations_route_without_service_is_400()
    {
        await AssertBadRequestAsync("api/operations", "parameter 'service' is required");
    }

    [Fact]
    public async Task Single_trace_has_jaeger_ui_shape_and_types()
    {
        var (status, body, _) = await GetAsync($"api/traces/{QueryFixture.DispatchTraceId}");
        Assert.Equal(HttpStatusCode.OK, status);
        AssertEnvelope(body);
        Assert.Equal(0, body.GetProperty("total").GetInt32());
        var trace = Assert.Single(body.GetProperty("data").EnumerateArray());
        Assert.Equal(["traceID", "spans", "processes", "warnings"], trace.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("00000000000abc01", trace.GetProperty("traceID").GetString());
        Assert.Equal(JsonValueKind.Null, trace.GetProperty("warnings").ValueKind);

        var spans = trace.GetProperty("spans").EnumerateArray().ToArray();
        Assert.Equal(4, spans.Length);
        var root = spans[0];
        Assert.Equal(
            ["traceID", "spanID", "flags", "operationName", "references", "startTime", "duration", "tags", "logs", "processID", "warnings"],
            root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("0000000000000001", root.GetProperty("spanID").GetString());
        Assert.Equal(1, root.GetProperty("flags").GetInt32());
        Assert.Equal(fixture.BaseMicros, root.GetProperty("startTime").GetInt64());
        Assert.Equal(200_000, root.GetProperty("duration").GetInt64());
        Assert.Empty(root.GetProperty("references").EnumerateArray());

        var customer = spans.Single(s => s.GetProperty("spanID").GetString() == "0000000000000003");
        var reference = Assert.Single(customer.GetProperty("references").EnumerateArray());
        Assert.Equal("CHILD_OF", reference.GetProperty("refType").GetString());
        Assert.Equal("00000000000abc01", reference.GetProperty("traceID").GetString());
        Assert.Equal("0000000000000002", reference.GetProperty("spanID").GetString());

        var tags = customer.GetProperty("tags").EnumerateArray().ToDictionary(t => t.GetProperty("key").GetString()!);
        Assert.Equal(["key", "type", "value"], tags["ratio"].EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("string", tags["customer.note"].GetProperty("type").GetString());
        Assert.Equal(QueryFixture.XssValue, tags["customer.note"].GetProperty("value").GetString());
        Assert.Equal("int64", tags["big.number"].GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.String, tags["big.number"].GetProperty("value").ValueKind);
        Assert.Equal(QueryFixture.BigInt.ToString(System.Globalization.CultureInfo.InvariantCulture), tags["big.number"].GetProperty("value").GetString());
        Assert.Equal(JsonValueKind.Number, tags["small.number"].GetProperty("value").ValueKind);
        Assert.Equal(42, tags["small.number"].GetProperty("value").GetInt64());
        Assert.Equal("float64", tags["ratio"].GetProperty("type").GetString());
        Assert.Equal(0.25, tags["ratio"].GetProperty("value").GetDouble());
        Assert.Equal("bool", tags["cache.hit"].GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.False, tags["cache.hit"].GetProperty("value").ValueKind);
        Assert.Equal("binary", tags["payload"].GetProperty("type").GetString());
        Assert.Equal(Convert.ToBase64String(QueryFixture.BinaryValue), tags["payload"].GetProperty("value").GetString());

        var mysql = spans.Single(s => s.GetProperty("operationName").GetString() == "SQL SELECT");
        var log = Assert.Single(mysql.GetProperty("logs").EnumerateArray());
        Assert.Equal(["timestamp", "fields"], log.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(fixture.BaseMicros + 40_000, log.GetProperty("timestamp").GetInt64());
        Assert.Equal("event", log.GetProperty("fields")[0].GetProperty("key").GetString());

        // Processes are deduplicated into p1..pN by first appearance; both frontend spans share p1.
        var processes = trace.GetProperty("processes");
        Assert.Equal(["p1", "p2", "p3"], processes.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("p1", spans[0].GetProperty("processID").GetString());
        Assert.Equal("p1", spans[1].GetProperty("processID").GetString());
        Assert.Equal("frontend", processes.GetProperty("p1").GetProperty("serviceName").GetString());
        Assert.Equal("customer", processes.GetProperty(customer.GetProperty("processID").GetString()!).GetProperty("serviceName").GetString());
        var processTag = processes.GetProperty("p1").GetProperty("tags")[0];
        Assert.Equal("ip", processTag.GetProperty("key").GetString());
        Assert.Equal("10.0.0.1", processTag.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Trace_with_128_bit_id_uses_32_hex_digits_and_accepts_upper_case_lookup()
    {
        var (status, body, _) = await GetAsync($"api/traces/{QueryFixture.ErrorTraceId.ToString().ToUpperInvariant()}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("112233445566778899aabbccddeeff00", body.GetProperty("data")[0].GetProperty("traceID").GetString());
    }

    [Fact]
    public async Task Missing_trace_is_404_with_jaeger_envelope()
    {
        var (status, body, text) = await GetAsync($"api/traces/{QueryFixture.MissingTraceId}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":404,\"msg\":\"trace not found\"}]}", text);
        AssertEnvelope(body);
    }

    [Fact]
    public async Task Malformed_trace_id_is_400()
    {
        await AssertBadRequestAsync("api/traces/not-hex", "unable to parse param 'traceID'");
        await AssertBadRequestAsync("api/traces/0", "unable to parse param 'traceID'");
    }

    [Fact]
    public async Task PrettyPrint_indents_and_compact_is_the_default()
    {
        var (_, _, compact) = await GetAsync($"api/traces/{QueryFixture.DispatchTraceId}");
        var (_, _, pretty) = await GetAsync($"api/traces/{QueryFixture.DispatchTraceId}?prettyPrint=true");
        var (_, _, explicitFalse) = await GetAsync($"api/traces/{QueryFixture.DispatchTraceId}?prettyPrint=false");
        Assert.DoesNotContain('\n', compact);
        Assert.Contains("\n  \"data\": [", pretty, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', explicitFalse);
    }

    [Fact]
    public async Task Search_by_service_returns_traces_with_a_matching_span()
    {
        var (status, body, _) = await GetAsync("api/traces?service=mysql");
        Assert.Equal(HttpStatusCode.OK, status);
        AssertEnvelope(body);
        Assert.Equal(Sorted(QueryFixture.DispatchTraceId.ToString(), QueryFixture.BadRefTraceId.ToString()), TraceIds(body));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("errors").ValueKind);
    }

    [Fact]
    public async Task Search_without_service_finds_traces_of_every_service_when_the_storage_declares_it()
    {
        var (status, body, _) = await GetAsync("api/traces?operation=" + Uri.EscapeDataString("SQL SELECT"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Sorted(QueryFixture.DispatchTraceId.ToString()), TraceIds(body));
        var (_, capabilities, _) = await GetAsync("api/ui/capabilities");
        Assert.True(capabilities.GetProperty("searchWithoutServiceName").GetBoolean());
    }

    [Fact]
    public async Task Search_by_operation()
    {
        var (_, body, _) = await GetAsync("api/traces?service=customer&operation=" + Uri.EscapeDataString("/skew"));
        Assert.Equal(Sorted(QueryFixture.SkewTraceId.ToString()), TraceIds(body));
    }

    [Fact]
    public async Task Search_by_tags_json_object()
    {
        var tags = Uri.EscapeDataString("{\"http.status_code\":\"500\"}");
        var (_, body, _) = await GetAsync($"api/traces?service=frontend&tags={tags}");
        Assert.Equal(Sorted(QueryFixture.ErrorTraceId.ToString()), TraceIds(body));
    }

    [Fact]
    public async Task Search_by_repeated_tag_key_value_pairs_needs_every_tag()
    {
        var (_, both, _) = await GetAsync("api/traces?service=customer&tag=error:true&tag=span.kind:server");
        Assert.Equal(Sorted(QueryFixture.ErrorTraceId.ToString()), TraceIds(both));
        var (_, none, _) = await GetAsync("api/traces?service=customer&tag=error:true&tag=span.kind:client");
        Assert.Empty(none.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Tag_value_may_contain_colons()
    {
        var (_, body, _) = await GetAsync("api/traces?service=mysql&tag=" + Uri.EscapeDataString("sql.query:select * from customer"));
        Assert.Equal(Sorted(QueryFixture.DispatchTraceId.ToString()), TraceIds(body));
    }

    [Fact]
    public async Task Malformed_tags_are_400()
    {
        await AssertBadRequestAsync("api/traces?service=a&tag=novalue", "malformed 'tag' parameter");
        await AssertBadRequestAsync("api/traces?service=a&tags=" + Uri.EscapeDataString("[1,2]"), "unable to parse param 'tags'");
        await AssertBadRequestAsync("api/traces?service=a&tags=" + Uri.EscapeDataString("{\"a\":"), "unable to parse param 'tags'");
        await AssertBadRequestAsync("api/traces?service=a&tags=" + Uri.EscapeDataString("{\"a\":{\"b\":1}}"), "unable to parse param 'tags'");
    }

    [Theory]
    [InlineData("frontend", "2s", "", new[] { "112233445566778899aabbccddeeff00" })]
    [InlineData("frontend", "1.5ms", "150ms", new[] { "00000000000abc01", "000000000000d0d0", "0000000000005e5e" })]
    [InlineData("mysql", "100us", "1ms", new[] { "000000000000badf" })]
    [InlineData("mysql", "", "999us", new string[0])]
    [InlineData("mysql", "0.05s", "1m", new[] { "00000000000abc01" })]
    public async Task Search_by_go_style_min_and_max_duration(string service, string min, string max, string[] expected)
    {
        var query = "api/traces?service=" + service;
        if (min.Length > 0)
        {
            query += "&minDuration=" + min;
        }

        if (max.Length > 0)
        {
            query += "&maxDuration=" + max;
        }

        var (_, body, _) = await GetAsync(query);
        Assert.Equal(expected.Order(StringComparer.Ordinal).ToArray(), TraceIds(body));
    }

    [Fact]
    public async Task Bad_durations_are_400_with_go_messages()
    {
        await AssertBadRequestAsync("api/traces?service=a&minDuration=abc", "unable to parse param 'minDuration': time: invalid duration \"abc\"");
        await AssertBadRequestAsync("api/traces?service=a&maxDuration=10", "unable to parse param 'maxDuration': time: missing unit in duration \"10\"");
        await AssertBadRequestAsync("api/traces?service=a&minDuration=2s&maxDuration=1s", "'maxDuration' should be greater than 'minDuration'");
    }

    [Fact]
    public async Task Limit_caps_the_number_of_traces_and_bad_limit_is_400()
    {
        var (_, body, _) = await GetAsync("api/traces?service=frontend&limit=2");
        Assert.Equal(2, body.GetProperty("data").GetArrayLength());
        await AssertBadRequestAsync("api/traces?service=frontend&limit=many", "unable to parse param 'limit': strconv.Atoi: parsing \"many\": invalid syntax");
    }

    [Fact]
    public async Task Start_and_end_in_microseconds_bound_the_search_window()
    {
        var t = fixture.BaseMicros;
        var (_, body, _) = await GetAsync($"api/traces?service=frontend&start={t + 900_000}&end={t + 2_500_000}");
        Assert.Equal(Sorted(QueryFixture.ErrorTraceId.ToString(), QueryFixture.SkewTraceId.ToString()), TraceIds(body));
        await AssertBadRequestAsync("api/traces?service=frontend&start=yesterday", "unable to parse param 'start': strconv.ParseInt");
        await AssertBadRequestAsync("api/traces?service=frontend&end=1.5", "unable to parse param 'end': strconv.ParseInt");
    }

    [Fact]
    public async Task Lookback_is_honoured_when_start_is_absent()
    {
        // The fixture spans started about ten minutes ago.
        var (_, recent, _) = await GetAsync("api/traces?service=frontend&lookback=1m");
        Assert.Empty(recent.GetProperty("data").EnumerateArray());
        var (_, hour, _) = await GetAsync("api/traces?service=frontend&lookback=1h");
        Assert.Equal(4, hour.GetProperty("data").GetArrayLength());
        var (_, days, _) = await GetAsync("api/traces?service=frontend&lookback=2d");
        Assert.Equal(4, days.GetProperty("data").GetArrayLength());
        var (_, custom, _) = await GetAsync("api/traces?service=frontend&lookback=custom");
        Assert.Equal(4, custom.GetProperty("data").GetArrayLength());

        // An explicit start wins over lookback, as in Jaeger.
        var (_, withStart, _) = await GetAsync($"api/traces?service=frontend&lookback=1m&start={fixture.BaseMicros - 1}");
        Assert.Equal(4, withStart.GetProperty("data").GetArrayLength());
        await AssertBadRequestAsync("api/traces?service=frontend&lookback=soon", "unable to parse param 'lookback'");
    }

    [Fact]
    public async Task Repeated_trace_ids_return_found_traces_and_an_error_per_missing_id()
    {
        var (status, body, _) = await GetAsync($"api/traces?traceID={QueryFixture.DispatchTraceId}&traceID={QueryFixture.MissingTraceId}&traceID={QueryFixture.SkewTraceId}");
        Assert.Equal(HttpStatusCode.OK, status);
        AssertEnvelope(body);
        Assert.Equal(Sorted(QueryFixture.DispatchTraceId.ToString(), QueryFixture.SkewTraceId.ToString()), TraceIds(body));
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal(["code", "msg", "traceID"], error.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(404, error.GetProperty("code").GetInt32());
        Assert.Equal("trace not found", error.GetProperty("msg").GetString());
        Assert.Equal(QueryFixture.MissingTraceId.ToString(), error.GetProperty("traceID").GetString());
        await AssertBadRequestAsync("api/traces?traceID=xyz", "unable to parse param 'traceID'");
    }

    [Fact]
    public async Task Clock_skew_is_adjusted_with_a_warning_and_raw_skips_it()
    {
        var (_, adjusted, _) = await GetAsync($"api/traces/{QueryFixture.SkewTraceId}");
        var spans = adjusted.GetProperty("data")[0].GetProperty("spans").EnumerateArray().ToDictionary(s => s.GetProperty("spanID").GetString()!);
        var t = fixture.BaseMicros;

        // The child moves into the middle of its parent: parent start + (100 ms - 20 ms) / 2.
        Assert.Equal(t + 2_040_000, spans["0000000000000021"].GetProperty("startTime").GetInt64());
        Assert.Equal("This span's timestamps were adjusted by 540ms", spans["0000000000000021"].GetProperty("warnings")[0].GetString());

        // Its own child on the same host moves by the same amount.
        Assert.Equal(t + 2_045_000, spans["0000000000000022"].GetProperty("startTime").GetInt64());
        Assert.Equal(JsonValueKind.Null, spans["0000000000000020"].GetProperty("warnings").ValueKind);

        var (_, raw, _) = await GetAsync($"api/traces/{QueryFixture.SkewTraceId}?raw=true");
        var rawSpans = raw.GetProperty("data")[0].GetProperty("spans").EnumerateArray().ToDictionary(s => s.GetProperty("spanID").GetString()!);
        Assert.Equal(t + 1_500_000, rawSpans["0000000000000021"].GetProperty("startTime").GetInt64());
        Assert.Equal(JsonValueKind.Null, rawSpans["0000000000000021"].GetProperty("warnings").ValueKind);

        // The stored spans were not changed by the adjuster.
        var (_, again, _) = await GetAsync($"api/traces/{QueryFixture.SkewTraceId}?raw=1");
        Assert.Equal(t + 1_500_000, again.GetProperty("data")[0].GetProperty("spans").EnumerateArray().Single(s => s.GetProperty("spanID").GetString() == "0000000000000021").GetProperty("startTime").GetInt64());
        await AssertBadRequestAsync($"api/traces/{QueryFixture.SkewTraceId}?raw=maybe", "unable to parse param 'raw'");
    }

    [Fact]
    public async Task Shared_client_server_span_id_gives_the_server_span_a_new_id()
    {
        var (_, body, _) = await GetAsync($"api/traces/{QueryFixture.SharedIdTraceId}");
        var spans = body.GetProperty("data")[0].GetProperty("spans").EnumerateArray().ToArray();
        var ids = spans.Select(s => s.GetProperty("spanID").GetString()).ToArray();
        Assert.Equal(3, ids.Distinct().Count());
        var server = spans.Single(s => s.GetProperty("operationName").GetString() == "call" && s.GetProperty("spanID").GetString() != "0000000000000030");
        var serverId = server.GetProperty("spanID").GetString();
        Assert.Equal("0000000000000030", server.GetProperty("references")[0].GetProperty("spanID").GetString());
        var work = spans.Single(s => s.GetProperty("operationName").GetString() == "work");
        Assert.Equal(serverId, work.GetProperty("references")[0].GetProperty("spanID").GetString());

        var (_, raw, _) = await GetAsync($"api/traces/{QueryFixture.SharedIdTraceId}?raw=true");
        Assert.Equal(2, raw.GetProperty("data")[0].GetProperty("spans").EnumerateArray().Count(s => s.GetProperty("spanID").GetString() == "0000000000000030"));
    }

    [Fact]
    public async Task Invalid_references_are_removed_with_a_warning()
    {
        var (_, body, _) = await GetAsync($"api/traces/{QueryFixture.BadRefTraceId}");
        var span = body.GetProperty("data")[0].GetProperty("spans")[0];
        Assert.Empty(span.GetProperty("references").EnumerateArray());
        Assert.Equal(2, span.GetProperty("warnings").GetArrayLength());
        Assert.StartsWith("Invalid span reference removed", span.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spans_are_ordered_by_start_time()
    {
        var (_, body, _) = await GetAsync($"api/traces/{QueryFixture.DispatchTraceId}");
        var starts = body.GetProperty("data")[0].GetProperty("spans").EnumerateArray().Select(s => s.GetProperty("startTime").GetInt64()).ToArray();
        Assert.Equal(starts.Order().ToArray(), starts);
    }

    [Fact]
    public async Task Dependencies_use_milliseconds_and_jaeger_shape()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (status, body, _) = await GetAsync($"api/dependencies?endTs={now}&lookback={TimeSpan.FromHours(1).TotalMilliseconds}");
        Assert.Equal(HttpStatusCode.OK, status);
        AssertEnvelope(body);
        var links = body.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["parent", "child", "callCount"], links[0].EnumerateObject().Select(p => p.Name).ToArray());
        var byPair = links.ToDictionary(l => (l.GetProperty("parent").GetString(), l.GetProperty("child").GetString()), l => l.GetProperty("callCount").GetInt64());
        Assert.True(byPair[("customer", "mysql")] >= 1);
        Assert.True(byPair[("frontend", "customer")] >= 2);

        var (_, old, _) = await GetAsync($"api/dependencies?endTs={now - (long)TimeSpan.FromDays(1).TotalMilliseconds}&lookback=60000");
        Assert.Empty(old.GetProperty("data").EnumerateArray());
        await AssertBadRequestAsync("api/dependencies?endTs=now", "unable to parse param 'endTs'");
        await AssertBadRequestAsync("api/dependencies?lookback=-5", "unable to parse param 'lookback'");
    }

    [Fact]
    public async Task Unknown_api_route_is_404_in_the_envelope()
    {
        var (status, body, _) = await GetAsync("api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertEnvelope(body);
        var (metrics, metricsBody, _) = await GetAsync("api/metrics/unknown?service=frontend");
        Assert.Equal(HttpStatusCode.NotImplemented, metrics);
        Assert.Equal(501, metricsBody.GetProperty("errors")[0].GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Server_keeps_serving_after_bad_requests()
    {
        for (var i = 0; i < 5; i++)
        {
            using var bad = await fixture.Client.GetAsync("api/traces?service=x&minDuration=%%%");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        var (status, _, _) = await GetAsync("api/services");
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
