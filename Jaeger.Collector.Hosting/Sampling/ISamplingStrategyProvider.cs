using Jaeger.Sampling;

namespace Jaeger.Collector.Sampling;

/// <summary>Answers which sampling strategy a service should use (the collector's strategy store).</summary>
public interface ISamplingStrategyProvider
{
    /// <summary>The strategy for <paramref name="serviceName"/>: its own when configured, else the default.</summary>
    ValueTask<SamplingStrategy> GetSamplingStrategyAsync(string serviceName, CancellationToken cancellationToken = default);
}
