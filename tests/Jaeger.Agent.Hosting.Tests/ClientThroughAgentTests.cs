using System.Diagnostics.Metrics;
using Jaeger.Client;
using Jaeger.Collector;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;

namespace Jaeger.Agent.Hosting.Tests;

/// <summary>This repository's client reports through the agent's compact port and samples with the strategy the agent relays.</summary>
public sealed class ClientThroughAgentTests
{
    [Fact]
    public async Task Our_client_gets_a_per_operation_strategy_through_the_agent_and_its_spans_reach_storage_through_the_compact_port()
    {
        // Collector (strategies file: dotnet-shop samples only "checkout") <- gRPC <- agent <- UDP compact / HTTP 5778 <- client.
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddJaegerInMemoryStorage();
        builder.Services.AddJaegerCollector(o =>
        {
            o.ThriftHttp.Enabled = false;
            o.OtlpGrpc.Enabled = false;
            o.OtlpHttp.Enabled = false;
            o.Zipkin.Enabled = false;
            o.Admin.Enabled = false;
            o.Grpc.Address = "127.0.0.1:0";
            o.SamplingStrategiesFile = Path.Combine(AppContext.BaseDirectory, "Fixtures", "strategies.json");
        });
        using var collectorHost = builder.Build();
        await collectorHost.StartAsync();
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = AgentForwardingProtocol.Grpc;
            o.Collectors.Add(collectorHost.Services.GetRequiredService<JaegerCollector>().GrpcEndpoint!.AbsoluteUri);
        });

        var clientBuilder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        clientBuilder.Services.AddJaegerTracing(o =>
        {
            o.ServiceName = "dotnet-shop";
            o.AgentHost = "127.0.0.1";
            o.AgentPort = agent.Agent.CompactEndpoint!.Port;
            o.SamplerType = "remote";
            o.SamplingEndpoint = new Uri(agent.Agent.HttpEndpoint!, "sampling").AbsoluteUri;
            o.TraceActivities = false;
        });
        using var clientHost = clientBuilder.Build();
        using var samplerUpdates = new MetricCollector<long>(clientHost.Services.GetRequiredService<IMeterFactory>(), "Jaeger.Client", "jaeger.client.sampler.updates");
        await clientHost.StartAsync();
        await Eventually.UntilAsync(() => samplerUpdates.GetMeasurementSnapshot().Where(m => (string?)m.Tags["result"] == "ok").Sum(m => m.Value) >= 1, "the client's first applied strategy update");

        var tracer = clientHost.Services.GetRequiredService<JaegerTracer>();
        // Ids are read before Finish: the client may reuse a finished span object.
        var browse = tracer.BuildSpan("browse").Start();
        var browseTraceId = TraceId.Parse(browse.Context.TraceId);
        browse.Finish();
        var checkout = tracer.BuildSpan("checkout").WithTag("cart.items", 3).Start();
        var traceId = TraceId.Parse(checkout.Context.TraceId);
        var checkoutSpanId = SpanId.Parse(checkout.Context.SpanId);
        var charge = tracer.BuildSpan("charge").AsChildOf(checkout).Start();
        charge.Finish();
        checkout.Finish();
        await tracer.FlushAsync();

        var reader = collectorHost.Services.GetRequiredService<ISpanReader>();
        Trace? trace = null;
        await Eventually.UntilAsync(async () => (trace = await reader.GetTraceAsync(traceId)) is { Spans.Count: 2 }, "the checkout trace in storage");
        var root = Assert.Single(trace!.Spans, s => s.OperationName == "checkout");
        var child = Assert.Single(trace.Spans, s => s.OperationName == "charge");
        Assert.Equal(checkoutSpanId, root.SpanId);
        Assert.Equal(root.SpanId, child.ParentSpanId);
        Assert.Equal("dotnet-shop", root.Process.ServiceName);
        Assert.Contains(KeyValue.Int64("cart.items", 3), root.Tags);
        // The per-operation strategy decided: probabilistic 1.0 for "checkout" ...
        Assert.Contains(KeyValue.String("sampler.type", "probabilistic"), root.Tags);
        Assert.Contains(KeyValue.Float64("sampler.param", 1.0), root.Tags);
        // ... and for "browse", which has no strategy of its own, the service default: probability 0.0, so only the
        // guaranteed lower bound let this first one through (Jaeger's guaranteed-throughput sampler).
        Trace? browseTrace = null;
        await Eventually.UntilAsync(async () => (browseTrace = await reader.GetTraceAsync(browseTraceId)) is not null, "the browse trace");
        Assert.Equal([KeyValue.String("sampler.type", "lowerbound"), KeyValue.Float64("sampler.param", 0)], browseTrace!.Spans[0].Tags.AsEnumerable());

        await clientHost.StopAsync();
        await collectorHost.StopAsync();
    }
}
