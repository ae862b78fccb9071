using System.Text;
using Jaeger.Sampling;

namespace Jaeger.Core.Tests.Sampling;

public sealed class SamplingStrategyJsonTests
{
    public static TheoryData<SamplingStrategy> Strategies => new()
    {
        SamplingStrategy.Default,
        SamplingStrategy.Probabilistic(1),
        SamplingStrategy.RateLimiting(42),
        SamplingStrategy.RateLimiting(2.5),
        new SamplingStrategy { Type = SamplingStrategyType.RateLimiting, SamplingRate = 0.2, MaxTracesPerSecond = 3 },
        SamplingStrategy.Probabilistic(0.5) with
        {
            OperationSampling = new PerOperationSamplingStrategies(0.5, 0.25, [new("GET /a", 0.125), new("ünïcode \"op\"", 1)], 10),
        },
        new SamplingStrategy { OperationSampling = new PerOperationSamplingStrategies(0.001, 0, []) },
    };

    [Theory]
    [MemberData(nameof(Strategies))]
    public void A_strategy_survives_the_sampling_json_and_the_legacy_json(SamplingStrategy strategy)
    {
        Assert.Equal(strategy, Read(SamplingStrategyJson.ToJson(strategy)));
        Assert.Equal(strategy, Read(SamplingStrategyJson.ToJson(strategy, legacy: true)));
    }

    [Fact]
    public void The_sampling_form_is_jaegers_protobuf_json_with_the_enum_as_a_string()
    {
        Assert.Equal(
            """{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":42}}""",
            SamplingStrategyJson.ToJson(SamplingStrategy.RateLimiting(42)));
        Assert.Equal(
            """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}""",
            SamplingStrategyJson.ToJson(SamplingStrategy.Default));
        Assert.Equal(
            """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[{"operation":"op","probabilisticSampling":{"samplingRate":0.2}}],"defaultUpperBoundTracesPerSecond":0}}""",
            SamplingStrategyJson.ToJson(SamplingStrategy.Probabilistic(0.5) with { OperationSampling = new(0.5, 0, [new("op", 0.2)]) }));
    }

    [Fact]
    public void The_legacy_form_has_the_integer_enum_and_leaves_out_a_zero_upper_bound()
    {
        Assert.Equal(
            """{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":42}}""",
            SamplingStrategyJson.ToJson(SamplingStrategy.RateLimiting(42), legacy: true));
        Assert.Equal(
            """{"strategyType":0,"probabilisticSampling":{"samplingRate":0.5},"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[]}}""",
            SamplingStrategyJson.ToJson(SamplingStrategy.Probabilistic(0.5) with { OperationSampling = new(0.5, 0, []) }, legacy: true));
    }

    [Fact]
    public void Collector_json_in_either_enum_form_reads_into_the_same_strategy()
    {
        var fromString = Read("""{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":7}}""");
        var fromInteger = Read("""{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":7}}""");

        Assert.Equal(fromString, fromInteger);
        Assert.Equal(SamplingStrategyType.RateLimiting, fromString.Type);
        Assert.Equal(7, fromString.MaxTracesPerSecond);
        Assert.False(SamplingStrategyJson.TryRead("""{"strategyType":"BOGUS"}"""u8, out _, out var error));
        Assert.Contains("strategyType", error, StringComparison.Ordinal);
    }

    [Theory]
    // What Jaeger's agent serves at /sampling and at the legacy / (from its handler tests).
    [InlineData("""{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}""", "Probabilistic", 0.001, null)]
    [InlineData("""{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":42}}""", "RateLimiting", null, 42.0)]
    [InlineData("""{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":42}}""", "RateLimiting", null, 42.0)]
    [InlineData("""{"strategyType":0,"probabilisticSampling":{"samplingRate":1}}""", "Probabilistic", 1.0, null)]
    // What the old Jaeger C# client's fixtures hold: null sections, a fractional rate limit.
    [InlineData("""{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.01},"rateLimitingSampling":null}""", "Probabilistic", 0.01, null)]
    [InlineData("""{"strategyType":"RATE_LIMITING","probabilisticSampling":null,"rateLimitingSampling":{"maxTracesPerSecond":2.1}}""", "RateLimiting", null, 2.1)]
    // Lenient forms: any case, numbers as strings (protobuf JSON), no strategyType (it follows the section), unknown fields.
    [InlineData("""{"strategyType":"rate_limiting","rateLimitingSampling":{"maxTracesPerSecond":"3"}}""", "RateLimiting", null, 3.0)]
    [InlineData("""{"probabilisticSampling":{"samplingRate":"0.25"},"extra":[1,{"x":2}]}""", "Probabilistic", 0.25, null)]
    [InlineData("""{"rateLimitingSampling":{"maxTracesPerSecond":5}}""", "RateLimiting", null, 5.0)]
    [InlineData("""{"strategyType":null}""", "Probabilistic", null, null)]
    [InlineData(""" {} """, "Probabilistic", null, null)]
    public void The_reader_accepts_what_jaeger_agents_and_clients_serve(string json, string type, double? rate, double? max)
    {
        var strategy = Read(json);

        Assert.Equal(Enum.Parse<SamplingStrategyType>(type), strategy.Type);
        Assert.Equal(rate, strategy.SamplingRate);
        Assert.Equal(max, strategy.MaxTracesPerSecond);
        Assert.Null(strategy.OperationSampling);
    }

