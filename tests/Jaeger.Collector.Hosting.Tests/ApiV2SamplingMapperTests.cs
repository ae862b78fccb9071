using Google.Protobuf;
using Jaeger.Hosting.Protos;
using Jaeger.Sampling;
using ApiV2 = Jaeger.Protos.ApiV2;

namespace Jaeger.Collector.Hosting.Tests;

public sealed class ApiV2SamplingMapperTests
{
    public static TheoryData<SamplingStrategy> Strategies => new()
    {
        SamplingStrategy.Default,
        SamplingStrategy.RateLimiting(42),
        new SamplingStrategy { Type = SamplingStrategyType.RateLimiting, SamplingRate = 0.2, MaxTracesPerSecond = 3 },
        new SamplingStrategy { Type = SamplingStrategyType.RateLimiting },
        SamplingStrategy.Probabilistic(0.5) with
        {
            OperationSampling = new PerOperationSamplingStrategies(0.5, 0.25, [new("GET /a", 0.125), new("b", 1)], 10),
        },
    };

    [Theory]
    [MemberData(nameof(Strategies))]
    public void A_strategy_survives_the_api_v2_response_and_its_wire_bytes(SamplingStrategy strategy)
    {
        var bytes = ApiV2SamplingMapper.ToProto(strategy).ToByteArray();

        Assert.Equal(strategy, ApiV2SamplingMapper.FromProto(ApiV2.SamplingStrategyResponse.Parser.ParseFrom(bytes)));
    }

    [Fact]
    public void The_response_sets_only_the_sections_the_strategy_has_and_truncates_a_fractional_rate_limit()
    {
        var probabilistic = ApiV2SamplingMapper.ToProto(SamplingStrategy.Probabilistic(0.3));
        var rateLimiting = ApiV2SamplingMapper.ToProto(SamplingStrategy.RateLimiting(2.9));

        Assert.Equal(ApiV2.SamplingStrategyType.Probabilistic, probabilistic.StrategyType);
        Assert.Equal(0.3, probabilistic.ProbabilisticSampling.SamplingRate);
        Assert.Null(probabilistic.RateLimitingSampling);
        Assert.Null(probabilistic.OperationSampling);
        Assert.Equal(ApiV2.SamplingStrategyType.RateLimiting, rateLimiting.StrategyType);
        Assert.Equal(2, rateLimiting.RateLimitingSampling.MaxTracesPerSecond);
        Assert.Null(rateLimiting.ProbabilisticSampling);
    }

    [Fact]
    public void An_operation_without_its_probabilistic_section_reads_as_rate_zero()
    {
        var response = new ApiV2.SamplingStrategyResponse { OperationSampling = new ApiV2.PerOperationSamplingStrategies { DefaultSamplingProbability = 0.1 } };
        response.OperationSampling.PerOperationStrategies.Add(new ApiV2.OperationSamplingStrategy { Operation = "bare" });

        var strategy = ApiV2SamplingMapper.FromProto(response);

        Assert.Equal(new PerOperationSamplingStrategies(0.1, 0, [new("bare", 0)]), strategy.OperationSampling);
        Assert.Null(strategy.SamplingRate);
        Assert.Null(strategy.MaxTracesPerSecond);
    }
}
