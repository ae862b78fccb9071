using System.Net;
using System.Text.Json;
using Grpc.Net.Client;
using Jaeger.Collector.Sampling;
using Jaeger.Sampling;
using ApiV2 = Jaeger.Protos.ApiV2;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Collector.Hosting.Tests;

public sealed class SamplingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("jaeger-strategies-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "strategies.json");

    [Fact]
    public async Task Without_a_file_every_service_gets_probabilistic_one_in_a_thousand_over_http()
    {
        await using var collector = await CollectorHost.StartAsync();

        var json = await collector.Http.GetStringAsync(new Uri(collector.Collector.ThriftHttpEndpoint!, "api/sampling?service=anything"));

        Assert.Equal("""{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}""", json);
    }

    [Fact]
    public async Task Sampling_endpoint_requires_exactly_one_service_parameter()
    {
        await using var collector = await CollectorHost.StartAsync();

        var response = await collector.Http.GetAsync(new Uri(collector.Collector.ThriftHttpEndpoint!, "api/sampling"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'service' parameter must be provided once", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Strategies_file_is_served_over_http_and_grpc_with_jaeger_merge_rules()
    {
        await using var collector = await CollectorHost.StartAsync(o => o.SamplingStrategiesFile = Fixture);
        var baseUri = collector.Collector.ThriftHttpEndpoint!;

        var foo = await collector.Http.GetStringAsync(new Uri(baseUri, "api/sampling?service=foo"));
        var bar = await collector.Http.GetStringAsync(new Uri(baseUri, "api/sampling?service=bar"));
        var other = await collector.Http.GetStringAsync(new Uri(baseUri, "api/sampling?service=other"));
        using var channel = GrpcChannel.ForAddress(collector.Collector.GrpcEndpoint!);
        var grpc = await new ApiV2.SamplingManager.SamplingManagerClient(channel).GetSamplingStrategyAsync(new ApiV2.SamplingStrategyParameters { ServiceName = "bar" });

        Assert.Equal(
            """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.8},"operationSampling":{"defaultSamplingProbability":0.8,"defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[{"operation":"op1","probabilisticSampling":{"samplingRate":0.2}},{"operation":"op0","probabilisticSampling":{"samplingRate":0.2}}],"defaultUpperBoundTracesPerSecond":0}}""",
            foo);
        using (var barJson = JsonDocument.Parse(bar))
        {
            Assert.Equal("RATE_LIMITING", barJson.RootElement.GetProperty("strategyType").GetString());
            Assert.Equal(5, barJson.RootElement.GetProperty("rateLimitingSampling").GetProperty("maxTracesPerSecond").GetInt32());
        }

        using (var otherJson = JsonDocument.Parse(other))
        {
            Assert.Equal(0.5, otherJson.RootElement.GetProperty("probabilisticSampling").GetProperty("samplingRate").GetDouble());
            Assert.Equal("op0", otherJson.RootElement.GetProperty("operationSampling").GetProperty("perOperationStrategies")[0].GetProperty("operation").GetString());
        }

        Assert.Equal(ApiV2.SamplingStrategyType.RateLimiting, grpc.StrategyType);
        Assert.Equal(5, grpc.RateLimitingSampling.MaxTracesPerSecond);
    }

    [Fact]
    public async Task A_changed_strategies_file_is_picked_up_on_the_next_poll_and_a_broken_one_is_ignored()
    {
        var path = Path.Combine(_directory, "strategies.json");
        await File.WriteAllTextAsync(path, """{"default_strategy":{"type":"probabilistic","param":0.25}}""");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var collector = await CollectorHost.StartAsync(
            o =>
            {
                o.SamplingStrategiesFile = path;
                o.SamplingStrategiesReloadInterval = TimeSpan.FromSeconds(10);
            },
            services: s => s.AddSingleton<TimeProvider>(time));
        var provider = collector.Host.Services.GetRequiredService<ISamplingStrategyProvider>();
        Assert.Equal(0.25, (await provider.GetSamplingStrategyAsync("svc")).SamplingRate);

        await File.WriteAllTextAsync(path, """{"service_strategies":[{"service":"svc","type":"ratelimiting","param":7}]}""");
        await Eventually.UntilAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromSeconds(10));
                return (await provider.GetSamplingStrategyAsync("svc")).Type == SamplingStrategyType.RateLimiting;
            },
            "the rewritten strategies file is served");
        Assert.Equal(7, (await provider.GetSamplingStrategyAsync("svc")).MaxTracesPerSecond);
        Assert.Equal(0.001, (await provider.GetSamplingStrategyAsync("another")).SamplingRate);

        // A broken file is ignored: reload directly, so the assertion follows the reload for certain.
        await File.WriteAllTextAsync(path, "{ broken");
        await collector.Host.Services.GetRequiredService<FileSamplingStrategyStore>().ReloadAsync(path, CancellationToken.None);
        Assert.Equal(7, (await provider.GetSamplingStrategyAsync("svc")).MaxTracesPerSecond);
    }

    [Theory]
    [InlineData("""{"default_strategy":{"type":"bogus","param":1}}""", "\"type\" must be")]
    [InlineData("""{"default_strategy":{"type":"probabilistic","param":1.5}}""", "from 0 to 1")]
    [InlineData("""[1,2]""", "JSON object")]
    [InlineData("""{"service_strategies":[{"type":"probabilistic","param":0.1}]}""", "\"service\"")]
    public void Invalid_strategies_files_are_refused_with_a_message(string json, string expected)
    {
        Assert.False(StrategiesFile.TryParse(System.Text.Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Ratelimiting_operation_entries_are_skipped_and_fractional_rates_truncated()
    {
        const string json = """
            {"service_strategies":[{"service":"s","type":"ratelimiting","param":2.9,
              "operation_strategies":[{"operation":"a","type":"ratelimiting","param":3},{"operation":"b","type":"probabilistic","param":0.3}]}]}
            """;

        Assert.True(StrategiesFile.TryParse(System.Text.Encoding.UTF8.GetBytes(json), out var set, out _));
        var strategy = set.For("s");

        Assert.Equal(2, strategy.MaxTracesPerSecond);
        var operation = Assert.Single(strategy.OperationSampling!.PerOperationStrategies);
        Assert.Equal(new OperationSamplingStrategy("b", 0.3), operation);
        Assert.Equal(0.001, strategy.OperationSampling.DefaultSamplingProbability);
    }
}
