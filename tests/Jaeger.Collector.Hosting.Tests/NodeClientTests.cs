using System.Text.Json;
using Jaeger.Model;
using Jaeger.Testing;

namespace Jaeger.Collector.Hosting.Tests;

/// <summary>The real Jaeger Node client (npm jaeger-client) reports Thrift over HTTP to our collector.</summary>
public sealed class NodeClientTests
{
    [NodeFact]
    public async Task Jaeger_node_client_posts_thrift_to_api_traces_and_the_spans_arrive_intact()
    {
        await using var collector = await CollectorHost.StartAsync();
        var endpoint = new Uri(collector.Collector.ThriftHttpEndpoint!, "api/traces").ToString();

        var output = await Node.RunAsync("collector-thrift-http.js", [endpoint]);

        using var ids = JsonDocument.Parse(output);
        var traceId = TraceId.Parse(ids.RootElement.GetProperty("traceId").GetString());
        var parentId = SpanId.Parse(ids.RootElement.GetProperty("parentId").GetString());
        var childId = SpanId.Parse(ids.RootElement.GetProperty("childId").GetString());
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 2, "both Node spans stored");
        var parent = collector.Writer.Single("node-parent");
        var child = collector.Writer.Single("node-child");

        Assert.Equal(traceId, parent.TraceId);
        Assert.Equal(parentId, parent.SpanId);
        Assert.Equal(traceId, child.TraceId);
        Assert.Equal(childId, child.SpanId);
        Assert.Equal(parentId, child.ParentSpanId);
        Assert.Equal("node-http-client", parent.Process.ServiceName);
        Assert.Contains(KeyValue.String("node.test", "collector"), parent.Process.Tags);
        Assert.Equal("server", parent.SpanKind);
        Assert.True(parent.TryGetTag("http.status_code", out var status) && status.ValueAsString() == "200");
        Assert.True(child.TryGetTag("error", out var error) && error.BoolValue);
        var log = Assert.Single(child.Logs);
        Assert.Contains(KeyValue.String("event", "cache-miss"), log.Fields);
        Assert.Contains(KeyValue.String("key", "user:1"), log.Fields);
        Assert.True(parent.IsSampled);
    }
}
