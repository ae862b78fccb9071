using Jaeger.Model;

namespace Jaeger.Storage;

/// <summary>Reads service-to-service call counts.</summary>
public interface IDependencyReader
{
    /// <summary>The links observed in the window (<paramref name="endTime"/> - <paramref name="lookback"/>, <paramref name="endTime"/>], one per parent and child pair.</summary>
    ValueTask<IReadOnlyList<DependencyLink>> GetDependenciesAsync(DateTimeOffset endTime, TimeSpan lookback, CancellationToken cancellationToken = default);
}

/// <summary>Stores service-to-service call counts aggregated elsewhere (for example by the collector).</summary>
public interface IDependencyWriter
{
    /// <summary>Stores links observed at <paramref name="timestamp"/>.</summary>
    ValueTask WriteDependenciesAsync(DateTimeOffset timestamp, IReadOnlyList<DependencyLink> links, CancellationToken cancellationToken = default);
}
