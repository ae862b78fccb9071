using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jaeger.Client;
using Jaeger.Testing;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Jaeger.EndToEnd.Tests;

/// <summary>
/// Agent, collector, query and in-memory storage in one Generic Host: spans from every kind of sender become queryable
/// through the query service's <c>/api/traces</c> with their content intact.
/// </summary>
public sealed class AllRolesInOneHostTests(AllRolesHost roles) : IClassFixture<AllRolesHost>
{
    [Fact]
    public async Task Our_client_over_udp_compact_to_the_agent_is_queryable_with_ids_parent_tags_logs_and_process()
    {
        var options = new JaegerTracingOptions
        {
            ServiceName = "e2e-dotnet-udp",
            AgentHost = "127.0.0.1",
            AgentPort = roles.Agent.CompactEndpoint!.Port,
            SamplerType = "const",
            SamplerParam = 1,
            TraceActivities = false,
        };
        options.Tags["e2e.suite"] = "one-host";
        string traceId, rootId, childId;
        await using (var tracer = JaegerTracerFactory.Create(options))
        {
            // Ids are read before Finish: the client may reuse a finished span object.
            var root = tracer.BuildSpan("place-order").WithTag("order.items", 3L).WithTag("order.total", 12.5).WithTag("order.gift", true).Start();
            traceId = root.Context.TraceId;
            rootId = root.Context.SpanId;
            var child = tracer.BuildSpan("reserve-stock").AsChildOf(root).WithTag("warehouse", "north").Start();
            childId = child.Context.SpanId;
            child.Log(new Dictionary<string, object?> { ["event"] = "stock-low", ["remaining"] = 2L });
            child.Finish();
            root.Finish();
            await tracer.FlushAsync();
        }

        var spans = await roles.Query.WaitForTraceAsync("e2e-dotnet-udp", TraceIdJson(traceId), 2);

        var rootSpan = Assert.Single(spans, s => s.OperationName == "place-order");
        var childSpan = Assert.Single(spans, s => s.OperationName == "reserve-stock");
        Assert.Equal(SpanIdJson(rootId), rootSpan.SpanId);
        Assert.Equal(SpanIdJson(childId), childSpan.SpanId);
        Assert.Null(rootSpan.ParentSpanId);
        Assert.Equal(rootSpan.SpanId, childSpan.ParentSpanId);
        Assert.Contains(QueryTag.Int64("order.items", 3), rootSpan.Tags);
        Assert.Contains(QueryTag.Float64("order.total", 12.5), rootSpan.Tags);
        Assert.Contains(QueryTag.Bool("order.gift", true), rootSpan.Tags);
        Assert.Contains(QueryTag.String("sampler.type", "const"), rootSpan.Tags);
        Assert.Contains(QueryTag.String("warehouse", "north"), childSpan.Tags);
        var log = Assert.Single(childSpan.Logs);
        Assert.Equal([QueryTag.String("event", "stock-low"), QueryTag.Int64("remaining", 2)], log.Fields);
        Assert.InRange(log.Timestamp, childSpan.StartTime, childSpan.StartTime + childSpan.Duration);
        Assert.All(spans, s => Assert.Equal("e2e-dotnet-udp", s.ServiceName));
        Assert.Contains(QueryTag.String("e2e.suite", "one-host"), rootSpan.ProcessTags);
        Assert.Contains(rootSpan.ProcessTags, t => t.Key == "client-uuid" && t.Type == "string");
    }

