using System.Net;
using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;
using Jaeger.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>
/// The MCP endpoint under a base path, driven by the MCP C# SDK's own client over Streamable HTTP, with small limits so
/// every bound shows on the query fixture's traces.
/// </summary>
public sealed class McpEndpointTests : IAsyncLifetime
{
    private const int MaxSpans = 3;
    private static readonly TraceId ArchivedTraceId = new(0, 0xa4c4);
    private readonly long _base = Time.ToUnixMicros(DateTimeOffset.UtcNow) - 10 * 60 * 1_000_000L;
    private IHost? _host;
    private McpClient? _client;
    private MetricCollector<long>? _requests;
    private readonly FakeLoggerProvider _logs = new();

    public async Task InitializeAsync()
    {
        _host = TestQueryHost.Build(
            o =>
            {
                o.BasePath = "/jaeger";
                o.Mcp.Enabled = true;
                o.Mcp.MaxSpans = MaxSpans;
                o.Mcp.MaxSpanDetails = 1;
                o.Mcp.MaxSearchResults = 2;
                o.Mcp.MaxValueLength = 16;
            },
            archive: true,
            logs: _logs);
        await _host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(QueryFixture.Spans(_base));

        // A trace only the archive holds.
        var archived = new Span { TraceId = ArchivedTraceId, SpanId = new SpanId(0xa1), OperationName = "kept", Process = QueryFixture.Mysql, StartTimeMicros = _base, DurationMicros = 5 };
        await _host.Services.GetRequiredService<ArchiveSpanStorage>().Writer.WriteSpansAsync([archived]);
        _requests = new MetricCollector<long>(_host.Services.GetRequiredService<IMeterFactory>(), "Jaeger.Query", "jaeger.query.requests");
        await _host.StartAsync();
        var endpoint = new Uri(_host.HttpBaseAddress(), "api/ai/mcp");
        Assert.Equal("/jaeger/api/ai/mcp", endpoint.AbsolutePath);
        _client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = endpoint, TransportMode = HttpTransportMode.StreamableHttp }));
    }

    public async Task DisposeAsync()
    {
        _requests?.Dispose();
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    private async Task<JsonElement> CallAsync(string tool, Dictionary<string, object?> arguments)
    {
        var result = await _client!.CallToolAsync(tool, arguments);
        Assert.False(result.IsError ?? false, Text(result));
        using var doc = JsonDocument.Parse(Text(result));
        return doc.RootElement.Clone();
    }

    private async Task<string> CallFailingAsync(string tool, Dictionary<string, object?> arguments)
    {
        var result = await _client!.CallToolAsync(tool, arguments);
        Assert.True(result.IsError, Text(result));
        return Text(result);
    }

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    private static string[] Strings(JsonElement array, string? property = null) =>
        array.EnumerateArray().Select(e => (property is null ? e : e.GetProperty(property)).GetString()!).ToArray();

    [Fact]
    public async Task The_client_lists_exactly_the_tools_jaeger_offers_as_read_only()
    {
        var tools = await _client!.ListToolsAsync();

        Assert.Equal(
            ["get_critical_path", "get_service_dependencies", "get_services", "get_span_details", "get_span_names", "get_trace_errors", "get_trace_topology", "search_traces"],
            tools.Select(t => t.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.All(tools, t => Assert.True(t.ProtocolTool.Annotations?.ReadOnlyHint));
        var search = tools.Single(t => t.Name == "search_traces").JsonSchema;
        Assert.Equal(["start_time_min"], Strings(search.GetProperty("required")));
        Assert.True(search.GetProperty("properties").TryGetProperty("search_depth", out _));
    }

    [Fact]
    public async Task Services_are_sorted_filtered_by_regex_and_cut_at_the_limit()
    {
        var services = await CallAsync("get_services", new() { ["limit"] = 2 });
        Assert.Equal(["customer", "frontend"], Strings(services.GetProperty("services")));
        Assert.Equal(3, services.GetProperty("total").GetInt32());
        Assert.True(services.GetProperty("truncated").GetBoolean());

        var matching = await CallAsync("get_services", new() { ["pattern"] = "^(f|m)" });
        Assert.Equal(["frontend", "mysql"], Strings(matching.GetProperty("services")));
        Assert.False(matching.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Span_names_are_filtered_by_kind_and_pattern()
    {
        var servers = await CallAsync("get_span_names", new() { ["service_name"] = "frontend", ["span_kind"] = "SERVER" });
        var name = Assert.Single(servers.GetProperty("span_names").EnumerateArray());
        Assert.Equal("GET /dispatch", name.GetProperty("name").GetString());
        Assert.Equal("SERVER", name.GetProperty("span_kind").GetString());

        var all = await CallAsync("get_span_names", new() { ["service_name"] = "frontend" });
        Assert.Equal(4, all.GetProperty("total").GetInt32());
        var byPattern = await CallAsync("get_span_names", new() { ["service_name"] = "frontend", ["pattern"] = "skew" });
        Assert.Equal(["GET /skew"], Strings(byPattern.GetProperty("span_names"), "name"));
    }

    [Fact]
    public async Task Search_returns_summaries_matching_attributes_errors_and_a_filter()
    {
        var byFilter = await CallAsync("search_traces", new() { ["start_time_min"] = "-1h", ["service_name"] = "frontend", ["filter"] = "http.status_code >= 500" });
        var trace = Assert.Single(byFilter.GetProperty("traces").EnumerateArray());
        Assert.Equal(QueryFixture.ErrorTraceId.ToString(), trace.GetProperty("trace_id").GetString());
        Assert.Equal("frontend", trace.GetProperty("root_service").GetString());
        Assert.Equal("GET /dispatch", trace.GetProperty("root_operation").GetString());
        Assert.True(trace.GetProperty("has_errors").GetBoolean());
        Assert.Equal(2, trace.GetProperty("span_count").GetInt32());
        Assert.Equal(2, trace.GetProperty("service_count").GetInt32());
        Assert.Equal(2_500_000, trace.GetProperty("duration_us").GetInt64());
        Assert.Equal(Time.FromUnixMicros(_base + 1_000_000), DateTimeOffset.Parse(trace.GetProperty("start_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture));

        var withErrors = await CallAsync("search_traces", new() { ["start_time_min"] = "-1h", ["service_name"] = "frontend", ["with_errors"] = true });
        Assert.Equal([QueryFixture.ErrorTraceId.ToString()], Strings(withErrors.GetProperty("traces"), "trace_id"));

        var byAttributes = await CallAsync("search_traces", new()
        {
            ["start_time_min"] = "-1h",
            ["service_name"] = "mysql",
            ["attributes"] = new Dictionary<string, string> { ["sql.query"] = "select * from customer" },
        });
        Assert.Equal([QueryFixture.DispatchTraceId.ToString()], Strings(byAttributes.GetProperty("traces"), "trace_id"));

        var slow = await CallAsync("search_traces", new() { ["start_time_min"] = "-1h", ["service_name"] = "frontend", ["duration_min"] = "1s" });
        Assert.Equal([QueryFixture.ErrorTraceId.ToString()], Strings(slow.GetProperty("traces"), "trace_id"));

        var outOfWindow = await CallAsync("search_traces", new() { ["start_time_min"] = "-1h", ["start_time_max"] = "-30m", ["service_name"] = "frontend" });
        Assert.Empty(outOfWindow.GetProperty("traces").EnumerateArray());
    }

    [Fact]
    public async Task Search_depth_is_lowered_to_the_configured_maximum()
    {
        // Four frontend traces are stored; MaxSearchResults is 2.
        var deep = await CallAsync("search_traces", new() { ["start_time_min"] = "-1h", ["service_name"] = "frontend", ["search_depth"] = 100 });
        Assert.Equal(2, deep.GetProperty("traces").GetArrayLength());

        var one = await CallAsync("search_traces", new() { ["start_time_min"] = "-1h", ["service_name"] = "frontend", ["search_depth"] = 1 });
        Assert.Equal(1, one.GetProperty("traces").GetArrayLength());
    }

    [Fact]
    public async Task Topology_is_a_depth_first_list_with_paths_cut_at_the_span_limit()
    {
        var topology = await CallAsync("get_trace_topology", new() { ["trace_id"] = QueryFixture.DispatchTraceId.ToString() });

        var spans = topology.GetProperty("spans").EnumerateArray().ToArray();
        Assert.Equal(
            ["0000000000000001", "0000000000000001/0000000000000002", "0000000000000001/0000000000000002/0000000000000003"],
            spans.Select(s => s.GetProperty("path").GetString()!).ToArray());
        Assert.Equal(["frontend", "frontend", "customer"], spans.Select(s => s.GetProperty("service").GetString()!).ToArray());
        Assert.Equal("GET /dispatch", spans[0].GetProperty("span_name").GetString());

        // Names longer than MaxValueLength (16) are cut and marked.
        Assert.Equal("HTTP GET /custom…[truncated]", spans[1].GetProperty("span_name").GetString());
        Assert.Equal(150_000, spans[1].GetProperty("duration_us").GetInt64());
        Assert.Equal("Unset", spans[0].GetProperty("status").GetString());
        Assert.False(spans[2].TryGetProperty("attributes", out _));
        Assert.Equal(4, topology.GetProperty("total_span_count").GetInt32());
        Assert.True(topology.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Topology_depth_limits_the_levels_and_counts_the_children_left_out()
    {
        var topology = await CallAsync("get_trace_topology", new() { ["trace_id"] = QueryFixture.DispatchTraceId.ToString(), ["depth"] = 2 });

        var spans = topology.GetProperty("spans").EnumerateArray().ToArray();
        Assert.Equal(["0000000000000001", "0000000000000001/0000000000000002"], spans.Select(s => s.GetProperty("path").GetString()!).ToArray());
        Assert.False(spans[0].TryGetProperty("truncated_children", out _));
        Assert.Equal(1, spans[1].GetProperty("truncated_children").GetInt32());
        Assert.False(topology.GetProperty("truncated").GetBoolean());

        var errors = await CallAsync("get_trace_topology", new() { ["trace_id"] = QueryFixture.ErrorTraceId.ToString() });
        Assert.Equal(["Error", "Error"], Strings(errors.GetProperty("spans"), "status"));
    }

    [Fact]
    public async Task Traces_are_read_as_the_http_api_reads_them_adjusted_and_from_the_archive()
    {
        // The skew trace's child host runs 500 ms behind: the clock-skew adjuster moves its span into its parent.
        var skew = await CallAsync("get_trace_topology", new() { ["trace_id"] = QueryFixture.SkewTraceId.ToString() });
        var starts = skew.GetProperty("spans").EnumerateArray()
            .Select(s => DateTimeOffset.Parse(s.GetProperty("start_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        Assert.Equal(3, starts.Length);
        Assert.True(starts[1] >= starts[0], $"adjusted child start {starts[1]:O} before its parent's {starts[0]:O}");

        var archived = await CallAsync("get_span_details", new() { ["trace_id"] = ArchivedTraceId.ToString(), ["span_ids"] = new[] { "a1" } });
        Assert.Equal("kept", Assert.Single(archived.GetProperty("spans").EnumerateArray()).GetProperty("operation").GetString());
    }

    [Fact]
    public async Task Tool_calls_write_no_log_lines_below_warning()
    {
        // The MCP SDK logs each request at Information; the query server keeps per-request lines out of the host's log.
        _logs.Collector.Clear();
        await CallAsync("get_services", new());
        await CallFailingAsync("get_trace_errors", new() { ["trace_id"] = "xyz" });

        Assert.Empty(_logs.Collector.GetSnapshot().Where(r => r.Level < LogLevel.Warning).Select(r => $"{r.Level} {r.Category}: {r.Message}"));
    }

    [Fact]
    public async Task Mcp_requests_are_counted_on_the_query_meter()
    {
        await CallAsync("get_services", new());

        await Eventually.UntilAsync(
            () => _requests!.GetMeasurementSnapshot().Any(m => (string?)m.Tags["endpoint"] == "/api/ai/mcp" && (int?)m.Tags["status_code"] == 200),
            "an MCP request counted");
    }

    [Fact]
    public async Task Span_details_carry_typed_attributes_events_and_cut_values()
    {
        var details = await CallAsync("get_span_details", new() { ["trace_id"] = QueryFixture.DispatchTraceId.ToString(), ["span_ids"] = new[] { "3" } });

        var span = Assert.Single(details.GetProperty("spans").EnumerateArray());
        Assert.Equal("0000000000000003", span.GetProperty("span_id").GetString());
        Assert.Equal("0000000000000002", span.GetProperty("parent_span_id").GetString());
        Assert.Equal("customer", span.GetProperty("service").GetString());
        Assert.Equal("/customer", span.GetProperty("operation").GetString());
        Assert.Equal("Unset", span.GetProperty("status").GetProperty("code").GetString());
        var attributes = span.GetProperty("attributes");
        Assert.Equal(42, attributes.GetProperty("small.number").GetInt64());
        Assert.Equal(QueryFixture.BigInt, attributes.GetProperty("big.number").GetInt64());
        Assert.Equal(0.25, attributes.GetProperty("ratio").GetDouble());
        Assert.False(attributes.GetProperty("cache.hit").GetBoolean());
        Assert.Equal(QueryFixture.XssValue[..16] + "…[truncated]", attributes.GetProperty("customer.note").GetString());
        Assert.False(details.TryGetProperty("not_found", out _));

        var mysql = await CallAsync("get_span_details", new() { ["trace_id"] = QueryFixture.DispatchTraceId.ToString(), ["span_ids"] = new[] { "4" } });
        var query = Assert.Single(Assert.Single(mysql.GetProperty("spans").EnumerateArray()).GetProperty("events").EnumerateArray());
        Assert.Equal("query", query.GetProperty("name").GetString());
        Assert.Equal(3, query.GetProperty("attributes").GetProperty("rows").GetInt64());

        var missing = await CallAsync("get_span_details", new() { ["trace_id"] = QueryFixture.DispatchTraceId.ToString(), ["span_ids"] = new[] { "77" } });
        Assert.Empty(missing.GetProperty("spans").EnumerateArray());
        Assert.Equal(["0000000000000077"], Strings(missing.GetProperty("not_found")));
    }

    [Fact]
    public async Task Trace_errors_are_detailed_up_to_the_limit_with_the_total_count()
    {
        var errors = await CallAsync("get_trace_errors", new() { ["trace_id"] = QueryFixture.ErrorTraceId.ToString() });

        Assert.Equal(QueryFixture.ErrorTraceId.ToString(), errors.GetProperty("trace_id").GetString());
        Assert.Equal(2, errors.GetProperty("total_error_count").GetInt32());
        var span = Assert.Single(errors.GetProperty("spans").EnumerateArray());
        Assert.Equal("Error", span.GetProperty("status").GetProperty("code").GetString());
        Assert.Equal(500, span.GetProperty("attributes").GetProperty("http.status_code").GetInt64());
        Assert.True(errors.GetProperty("truncated").GetBoolean());

        var none = await CallAsync("get_trace_errors", new() { ["trace_id"] = QueryFixture.DispatchTraceId.ToString() });
        Assert.Equal(0, none.GetProperty("total_error_count").GetInt32());
        Assert.False(none.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Critical_path_gives_each_moment_of_the_root_to_the_span_the_trace_waited_on()
    {
        // Root 0x10 runs 2.5 s from +1.0 s; its child 0x11 runs 2.0 s from +1.1 s.
        var path = await CallAsync("get_critical_path", new() { ["trace_id"] = QueryFixture.ErrorTraceId.ToString() });

        var segments = path.GetProperty("segments").EnumerateArray().ToArray();
        Assert.Equal(["0000000000000010", "0000000000000011", "0000000000000010"], segments.Select(e => e.GetProperty("span_id").GetString()!).ToArray());
        Assert.Equal([100_000L, 2_000_000L, 400_000L], segments.Select(e => e.GetProperty("self_time_us").GetInt64()).ToArray());
        Assert.Equal([0L, 100_000L, 2_100_000L], segments.Select(e => e.GetProperty("start_offset_us").GetInt64()).ToArray());
        Assert.Equal([100_000L, 2_100_000L, 2_500_000L], segments.Select(e => e.GetProperty("end_offset_us").GetInt64()).ToArray());
        Assert.Equal("customer", segments[1].GetProperty("service").GetString());
        Assert.Equal(2_500_000, path.GetProperty("total_duration_us").GetInt64());
        Assert.Equal(2_500_000, path.GetProperty("critical_path_duration_us").GetInt64());
        Assert.False(path.GetProperty("truncated").GetBoolean());

        // The dispatch chain 1 > 2 > 3 > 4 nests: seven sections, cut at MaxSpans.
        var dispatch = await CallAsync("get_critical_path", new() { ["trace_id"] = QueryFixture.DispatchTraceId.ToString() });
        Assert.Equal(["0000000000000001", "0000000000000002", "0000000000000003"], Strings(dispatch.GetProperty("segments"), "span_id"));
        Assert.Equal(7, dispatch.GetProperty("total_segment_count").GetInt32());
        Assert.Equal(200_000, dispatch.GetProperty("critical_path_duration_us").GetInt64());
        Assert.True(dispatch.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Dependencies_are_the_summed_caller_callee_pairs_of_the_stored_traces()
    {
        var dependencies = await CallAsync("get_service_dependencies", new() { ["start_time"] = "-1h" });

        var links = dependencies.GetProperty("dependencies").EnumerateArray()
            .Select(d => (d.GetProperty("caller").GetString(), d.GetProperty("callee").GetString(), d.GetProperty("call_count").GetInt64()))
            .Order()
            .ToArray();

        // frontend calls customer in the dispatch, error, skew and shared-id traces; customer calls mysql once.
        Assert.Equal([("customer", "mysql", 1L), ("frontend", "customer", 4L)], links);
        Assert.False(dependencies.GetProperty("truncated").GetBoolean());

        var before = await CallAsync("get_service_dependencies", new() { ["start_time"] = "-2h", ["end_time"] = "-1h" });
        Assert.Empty(before.GetProperty("dependencies").EnumerateArray());
    }

    [Fact]
    public async Task Bad_arguments_are_tool_errors_naming_the_parameter_and_the_server_keeps_serving()
    {
        Assert.Contains("trace_id: 'xyz'", await CallFailingAsync("get_trace_topology", new() { ["trace_id"] = "xyz" }), StringComparison.Ordinal);
        Assert.Contains("not found", await CallFailingAsync("get_critical_path", new() { ["trace_id"] = QueryFixture.MissingTraceId.ToString() }), StringComparison.Ordinal);
        Assert.Contains("depth", await CallFailingAsync("get_trace_topology", new() { ["trace_id"] = "1", ["depth"] = -1 }), StringComparison.Ordinal);
        Assert.Contains("pattern: '('", await CallFailingAsync("get_services", new() { ["pattern"] = "(" }), StringComparison.Ordinal);
        Assert.Contains("span_kind", await CallFailingAsync("get_span_names", new() { ["service_name"] = "frontend", ["span_kind"] = "sideways" }), StringComparison.Ordinal);
        Assert.Contains("start_time_min: 'yesterday'", await CallFailingAsync("search_traces", new() { ["start_time_min"] = "yesterday" }), StringComparison.Ordinal);
        Assert.Contains("duration_min", await CallFailingAsync("search_traces", new() { ["start_time_min"] = "-1h", ["service_name"] = "frontend", ["duration_min"] = "fast" }), StringComparison.Ordinal);
        Assert.Contains("filter:", await CallFailingAsync("search_traces", new() { ["start_time_min"] = "-1h", ["service_name"] = "frontend", ["filter"] = "a = " }), StringComparison.Ordinal);
        Assert.Contains("at most 1", await CallFailingAsync("get_span_details", new() { ["trace_id"] = "1", ["span_ids"] = new[] { "3", "4" } }), StringComparison.Ordinal);
        Assert.Contains("span_ids: 'zz'", await CallFailingAsync("get_span_details", new() { ["trace_id"] = "1", ["span_ids"] = new[] { "zz" } }), StringComparison.Ordinal);
        Assert.Contains("start_time must be before end_time", await CallFailingAsync("get_service_dependencies", new() { ["start_time"] = "-1h", ["end_time"] = "-2h" }), StringComparison.Ordinal);

        // An argument of the wrong JSON type is refused too.
        var wrongType = await _client!.CallToolAsync("get_trace_topology", new Dictionary<string, object?> { ["trace_id"] = "1", ["depth"] = "deep" });
        Assert.True(wrongType.IsError);

        var services = await CallAsync("get_services", new());
        Assert.Equal(3, services.GetProperty("total").GetInt32());
    }
}

/// <summary>The MCP endpoint when it is not turned on, and its configuration.</summary>
[Collection(QueryCollection.Name)]
public sealed class McpDisabledTests(QueryFixture fixture)
{
    [Fact]
    public async Task The_mcp_endpoint_is_off_by_default_and_answers_404()
    {
        Assert.False(fixture.Services.GetRequiredService<IOptions<JaegerQueryOptions>>().Value.Mcp.Enabled);
        using var content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", System.Text.Encoding.UTF8, "application/json");
        using var response = await fixture.Client.PostAsync("api/ai/mcp", content);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
            await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(fixture.BaseAddress, "api/ai/mcp"), TransportMode = HttpTransportMode.StreamableHttp })));
    }

    [Fact]
    public async Task Turning_mcp_on_without_the_http_listener_stops_the_host_at_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Query:HttpListenAddress"] = "",
            ["Jaeger:Query:GrpcListenAddress"] = "",
            ["Jaeger:Query:Mcp:Enabled"] = "true",
        });
        builder.Services.AddJaegerInMemoryStorage();
        builder.Services.AddJaegerQuery();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(["Jaeger:Query:Mcp:Enabled needs Jaeger:Query:HttpListenAddress: the MCP endpoint is served by the role's own HTTP listener."], error.Failures);
    }
}
