using System.Globalization;
using System.Text.Json;
using Jaeger.Collector;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Jaeger.Thrift;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.Agent.Hosting.Tests;

/// <summary>Through the agent into this repository's real collector pipeline and in-memory storage.</summary>
public sealed class PipelineTests
{
    private static readonly string StrategiesFile = Path.Combine(AppContext.BaseDirectory, "Fixtures", "strategies.json");

    [NodeFact]
    public async Task Spans_from_the_real_Node_client_are_stored_by_an_in_process_collector_exactly_as_sent()
    {
        await using var agent = await AgentHost.StartAsync(
            o => o.Protocol = AgentForwardingProtocol.InProcess,
            services =>
            {
                services.AddJaegerInMemoryStorage();
                services.AddJaegerCollector(DisableCollectorPorts);
            });
        var port = agent.Agent.BinaryEndpoint!.Port.ToString(CultureInfo.InvariantCulture);

        using var sent = JsonDocument.Parse(await Node.RunAsync("agent-report.js", ["127.0.0.1", port, "node-shop"]));

        var traceId = new TraceId(
            NodeReport.Hex(sent.RootElement.GetProperty("spans")[0], "traceIdHigh"),
            NodeReport.Hex(sent.RootElement.GetProperty("spans")[0], "traceIdLow"));
        var reader = agent.Host.Services.GetRequiredService<ISpanReader>();
        Trace? trace = null;
        await Eventually.UntilAsync(async () => (trace = await reader.GetTraceAsync(traceId)) is { Spans.Count: 2 }, "the Node trace in storage");
        NodeReport.AssertDelivered(sent, trace!.Spans[0].Process, trace.Spans);
    }

    [Theory]
    [InlineData(AgentForwardingProtocol.Grpc)]
    [InlineData(AgentForwardingProtocol.Http)]
    public async Task Our_compact_datagrams_are_stored_by_a_remote_collector_over_grpc_and_http(AgentForwardingProtocol protocol)
    {
        using var collectorHost = await StartCollectorAsync();
        var collector = collectorHost.Services.GetRequiredService<JaegerCollector>();
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = protocol;
            o.Collectors.Add((protocol == AgentForwardingProtocol.Grpc ? collector.GrpcEndpoint : collector.ThriftHttpEndpoint)!.AbsoluteUri);
            o.AgentTags = "agent.host=a1";
        });
        var sent = Batches.Rich("compact-" + protocol);

        await AgentHost.SendAsync(agent.Agent.CompactEndpoint!, Batches.EmitBatch(sent, ThriftProtocol.Compact));

        var reader = collectorHost.Services.GetRequiredService<ISpanReader>();
        Trace? trace = null;
        await Eventually.UntilAsync(async () => (trace = await reader.GetTraceAsync(sent.Spans[0].TraceId)) is { Spans.Count: 2 }, "the trace in storage");
        var stored = trace!.Spans.OrderBy(s => s.StartTimeMicros).ToList();
        Batches.AssertSameSpans(sent.Spans, stored);
        Assert.Equal(sent.Process.ServiceName, stored[0].Process.ServiceName);
        Assert.Equal(sent.Process.Tags.Append(KeyValue.String("agent.host", "a1")), stored[0].Process.Tags);
        await collectorHost.StopAsync();
    }

    [Theory]
    [InlineData(AgentForwardingProtocol.Grpc)]
    [InlineData(AgentForwardingProtocol.Http)]
    public async Task A_per_operation_strategy_from_the_collectors_strategies_file_reaches_the_agents_sampling_endpoint(AgentForwardingProtocol protocol)
    {
        using var collectorHost = await StartCollectorAsync();
        var collector = collectorHost.Services.GetRequiredService<JaegerCollector>();
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = protocol;
            o.Collectors.Add((protocol == AgentForwardingProtocol.Grpc ? collector.GrpcEndpoint : collector.ThriftHttpEndpoint)!.AbsoluteUri);
        });
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        var json = await http.GetStringAsync("/sampling?service=shop");

        Assert.Equal(
            """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[{"operation":"checkout","probabilisticSampling":{"samplingRate":0.2}}],"defaultUpperBoundTracesPerSecond":0}}""",
            json);
        Assert.Equal("""{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}""", await http.GetStringAsync("/sampling?service=other"));
        await collectorHost.StopAsync();
    }

    private static void DisableCollectorPorts(JaegerCollectorOptions o)
    {
        o.ThriftHttp.Enabled = false;
        o.Grpc.Enabled = false;
        o.OtlpGrpc.Enabled = false;
        o.OtlpHttp.Enabled = false;
        o.Zipkin.Enabled = false;
        o.Admin.Enabled = false;
    }

    private static async Task<IHost> StartCollectorAsync()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddJaegerInMemoryStorage();
        builder.Services.AddJaegerCollector(o =>
        {
            DisableCollectorPorts(o);
            o.ThriftHttp.Enabled = true;
            o.ThriftHttp.Address = "127.0.0.1:0";
            o.Grpc.Enabled = true;
            o.Grpc.Address = "127.0.0.1:0";
            o.SamplingStrategiesFile = StrategiesFile;
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