    [NodeFact]
    public async Task Jaeger_node_client_over_udp_binary_to_the_agent_is_queryable_exactly_as_it_was_sent()
    {
        var output = await Node.RunAsync("agent-report.js", ["127.0.0.1", roles.Agent.BinaryEndpoint!.Port.ToString(CultureInfo.InvariantCulture), "e2e-node-udp"]);
        using var sent = JsonDocument.Parse(output);
        var sentSpans = sent.RootElement.GetProperty("spans").EnumerateArray().ToList();
        Assert.Equal(2, sentSpans.Count);
        var traceId = sentSpans[0].GetProperty("traceIdHigh").GetString() is "0000000000000000"
            ? sentSpans[0].GetProperty("traceIdLow").GetString()!.TrimStart('0')
            : sentSpans[0].GetProperty("traceIdHigh").GetString()!.TrimStart('0') + sentSpans[0].GetProperty("traceIdLow").GetString();

        var spans = await roles.Query.WaitForTraceAsync("e2e-node-udp", PadTraceId(traceId), 2);

        foreach (var expected in sentSpans)
        {
            var actual = Assert.Single(spans, s => s.SpanId == expected.GetProperty("spanId").GetString());
            Assert.Equal(expected.GetProperty("operationName").GetString(), actual.OperationName);
            Assert.Equal(HexToLong(expected, "startTime"), actual.StartTime);
            Assert.Equal(HexToLong(expected, "duration"), actual.Duration);
            Assert.Equal(expected.GetProperty("tags").EnumerateArray().Select(NodeTag), actual.Tags);
            var expectedLogs = expected.GetProperty("logs").EnumerateArray().ToList();
            Assert.Equal(expectedLogs.Count, actual.Logs.Count);
            for (var i = 0; i < expectedLogs.Count; i++)
            {
                Assert.Equal(HexToLong(expectedLogs[i], "timestamp"), actual.Logs[i].Timestamp);
                Assert.Equal(expectedLogs[i].GetProperty("fields").EnumerateArray().Select(NodeTag), actual.Logs[i].Fields);
            }

            var parent = expected.GetProperty("parentSpanId").GetString()!;
            Assert.Equal(parent.All(c => c == '0') ? null : parent, actual.ParentSpanId);
            Assert.Equal("e2e-node-udp", actual.ServiceName);
            foreach (var processTag in sent.RootElement.GetProperty("process").GetProperty("tags").EnumerateArray())
            {
                Assert.Contains(NodeTag(processTag), actual.ProcessTags);
            }
        }

        var checkout = Assert.Single(spans, s => s.OperationName == "checkout");
        Assert.Equal(checkout.SpanId, Assert.Single(spans, s => s.OperationName == "charge-card").ParentSpanId);
        Assert.Contains(QueryTag.Float64("retries", 3), checkout.Tags);
        Assert.Contains(QueryTag.Bool("cache.hit", false), checkout.Tags);
        Assert.Contains(QueryTag.String("interop.suite", "agent"), checkout.ProcessTags);
    }

