using System.Net;
using Grpc.Core;
using Jaeger.Hosting.Http;
using Jaeger.Testing;
using Jaeger.Protos.ApiV2;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Agent.Hosting.Tests;

public sealed class SamplingTests
{
    private const string PerOperationJson =
        """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[{"operation":"checkout","probabilisticSampling":{"samplingRate":0.2}}],"defaultUpperBoundTracesPerSecond":0}}""";

    [Fact]
    public async Task A_per_operation_strategy_from_an_http_collector_is_served_on_sampling_in_jaegers_json_shape()
    {
        await using var collector = await FakeCollector.StartAsync();
        collector.SamplingJson = PerOperationJson;
        await using var agent = await StartAgentAsync(collector.BaseAddress.AbsoluteUri);
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        using var response = await http.GetAsync("/sampling?service=shop");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(PerOperationJson, await response.Content.ReadAsStringAsync());
        Assert.Equal(["shop"], collector.SampledServices);
    }

    [Fact]
    public async Task An_in_process_agent_without_a_collector_address_asks_the_hosts_strategy_provider_directly()
    {
        var provider = new RecordingProvider();
        await using var agent = await AgentHost.StartAsync(
            o => o.Protocol = AgentForwardingProtocol.InProcess,
            services =>
            {
                services.AddSingleton<Jaeger.Storage.ISpanSink>(new NullSink());
                services.AddSingleton<Jaeger.Sampling.ISamplingStrategyProvider>(provider);
            });
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        var json = await http.GetStringAsync("/sampling?service=direct");

        Assert.Equal("""{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":7}}""", json);
        Assert.Equal(["direct"], provider.Asked);
    }

    private sealed class RecordingProvider : Jaeger.Sampling.ISamplingStrategyProvider
    {
        public List<string> Asked { get; } = [];

        public ValueTask<Jaeger.Sampling.SamplingStrategy> GetSamplingStrategyAsync(string serviceName, CancellationToken cancellationToken = default)
        {
            lock (Asked)
            {
                Asked.Add(serviceName);
            }

            return ValueTask.FromResult(Jaeger.Sampling.SamplingStrategy.RateLimiting(7));
        }
    }

    private sealed class NullSink : Jaeger.Storage.ISpanSink
    {
        public ValueTask<Jaeger.Storage.SpanSinkResult> SubmitAsync(Jaeger.Model.Batch batch, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new Jaeger.Storage.SpanSinkResult(batch.Spans.Count, 0));
    }

    [Fact]
    public async Task The_legacy_root_endpoint_serves_the_strategy_with_the_integer_enum()
    {
        await using var collector = await FakeCollector.StartAsync();
        collector.SamplingJson = """{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":42}}""";
        await using var agent = await StartAgentAsync(collector.BaseAddress.AbsoluteUri);
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        Assert.Equal("""{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":42}}""", await http.GetStringAsync("/?service=shop"));
        Assert.Equal("""{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":42}}""", await http.GetStringAsync("/sampling?service=shop"));
    }

