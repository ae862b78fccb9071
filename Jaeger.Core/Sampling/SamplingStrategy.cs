namespace Jaeger.Sampling;

/// <summary>The kind of a sampling strategy; the values are the codes of Jaeger's Thrift and protobuf enums.</summary>
public enum SamplingStrategyType
{
    /// <summary>Sample each trace with a fixed probability.</summary>
    Probabilistic = 0,

    /// <summary>Sample at most a number of traces per second.</summary>
    RateLimiting = 1,
}

/// <summary>The probabilistic rate of one operation.</summary>
/// <param name="Operation">The operation name.</param>
/// <param name="SamplingRate">The probability, 0 to 1.</param>
public readonly record struct OperationSamplingStrategy(string Operation, double SamplingRate);

/// <summary>Per-operation strategies of a service. Two instances are equal when their values and operation lists are.</summary>
/// <param name="DefaultSamplingProbability">The probability of operations not listed.</param>
/// <param name="DefaultLowerBoundTracesPerSecond">The guaranteed minimum rate per operation (Jaeger's file store leaves it 0).</param>
/// <param name="PerOperationStrategies">The listed operations.</param>
/// <param name="DefaultUpperBoundTracesPerSecond">The maximum rate per operation (0 when unset).</param>
public sealed record PerOperationSamplingStrategies(
    double DefaultSamplingProbability,
    double DefaultLowerBoundTracesPerSecond,
    IReadOnlyList<OperationSamplingStrategy> PerOperationStrategies,
    double DefaultUpperBoundTracesPerSecond = 0)
{
    /// <inheritdoc />
    public bool Equals(PerOperationSamplingStrategies? other) =>
        other is not null &&
        DefaultSamplingProbability.Equals(other.DefaultSamplingProbability) &&
        DefaultLowerBoundTracesPerSecond.Equals(other.DefaultLowerBoundTracesPerSecond) &&
        DefaultUpperBoundTracesPerSecond.Equals(other.DefaultUpperBoundTracesPerSecond) &&
        PerOperationStrategies.SequenceEqual(other.PerOperationStrategies);

    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(DefaultSamplingProbability, DefaultLowerBoundTracesPerSecond, DefaultUpperBoundTracesPerSecond, PerOperationStrategies.Count);
}

/// <summary>
/// A service's sampling strategy: Jaeger's api_v2 <c>SamplingStrategyResponse</c>, which the collector serves, the
/// agent relays at <c>GET /sampling</c> and clients apply. A section that is null is absent on the wire.
/// </summary>
public sealed record SamplingStrategy
{
    /// <summary>The default when no strategy is configured: probabilistic 0.001.</summary>
    public static SamplingStrategy Default { get; } = Probabilistic(0.001);

    /// <summary>The kind (<c>strategyType</c>).</summary>
    public SamplingStrategyType Type { get; init; }

    /// <summary>The probability (<c>probabilisticSampling.samplingRate</c>), or null when that section is absent.</summary>
    public double? SamplingRate { get; init; }

    /// <summary>
    /// Traces per second (<c>rateLimitingSampling.maxTracesPerSecond</c>), or null when that section is absent.
    /// Jaeger's protobuf field is an int32, so the gRPC form truncates a fraction; the JSON form keeps it.
    /// </summary>
    public double? MaxTracesPerSecond { get; init; }

    /// <summary>Per-operation strategies (<c>operationSampling</c>), or null.</summary>
    public PerOperationSamplingStrategies? OperationSampling { get; init; }

    /// <summary>A probabilistic strategy.</summary>
    public static SamplingStrategy Probabilistic(double rate) => new() { Type = SamplingStrategyType.Probabilistic, SamplingRate = rate };

    /// <summary>A rate-limiting strategy.</summary>
    public static SamplingStrategy RateLimiting(double maxTracesPerSecond) => new() { Type = SamplingStrategyType.RateLimiting, MaxTracesPerSecond = maxTracesPerSecond };
}
