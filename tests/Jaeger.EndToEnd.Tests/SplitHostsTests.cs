using Jaeger.Agent.Hosting;
using Jaeger.Client;
using Jaeger.Collector;
using Jaeger.Query;
using Jaeger.Storage.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.EndToEnd.Tests;

/// <summary>The roles compose apart as well as together: agent, collector and query each in a host of its own.</summary>
public sealed class SplitHostsTests
{
    private const string Loopback = "127.0.0.1:0";

    [Theory]
    [InlineData(AgentForwardingProtocol.Http)]
    [InlineData(AgentForwardingProtocol.Grpc)]
    public async Task A_span_sent_to_an_agent_host_is_queryable_from_a_query_host_sharing_the_collector_hosts_store(AgentForwardingProtocol protocol)
    {
        // Collector and query hosts share one store instance, as they would share a database.
        using var store = new InMemorySpanStore();

        var collectorBuilder = NewBuilder();
        collectorBuilder.Services.AddSingleton(store).AddJaegerInMemoryStorage();
        collectorBuilder.Services.AddJaegerCollector(o =>
        {
            o.ThriftHttp.Address = Loopback;
            o.Grpc.Address = Loopback;
            o.OtlpGrpc.Enabled = false;
            o.OtlpHttp.Enabled = false;
            o.Zipkin.Enabled = false;
            o.Admin.Enabled = false;
        });
        using var collectorHost = collectorBuilder.Build();

        var queryBuilder = NewBuilder();
        queryBuilder.Services.AddSingleton(store).AddJaegerInMemoryStorage();
        queryBuilder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = Loopback;
            o.GrpcListenAddress = string.Empty;
        });
        using var queryHost = queryBuilder.Build();

        await collectorHost.StartAsync();
        await queryHost.StartAsync();
        try
        {
            var collector = collectorHost.Services.GetRequiredService<JaegerCollector>();
            await collector.Started.WaitAsync(TimeSpan.FromSeconds(30));
            var collectorAddress = protocol == AgentForwardingProtocol.Http ? collector.ThriftHttpEndpoint! : collector.GrpcEndpoint!;

            var agentBuilder = NewBuilder();
            agentBuilder.Services.AddJaegerAgent(o =>
            {
                o.Compact.ListenAddress = Loopback;
                o.Binary.ListenAddress = Loopback;
                o.HttpListenAddress = string.Empty;
                o.Protocol = protocol;
                o.Collectors.Add(collectorAddress.AbsoluteUri);
            });
            using var agentHost = agentBuilder.Build();
            await agentHost.StartAsync();
            try
            {
                var service = "e2e-split-" + protocol;
                string traceId, rootId, childId;
                await using (var tracer = JaegerTracerFactory.Create(new JaegerTracingOptions
                {
                    ServiceName = service,
                    AgentHost = "127.0.0.1",
                    AgentPort = agentHost.Services.GetRequiredService<JaegerAgent>().CompactEndpoint!.Port,
                    SamplerType = "const",
                    SamplerParam = 1,
                    TraceActivities = false,
                }))
                {
                    var root = tracer.BuildSpan("split-root").WithTag("hop", 1L).Start();
                    traceId = root.Context.TraceId;
                    rootId = root.Context.SpanId;
                    var child = tracer.BuildSpan("split-child").AsChildOf(root).Start();
                    childId = child.Context.SpanId;
                    child.Log("forwarded");
                    child.Finish();
                    root.Finish();
                    await tracer.FlushAsync();
                }

                using var query = new QueryApi(queryHost.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress!);
                var spans = await query.WaitForTraceAsync(service, traceId.PadLeft(16, '0'), 2);

                var rootSpan = Assert.Single(spans, s => s.OperationName == "split-root");
                var childSpan = Assert.Single(spans, s => s.OperationName == "split-child");
                Assert.Equal(rootId.PadLeft(16, '0'), rootSpan.SpanId);
                Assert.Equal(childId.PadLeft(16, '0'), childSpan.SpanId);
                Assert.Equal(rootSpan.SpanId, childSpan.ParentSpanId);
                Assert.Contains(QueryTag.Int64("hop", 1), rootSpan.Tags);
                Assert.Equal([QueryTag.String("event", "forwarded")], Assert.Single(childSpan.Logs).Fields);
                Assert.All(spans, s => Assert.Equal(service, s.ServiceName));
            }
            finally
            {
                await agentHost.StopAsync();
            }
        }
        finally
        {
            await queryHost.StopAsync();
            await collectorHost.StopAsync();
        }
    }

    private static HostApplicationBuilder NewBuilder() => new(new HostApplicationBuilderSettings { DisableDefaults = true });
}