    [Theory]
    [InlineData("/sampling")]
    [InlineData("/sampling?service=a&service=b")]
    [InlineData("/?serviceName=a")]
    [InlineData("/baggageRestrictions")]
    public async Task A_missing_or_repeated_service_parameter_gets_jaegers_400_and_the_agent_keeps_serving(string path)
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var agent = await StartAgentAsync(collector.BaseAddress.AbsoluteUri);
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };
        using var errors = agent.Collect("jaeger.agent.http.errors");

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("'service' parameter must be provided once\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, errors.Sum(("status", "4xx")));
        Assert.Equal(0, collector.SamplingRequests);
        Assert.Equal("""{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1}}""", await http.GetStringAsync("/sampling?service=ok"));
    }

    [Fact]
    public async Task Baggage_restrictions_are_an_empty_json_list()
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var agent = await StartAgentAsync(collector.BaseAddress.AbsoluteUri);
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        using var response = await http.GetAsync("/baggageRestrictions?service=shop");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[]", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Configured_baggage_restrictions_are_served_to_every_service_in_jaegers_json_shape()
    {
        // The collector is not asked: restrictions come from the agent's own options.
        await using var agent = await AgentHost.StartAsync(o => { o.BaggageRestrictions["user-id"] = 64; o.BaggageRestrictions["tenant"] = 0; });
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        const string Expected = """[{"baggageKey":"tenant","maxValueLength":0},{"baggageKey":"user-id","maxValueLength":64}]""";
        Assert.Equal(Expected, await http.GetStringAsync("/baggageRestrictions?service=shop"));
        Assert.Equal(Expected, await http.GetStringAsync("/baggageRestrictions?service=billing"));
    }

    [Fact]
    public async Task A_collector_error_or_unusable_answer_gives_500_collector_error_and_is_not_cached()
    {
        await using var collector = await FakeCollector.StartAsync();
        collector.SamplingStatus = 500;
        await using var agent = await StartAgentAsync(collector.BaseAddress.AbsoluteUri);
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        using var failed = await http.GetAsync("/sampling?service=shop");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.StartsWith("collector error: ", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        collector.SamplingStatus = 200;
        Assert.Equal("""{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1}}""", await http.GetStringAsync("/sampling?service=shop"));
        Assert.Equal(2, collector.SamplingRequests);

        // An answer that is not a strategy is an error too, naming what is wrong.
        collector.SamplingJson = """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":7}}""";
        using var unusable = await http.GetAsync("/sampling?service=other");
        Assert.Equal(HttpStatusCode.InternalServerError, unusable.StatusCode);
        Assert.Contains("probabilisticSampling.samplingRate must be from 0 to 1", await unusable.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        collector.SamplingJson = """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.7}}""";
        Assert.Equal(collector.SamplingJson, await http.GetStringAsync("/sampling?service=other"));
    }

    [Fact]
    public async Task Strategies_are_cached_per_service_until_the_ttl_passes()
    {
        await using var collector = await FakeCollector.StartAsync();
        var time = new FakeTimeProvider();
        await using var agent = await AgentHost.StartAsync(
            o =>
            {
                o.Protocol = AgentForwardingProtocol.Http;
                o.Collectors.Add(collector.BaseAddress.AbsoluteUri);
                o.SamplingCacheTtl = TimeSpan.FromSeconds(30);
            },
            services => services.AddSingleton<TimeProvider>(time));
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        await http.GetStringAsync("/sampling?service=a");
        await http.GetStringAsync("/?service=a");
        await http.GetStringAsync("/sampling?service=b");
        Assert.Equal(2, collector.SamplingRequests);

        time.Advance(TimeSpan.FromSeconds(31));
        await http.GetStringAsync("/sampling?service=a");
        Assert.Equal(3, collector.SamplingRequests);
    }

    [Fact]
    public async Task A_per_operation_strategy_from_a_grpc_sampling_manager_reaches_the_sampling_endpoint()
    {
        await using var server = await EndpointServer.StartAsync(
            new IPEndPoint(IPAddress.Loopback, 0),
            HttpProtocols.Http2,
            NullLoggerFactory.Instance,
            services => services.AddGrpc(),
            routes => routes.MapGrpcService<FakeSamplingManager>(),
            maxRequestBodySize: null,
            CancellationToken.None);
        await using var agent = await StartAgentAsync(server.BaseAddress.AbsoluteUri, AgentForwardingProtocol.Grpc);
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        var json = await http.GetStringAsync("/sampling?service=grpc-shop");

        Assert.Equal(
            """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.25},"operationSampling":{"defaultSamplingProbability":0.25,"defaultLowerBoundTracesPerSecond":0.5,"perOperationStrategies":[{"operation":"grpc-shop:get","probabilisticSampling":{"samplingRate":0.75}}],"defaultUpperBoundTracesPerSecond":0}}""",
            json);
    }

    [Fact]
    public async Task The_health_endpoint_reports_the_agent_available()
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var agent = await StartAgentAsync(collector.BaseAddress.AbsoluteUri);
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        using var response = await http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("""{"status":"Server available","upSince":""", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Task<AgentHost> StartAgentAsync(string collector, AgentForwardingProtocol protocol = AgentForwardingProtocol.Http) =>
        AgentHost.StartAsync(o =>
        {
            o.Protocol = protocol;
            o.Collectors.Add(collector);
        });

    private sealed class FakeSamplingManager : SamplingManager.SamplingManagerBase
    {
        public override Task<SamplingStrategyResponse> GetSamplingStrategy(SamplingStrategyParameters request, ServerCallContext context)
        {
            var response = new SamplingStrategyResponse
            {
                StrategyType = Protos.ApiV2.SamplingStrategyType.Probabilistic,
                ProbabilisticSampling = new ProbabilisticSamplingStrategy { SamplingRate = 0.25 },
                OperationSampling = new PerOperationSamplingStrategies { DefaultSamplingProbability = 0.25, DefaultLowerBoundTracesPerSecond = 0.5 },
            };
            response.OperationSampling.PerOperationStrategies.Add(new OperationSamplingStrategy
            {
                Operation = request.ServiceName + ":get",
                ProbabilisticSampling = new ProbabilisticSamplingStrategy { SamplingRate = 0.75 },
            });
            return Task.FromResult(response);
        }
    }
}

public sealed class NodeSamplingTests
{
    [NodeFact]
    public async Task The_real_Jaeger_Node_remote_sampler_builds_a_per_operation_sampler_from_the_agent()
    {
        await using var collector = await FakeCollector.StartAsync();
        collector.SamplingJson =
            """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.4},"operationSampling":{"defaultSamplingProbability":0.4,"defaultLowerBoundTracesPerSecond":2,"perOperationStrategies":[{"operation":"checkout","probabilisticSampling":{"samplingRate":0.9}},{"operation":"browse","probabilisticSampling":{"samplingRate":0.01}}],"defaultUpperBoundTracesPerSecond":0}}""";
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = AgentForwardingProtocol.Http;
            o.Collectors.Add(collector.BaseAddress.AbsoluteUri);
        });
        var port = agent.Agent.HttpEndpoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var output = await Node.RunAsync("agent-sampling.js", ["127.0.0.1", port, "node-shop"]);

        Assert.Equal("""{"sampler":"PerOperationSampler","defaultSamplingRate":0.4,"defaultLowerBound":2,"operations":{"checkout":0.9,"browse":0.01}}""", output);
        Assert.Equal(["node-shop"], collector.SampledServices);
    }
}