    [NodeFact]
    public async Task Jaeger_node_client_over_http_to_the_collector_is_queryable_with_ids_parent_tags_logs_and_process()
    {
        var output = await Node.RunAsync("collector-thrift-http.js", [new Uri(roles.Collector.ThriftHttpEndpoint!, "api/traces").AbsoluteUri]);
        using var ids = JsonDocument.Parse(output);
        var traceId = ids.RootElement.GetProperty("traceId").GetString()!;
        var parentId = ids.RootElement.GetProperty("parentId").GetString()!;
        var childId = ids.RootElement.GetProperty("childId").GetString()!;

        var spans = await roles.Query.WaitForTraceAsync("node-http-client", PadTraceId(traceId), 2);

        var parent = Assert.Single(spans, s => s.OperationName == "node-parent");
        var child = Assert.Single(spans, s => s.OperationName == "node-child");
        Assert.Equal(PadSpanId(parentId), parent.SpanId);
        Assert.Equal(PadSpanId(childId), child.SpanId);
        Assert.Equal(parent.SpanId, child.ParentSpanId);
        Assert.Contains(QueryTag.String("span.kind", "server"), parent.Tags);
        Assert.Contains(QueryTag.Float64("http.status_code", 200), parent.Tags);
        Assert.Contains(QueryTag.Bool("error", true), child.Tags);
        var log = Assert.Single(child.Logs);
        Assert.Equal([QueryTag.String("event", "cache-miss"), QueryTag.String("key", "user:1")], log.Fields);
        Assert.All(spans, s => Assert.Equal("node-http-client", s.ServiceName));
        Assert.Contains(QueryTag.String("node.test", "collector"), parent.ProcessTags);
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task OpenTelemetry_sdk_over_otlp_to_the_collector_is_queryable_with_ids_parent_tags_events_and_resource(OtlpExportProtocol protocol)
    {
        var service = "e2e-otel-" + protocol;
        var sourceName = "jaeger.e2e." + protocol;
        using var source = new ActivitySource(sourceName, "1.2.3");
        var endpoint = protocol == OtlpExportProtocol.Grpc
            ? roles.Collector.OtlpGrpcEndpoint!
            : new Uri(roles.Collector.OtlpHttpEndpoint!, "v1/traces");
        string traceId, parentId, childId;
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .SetSampler(new AlwaysOnSampler())
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(service).AddAttributes([new("deployment.environment", "e2e")]))
            .AddOtlpExporter(o =>
            {
                o.Endpoint = endpoint;
                o.Protocol = protocol;
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            using (var parent = source.StartActivity("GET /orders", ActivityKind.Server)!)
            {
                traceId = parent.TraceId.ToHexString();
                parentId = parent.SpanId.ToHexString();
                parent.SetTag("http.status_code", 200L);
                parent.SetTag("cached", false);
                using var child = source.StartActivity("SELECT orders", ActivityKind.Client)!;
                childId = child.SpanId.ToHexString();
                child.SetTag("db.rows", 4.5);
                child.AddEvent(new ActivityEvent("retrying", tags: new ActivityTagsCollection { ["attempt"] = 2L }));
            }

            Assert.True(provider.ForceFlush(30_000));
        }

        var spans = await roles.Query.WaitForTraceAsync(service, traceId, 2);

        var parentSpan = Assert.Single(spans, s => s.OperationName == "GET /orders");
        var childSpan = Assert.Single(spans, s => s.OperationName == "SELECT orders");
        Assert.Equal(parentId, parentSpan.SpanId);
        Assert.Equal(childId, childSpan.SpanId);
        Assert.Equal(parentId, childSpan.ParentSpanId);
        Assert.Contains(QueryTag.Int64("http.status_code", 200), parentSpan.Tags);
        Assert.Contains(QueryTag.Bool("cached", false), parentSpan.Tags);
        Assert.Contains(QueryTag.String("span.kind", "server"), parentSpan.Tags);
        Assert.Contains(QueryTag.String("otel.scope.name", sourceName), parentSpan.Tags);
        Assert.Contains(QueryTag.Float64("db.rows", 4.5), childSpan.Tags);
        Assert.Contains(QueryTag.String("span.kind", "client"), childSpan.Tags);
        var log = Assert.Single(childSpan.Logs);
        Assert.Contains(QueryTag.String("event", "retrying"), log.Fields);
        Assert.Contains(QueryTag.Int64("attempt", 2), log.Fields);
        Assert.All(spans, s => Assert.Equal(service, s.ServiceName));
        Assert.Contains(QueryTag.String("deployment.environment", "e2e"), parentSpan.ProcessTags);
    }

    /// <summary>The client's trace id string as the query JSON writes it (Jaeger pads 64-bit ids to 16 hex digits, 128-bit to 32).</summary>
    private static string TraceIdJson(string traceId) => PadTraceId(traceId);

    private static string SpanIdJson(string spanId) => PadSpanId(spanId);

    private static string PadTraceId(string hex) => hex.Length <= 16 ? hex.PadLeft(16, '0') : hex.PadLeft(32, '0');

    private static string PadSpanId(string hex) => hex.PadLeft(16, '0');

    private static long HexToLong(JsonElement element, string name) =>
        long.Parse(element.GetProperty(name).GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static QueryTag NodeTag(JsonElement tag)
    {
        var key = tag.GetProperty("key").GetString()!;
        return tag.GetProperty("vType").GetString() switch
        {
            "STRING" => QueryTag.String(key, tag.GetProperty("vStr").GetString()!),
            "DOUBLE" => QueryTag.Float64(key, tag.GetProperty("vDouble").GetDouble()),
            "BOOL" => QueryTag.Bool(key, tag.GetProperty("vBool").GetBoolean()),
            var other => throw new InvalidOperationException("unexpected tag type " + other),
        };
    }
}
