using Jaeger.Sampling;

namespace Jaeger.Agent.Hosting.Sampling;

/// <summary>Where the agent gets a service's strategy from (a collector over HTTP or gRPC, or a fixed default).</summary>
internal interface ISamplingStrategySource
{
    Task<SamplingStrategy> GetStrategyAsync(string serviceName, CancellationToken cancellationToken);
}

/// <summary>Jaeger's collector default when nothing else is configured: probabilistic 0.001.</summary>
internal sealed class DefaultSamplingStrategySource : ISamplingStrategySource
{
    public Task<SamplingStrategy> GetStrategyAsync(string serviceName, CancellationToken cancellationToken) => Task.FromResult(SamplingStrategy.Default);
}