    [Fact]
    public void A_per_operation_section_without_defaults_gets_jaegers_default_probability_and_zero_bounds()
    {
        var strategy = Read("""
            {"operationSampling":{"defaultLowerBoundTracesPerSecond":0.0016666666666666668,
              "perOperationStrategies":[{"operation":"GET:/search","probabilisticSampling":{"samplingRate":1}}]},
             "probabilisticSampling":{"samplingRate":0.001},"rateLimitingSampling":null,"strategyType":"PROBABILISTIC"}
            """);

        var operations = Assert.IsType<PerOperationSamplingStrategies>(strategy.OperationSampling);
        Assert.Equal(0.001, operations.DefaultSamplingProbability);
        Assert.Equal(0.0016666666666666668, operations.DefaultLowerBoundTracesPerSecond);
        Assert.Equal(0, operations.DefaultUpperBoundTracesPerSecond);
        Assert.Equal([new OperationSamplingStrategy("GET:/search", 1)], operations.PerOperationStrategies);
        Assert.Empty(Read("""{"operationSampling":{"perOperationStrategies":null}}""").OperationSampling!.PerOperationStrategies);
    }

    [Theory]
    [InlineData("not json", "must be JSON")]
    [InlineData("", "must be JSON")]
    [InlineData("""{"strategyType":"PROBABILISTIC" """, "must be JSON")]
    [InlineData("""{} {}""", "after a single JSON value")]
    [InlineData("""[1,2]""", "must be a JSON object, not an array")]
    [InlineData("""{"strategyType":"BOGUS"}""", "strategyType must be \"PROBABILISTIC\", \"RATE_LIMITING\", 0 or 1, not \"BOGUS\"")]
    [InlineData("""{"strategyType":2}""", "strategyType must be")]
    [InlineData("""{"strategyType":true}""", "strategyType must be")]
    [InlineData("""{"probabilisticSampling":5}""", "probabilisticSampling must be an object, not a number")]
    [InlineData("""{"probabilisticSampling":{}}""", "probabilisticSampling.samplingRate is missing")]
    [InlineData("""{"probabilisticSampling":{"samplingRate":1.5}}""", "probabilisticSampling.samplingRate must be from 0 to 1, not 1.5")]
    [InlineData("""{"probabilisticSampling":{"samplingRate":"NaN"}}""", "probabilisticSampling.samplingRate must be a number")]
    [InlineData("""{"probabilisticSampling":{"samplingRate":true}}""", "probabilisticSampling.samplingRate must be a number, not true")]
    [InlineData("""{"rateLimitingSampling":{"maxTracesPerSecond":-1}}""", "rateLimitingSampling.maxTracesPerSecond must not be negative")]
    [InlineData("""{"rateLimitingSampling":{"maxTracesPerSecond":"many"}}""", "rateLimitingSampling.maxTracesPerSecond must be a number")]
    [InlineData("""{"rateLimitingSampling":{"maxTracesPerSecond":1e400}}""", "rateLimitingSampling.maxTracesPerSecond must be a number")]
    [InlineData("""{"operationSampling":[]}""", "operationSampling must be an object")]
    [InlineData("""{"operationSampling":{"defaultSamplingProbability":2}}""", "operationSampling.defaultSamplingProbability must be from 0 to 1")]
    [InlineData("""{"operationSampling":{"perOperationStrategies":{}}}""", "operationSampling.perOperationStrategies must be an array")]
    [InlineData("""{"operationSampling":{"perOperationStrategies":[1]}}""", "operationSampling.perOperationStrategies[0] must be an object")]
    [InlineData("""{"operationSampling":{"perOperationStrategies":[{"probabilisticSampling":{"samplingRate":1}}]}}""", "perOperationStrategies[0].operation must be a string")]
    [InlineData("""{"operationSampling":{"perOperationStrategies":[{"operation":"a","probabilisticSampling":{"samplingRate":1}},{"operation":"b"}]}}""", "perOperationStrategies[1].probabilisticSampling is missing")]
    [InlineData("""{"operationSampling":{"perOperationStrategies":[{"operation":"a","probabilisticSampling":"x"}]}}""", "perOperationStrategies[0].probabilisticSampling must be an object, not a string")]
    [InlineData("""{"operationSampling":{"perOperationStrategies":[{"operation":"a","probabilisticSampling":{"samplingRate":-0.5}}]}}""", "perOperationStrategies[0].probabilisticSampling.samplingRate must not be negative")]
    public void The_reader_refuses_bad_json_with_a_message_naming_what_is_wrong(string json, string expected)
    {
        Assert.False(SamplingStrategyJson.TryRead(Encoding.UTF8.GetBytes(json), out var strategy, out var error));

        Assert.Null(strategy);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused_before_it_is_walked()
    {
        var json = """{"extra":""" + new string('[', 100) + new string(']', 100) + "}";

        Assert.False(SamplingStrategyJson.TryRead(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Contains("depth", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Per_operation_strategies_compare_by_their_operations()
    {
        var a = new PerOperationSamplingStrategies(0.5, 0, [new("x", 0.1)]);

        Assert.Equal(a, new PerOperationSamplingStrategies(0.5, 0, new List<OperationSamplingStrategy> { new("x", 0.1) }));
        Assert.NotEqual(a, new PerOperationSamplingStrategies(0.5, 0, [new("x", 0.2)]));
        Assert.NotEqual(a, a with { DefaultUpperBoundTracesPerSecond = 1 });
        Assert.Equal(a.GetHashCode(), new PerOperationSamplingStrategies(0.5, 0, [new("x", 0.1)]).GetHashCode());
    }

    private static SamplingStrategy Read(string json)
    {
        Assert.True(SamplingStrategyJson.TryRead(Encoding.UTF8.GetBytes(json), out var strategy, out var error), error);
        return strategy;
    }
}
