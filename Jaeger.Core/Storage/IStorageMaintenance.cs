namespace Jaeger.Storage;

/// <summary>Operator actions on a store, and what it keeps.</summary>
public interface IStorageMaintenance
{
    /// <summary>How long and how much the store keeps.</summary>
    StorageRetention Retention { get; }

    /// <summary>Removes every span, trace, dependency and sampling record the store holds (tests and operators).</summary>
    ValueTask PurgeAsync(CancellationToken cancellationToken = default);
}

/// <summary>What a store keeps; null where it sets no bound.</summary>
/// <param name="MaxAge">Data older than this is removed (a TTL).</param>
/// <param name="MaxBytes">The store keeps its size under this, removing the oldest data first.</param>
/// <param name="MaxTraces">The store keeps at most this many traces, removing the oldest first.</param>
public readonly record struct StorageRetention(TimeSpan? MaxAge = null, long? MaxBytes = null, long? MaxTraces = null);
