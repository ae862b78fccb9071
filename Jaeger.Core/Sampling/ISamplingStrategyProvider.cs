namespace Jaeger.Sampling;

/// <summary>
/// Answers which sampling strategy a service should use: the collector's strategy store implements it, and an agent
/// in the same host asks it directly (no loopback HTTP); across hosts the agent asks the collector's endpoint.
/// </summary>
public interface ISamplingStrategyProvider
{
    /// <summary>The strategy for <paramref name="serviceName"/>: its own when configured, else the default.</summary>
    ValueTask<SamplingStrategy> GetSamplingStrategyAsync(string serviceName, CancellationToken cancellationToken = default);
}
