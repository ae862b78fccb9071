using System.Collections.Immutable;

namespace Jaeger.Agent.Hosting.Sampling;

/// <summary>The sampling strategy types, with the codes of Jaeger's Thrift enum (used by the legacy endpoint).</summary>
internal enum SamplingStrategyType
{
    Probabilistic = 0,
    RateLimiting = 1,
}

/// <summary>A service's sampling strategy as the collector serves it (api_v2 SamplingStrategyResponse).</summary>
internal sealed record SamplingStrategy(
    SamplingStrategyType Type,
    double? SamplingRate,
    int? MaxTracesPerSecond,
    PerOperationSampling? Operations);

/// <summary>Per-operation probabilities with the service defaults.</summary>
internal sealed record PerOperationSampling(
    double DefaultSamplingProbability,
    double DefaultLowerBoundTracesPerSecond,
    ImmutableArray<OperationSampling> Strategies,
    double DefaultUpperBoundTracesPerSecond);

/// <summary>One operation's probability.</summary>
internal readonly record struct OperationSampling(string Operation, double SamplingRate);

/// <summary>Where the agent gets a service's strategy from (a collector over HTTP or gRPC, or a fixed default).</summary>
internal interface ISamplingStrategySource
{
    Task<SamplingStrategy> GetStrategyAsync(string serviceName, CancellationToken cancellationToken);
}

/// <summary>Jaeger's collector default when nothing else is configured: probabilistic 0.001.</summary>
internal sealed class DefaultSamplingStrategySource : ISamplingStrategySource
{
    public static SamplingStrategy Default { get; } = new(SamplingStrategyType.Probabilistic, 0.001, null, null);

    public Task<SamplingStrategy> GetStrategyAsync(string serviceName, CancellationToken cancellationToken) => Task.FromResult(Default);
}
