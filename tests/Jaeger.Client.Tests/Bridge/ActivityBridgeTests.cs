using System.Diagnostics;
using System.Net;
using Jaeger.Client.Reporting;
using Jaeger.Model;
using Jaeger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.Client.Tests.Bridge;

[CollectionDefinition(nameof(ActivityCollection), DisableParallelization = true)]
public sealed class ActivityCollection;

[Collection(nameof(ActivityCollection))]
public class ActivityBridgeTests
{
    [Fact]
    public async Task Activities_become_jaeger_spans_with_kind_status_events_links_and_sampler_tags()
    {
        using var source = new ActivitySource("bridge.unit." + Guid.NewGuid().ToString("N"));
        var reporter = new InMemoryReporter();
        using var host = await StartHostAsync(reporter, source.Name, sampled: true);

        var linkContext = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        string traceId, rootId;
        using (var root = source.StartActivity("root", ActivityKind.Server)!)
        {
            traceId = root.TraceId.ToHexString();
            rootId = root.SpanId.ToHexString();
            using var child = source.StartActivity("child", ActivityKind.Client, default(ActivityContext), links: [new ActivityLink(linkContext)])!;
            child.SetTag("http.status_code", 503);
            child.SetTag("peer.service", "billing");
            child.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection { ["attempt"] = 2 }));
            child.SetStatus(ActivityStatusCode.Error, "upstream down");
        }

        var spans = reporter.GetSpans();
        var rootSpan = spans.Single(s => s.OperationName == "root");
        var childSpan = spans.Single(s => s.OperationName == "child");
        Assert.Equal(traceId, rootSpan.TraceId.ToString());
        Assert.Equal(rootId, rootSpan.SpanId.ToString());
        Assert.Equal(rootSpan.SpanId, childSpan.ParentSpanId);
        Assert.Equal("server", rootSpan.SpanKind);
        Assert.True(rootSpan.TryGetTag("sampler.type", out var type) && type.StringValue == "const");
        Assert.Equal("client", childSpan.SpanKind);
        Assert.True(childSpan.TryGetTag("error", out var error) && error.BoolValue);
        Assert.True(childSpan.TryGetTag("http.status_code", out var status) && status.Int64Value == 503);
        var log = Assert.Single(childSpan.Logs);
        Assert.Contains(log.Fields, f => f.Key == "event" && f.StringValue == "retry");
        Assert.Contains(log.Fields, f => f.Key == "attempt" && f.Int64Value == 2);
        Assert.Contains(childSpan.References, r => r.RefType == SpanRefType.FollowsFrom && r.SpanId.ToString() == linkContext.SpanId.ToHexString());
        await host.StopAsync();
    }

    [Fact]
    public async Task Unsampled_root_activities_are_not_recorded_or_reported()
    {
        using var source = new ActivitySource("bridge.unsampled." + Guid.NewGuid().ToString("N"));
        var reporter = new InMemoryReporter();
        using var host = await StartHostAsync(reporter, source.Name, sampled: false);
        using (var activity = source.StartActivity("quiet"))
        {
            Assert.NotNull(activity);
            Assert.False(activity.Recorded);
        }

        Assert.Empty(reporter.GetSpans());
        await host.StopAsync();
    }

    [Fact]
    public async Task Kestrel_request_made_by_HttpClient_inside_an_outer_activity_is_one_trace_with_server_child_of_client()
    {
        using var outerSource = new ActivitySource("bridge.outer." + Guid.NewGuid().ToString("N"));
        var reporter = new InMemoryReporter();
        var (app, address) = await TracedKestrel.StartAsync(reporter, samplerParam: 1, app =>
            app.MapGet("/hello", (HttpContext context) => "uber-trace-id:" + context.Request.Headers["uber-trace-id"]));
        await using var disposeApp = app;

        using var http = new HttpClient();
        string traceId, outerId, body;
        using (var outer = outerOrFail(outerSource.StartActivity("outer")))
        {
            traceId = outer.TraceId.ToHexString();
            outerId = outer.SpanId.ToHexString();
            body = await http.GetStringAsync(address + "/hello");
        }

        await Eventually.UntilAsync(() => reporter.GetSpans().Count(s => s.TraceId.ToString() == traceId) >= 3, "outer, client and server spans");
        var trace = reporter.GetSpans().Where(s => s.TraceId.ToString() == traceId).ToList();
        var client = Assert.Single(trace, s => s.SpanKind == "client");
        var server = Assert.Single(trace, s => s.SpanKind == "server");
        Assert.Equal(outerId, client.ParentSpanId.ToString());
        Assert.Equal(client.SpanId, server.ParentSpanId);
        Assert.Equal("kestrel-app", server.Process.ServiceName);
        Assert.Contains(client.SpanId.ToString(), body, StringComparison.Ordinal);
        await app.StopAsync();

        static Activity outerOrFail(Activity? a) => a ?? throw new InvalidOperationException("the bridge did not listen to the outer source");
    }

    [Fact]
    public async Task Incoming_uber_trace_id_is_honoured_by_aspnetcore()
    {
        var reporter = new InMemoryReporter();
        var (app, address) = await TracedKestrel.StartAsync(reporter, samplerParam: 0, app => app.MapGet("/", () => "ok"));
        await using var disposeApp = app;

        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
        using var request = new HttpRequestMessage(HttpMethod.Get, address + "/");
        request.Headers.TryAddWithoutValidation("uber-trace-id", "00000000000000000000000000000abc%3A0000000000000def%3A0%3A1");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Eventually.UntilAsync(() => reporter.GetSpans().Any(s => s.TraceId == new TraceId(0xabc)), "the server span joined the Jaeger trace");
        var server = reporter.GetSpans().Single(s => s.TraceId == new TraceId(0xabc));
        Assert.Equal(new SpanId(0xdef), server.ParentSpanId);
        await app.StopAsync();
    }

    [Fact]
    public async Task A_tracer_span_started_in_a_request_handler_is_a_child_of_the_request_span()
    {
        var reporter = new InMemoryReporter();
        var (app, address) = await TracedKestrel.StartAsync(reporter, samplerParam: 1, app => app.MapGet("/", (ITracer tracer) =>
        {
            using (tracer.BuildSpan("handler-work").StartActive())
            {
                tracer.BuildSpan("nested-work").Start().Finish();
            }

            tracer.BuildSpan("detached-work").IgnoreActiveSpan().Start().Finish();
            return "ok";
        }));
        await using var disposeApp = app;

        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
        using var response = await http.GetAsync(address + "/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Eventually.UntilAsync(
            () => reporter.GetSpans().Count(s => s.Tags.Any(t => t.Key == Tags.SpanKind && t.ValueEquals(Tags.SpanKindServer))) == 1
                && reporter.GetSpans().Any(s => s.OperationName == "detached-work"),
            "the server span and the handler's spans were reported");
        var spans = reporter.GetSpans();
        var server = spans.Single(s => s.Tags.Any(t => t.Key == Tags.SpanKind && t.ValueEquals(Tags.SpanKindServer)));
        var work = spans.Single(s => s.OperationName == "handler-work");
        var nested = spans.Single(s => s.OperationName == "nested-work");
        var detached = spans.Single(s => s.OperationName == "detached-work");
        Assert.Equal(server.TraceId, work.TraceId);
        Assert.Equal(server.SpanId, work.ParentSpanId);
        Assert.Equal(server.TraceId, nested.TraceId);
        Assert.Equal(work.SpanId, nested.ParentSpanId);
        Assert.NotEqual(server.TraceId, detached.TraceId);
        Assert.Equal(default, detached.ParentSpanId);
        await app.StopAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Server_activities_sampled_or_not_count_in_the_rpc_metrics(bool sampled)
    {
        using var source = new ActivitySource("bridge.rpc." + Guid.NewGuid().ToString("N"));
        using var host = await StartHostAsync(new InMemoryReporter(), source.Name, sampled, rpcMetrics: true);
        var meters = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var requests = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, "Jaeger.Client", "jaeger.client.rpc.requests");
        using var http = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, "Jaeger.Client", "jaeger.client.rpc.http_requests");
        using (var request = source.StartActivity("GET /items", ActivityKind.Server)!)
        {
            // As ASP.NET Core does: tags only when the listener asked for all data (sampled).
            if (request.IsAllDataRequested)
            {
                request.SetTag("http.response.status_code", 404);
            }

            using var call = source.StartActivity("outgoing", ActivityKind.Client);
        }

        var measurement = Assert.Single(requests.GetMeasurementSnapshot());
        Assert.Equal("GET-/items", measurement.Tags["endpoint"]);
        Assert.Equal("false", measurement.Tags["error"]);

        Assert.Equal(sampled ? 1 : 0, http.GetMeasurementSnapshot().Count(m => (string?)m.Tags["status_code"] == "4xx"));
        await host.StopAsync();
    }

    private static async Task<IHost> StartHostAsync(InMemoryReporter reporter, string sourceName, bool sampled, bool rpcMetrics = false)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddJaegerTracing(o =>
        {
            o.ServiceName = "bridge-test";
            o.SamplerType = "const";
            o.SamplerParam = sampled ? 1 : 0;
            o.ReporterOverride = reporter;
            o.ActivitySources.Add(sourceName);
            o.RpcMetrics = rpcMetrics;
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
