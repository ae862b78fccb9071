namespace Jaeger.Storage.Elasticsearch.Writing;

/// <summary>
/// Jaeger's write de-duplication of service documents: a pair written to an index is not written there again for
/// <see cref="ElasticsearchStorageOptions.ServiceCacheTtl"/>. Jaeger keys its cache by the pair alone, so a new daily
/// index may wait up to the TTL for its document; keyed by index and pair, each new index gets it at once.
/// Bounded at 100 000 entries, as Jaeger's LRU.
/// </summary>
internal sealed class ServiceOperationCache
{
    private const int Capacity = 100_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Index, string Service, string Operation), long> _expiry = new();
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;

    public ServiceOperationCache(TimeProvider time, TimeSpan ttl)
    {
        _time = time;
        _ttl = ttl;
    }

    /// <summary>
    /// True when the pair must be written now (and remembers it as written), with the document id in
    /// <paramref name="id"/>; the id is computed only then, so a cached pair costs no allocation.
    /// </summary>
    public bool ShouldWrite(string index, string service, string operation, out string id)
    {
        id = string.Empty;
        if (_ttl <= TimeSpan.Zero)
        {
            id = Id(service, operation);
            return true;
        }

        var now = _time.GetUtcNow().UtcTicks;
        var key = (index, service, operation);
        if (_expiry.TryGetValue(key, out var cached) && cached > now)
        {
            // The common case, without the lock: ConcurrentDictionary reads are lock-free.
            return false;
        }

        lock (_lock)
        {
            if (_expiry.TryGetValue(key, out var until) && until > now)
            {
                return false;
            }

            if (_expiry.Count >= Capacity)
            {
                foreach (var entry in _expiry.Where(e => e.Value <= now).Select(e => e.Key).ToList())
                {
                    _expiry.TryRemove(entry, out _);
                }

                if (_expiry.Count >= Capacity)
                {
                    _expiry.Clear();
                }
            }

            _expiry[key] = now + _ttl.Ticks;
        }

        id = Id(service, operation);
        return true;
    }

    /// <summary>Forgets a pair whose write failed, so the next span writes it again.</summary>
    public void Forget(string index, string service, string operation)
    {
        lock (_lock)
        {
            _expiry.TryRemove((index, service, operation), out _);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _expiry.Clear();
        }
    }

    /// <summary>Jaeger's service document id: FNV-1a 64 of the UTF-8 service name then operation name, lower-case hex without padding.</summary>
    public static string Id(string service, string operation)
    {
        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var hash = offset;
        Span<byte> buffer = stackalloc byte[256];
        foreach (var text in (ReadOnlySpan<string>)[service, operation])
        {
            var bytes = System.Text.Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..System.Text.Encoding.UTF8.GetBytes(text, buffer)] : System.Text.Encoding.UTF8.GetBytes(text);
            foreach (var b in bytes)
            {
                hash ^= b;
                hash *= prime;
            }
        }

        return hash.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    }
}
