using Jaeger.Sampling;

namespace Jaeger.Agent.Hosting.Sampling;

/// <summary>
/// Serves strategies from a source and keeps each service's answer for a TTL. Failures are not cached. The number of
/// cached services is bounded; when full, expired entries are removed, and if none expired the cache is cleared.
/// </summary>
internal sealed class SamplingStrategyCache
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ISamplingStrategySource _source;
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly int _maxServices;

    public SamplingStrategyCache(ISamplingStrategySource source, TimeProvider time, TimeSpan ttl, int maxServices)
    {
        _source = source;
        _time = time;
        _ttl = ttl;
        _maxServices = maxServices;
    }

    public async Task<SamplingStrategy> GetAsync(string serviceName, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_entries.TryGetValue(serviceName, out var entry) && entry.Expires > now)
            {
                return entry.Strategy;
            }
        }

        var strategy = await _source.GetStrategyAsync(serviceName, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_entries.Count >= _maxServices && !_entries.ContainsKey(serviceName))
            {
                foreach (var (key, entry) in _entries)
                {
                    if (entry.Expires <= now)
                    {
                        _entries.Remove(key);
                    }
                }

                if (_entries.Count >= _maxServices)
                {
                    _entries.Clear();
                }
            }

            _entries[serviceName] = new Entry(strategy, now + _ttl);
        }

        return strategy;
    }

    private readonly record struct Entry(SamplingStrategy Strategy, DateTimeOffset Expires);
}
