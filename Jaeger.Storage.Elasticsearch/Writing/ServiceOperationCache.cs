using System.Collections.Concurrent;

namespace Jaeger.Storage.Elasticsearch.Writing;

/// <summary>
/// Jaeger's write de-duplication of service documents: a pair written to an index is not written there again for
/// <see cref="ElasticsearchStorageOptions.ServiceCacheTtl"/>. Jaeger keys its cache by the pair alone, so a new daily
/// index may wait up to the TTL for its document; keyed by index and pair, each new index gets it at once.
/// Bounded at 100 000 entries, as Jaeger's LRU.
/// </summary>
/// <remarks>
/// Two levels: (index, service), then operation. The spans of a batch share their service and, but for the turn of a
/// day (or hour), their index, so a write call resolves the first level once per batch (<see cref="For"/>) and a span
/// then hashes only its operation name. Entries are added under a lock; reads are lock-free.
/// </remarks>
internal sealed class ServiceOperationCache
{
    private const int Capacity = 100_000;
    private readonly ConcurrentDictionary<(string Index, string Service), Operations> _services = new();
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;

    // Entries in every Operations, kept under _lock; recounted when the cache is pruned.
    private int _count;

    public ServiceOperationCache(TimeProvider time, TimeSpan ttl)
    {
        _time = time;
        _ttl = ttl;
    }

    /// <summary>The current time in UTC ticks, read once per write call and passed to <see cref="ShouldWrite(Operations, string, long, out string)"/>.</summary>
    public long NowTicks() => _time.GetUtcNow().UtcTicks;

    /// <summary>The operations of <paramref name="service"/> written to <paramref name="index"/>.</summary>
    public Operations For(string index, string service) =>
        _services.TryGetValue((index, service), out var operations)
            ? operations
            : _services.GetOrAdd((index, service), static key => new Operations(key.Index, key.Service));

    /// <summary>
    /// True when the pair must be written now (and remembers it as written), with the document id in
    /// <paramref name="id"/>; the id is computed only then, so a cached pair costs no allocation.
    /// </summary>
    public bool ShouldWrite(string index, string service, string operation, out string id) =>
        ShouldWrite(For(index, service), operation, NowTicks(), out id);

    /// <summary>As <see cref="ShouldWrite(string, string, string, out string)"/>, for an operation of <paramref name="operations"/> at <paramref name="now"/> (UTC ticks).</summary>
    public bool ShouldWrite(Operations operations, string operation, long now, out string id)
    {
        id = string.Empty;
        if (_ttl <= TimeSpan.Zero)
        {
            id = Id(operations.Service, operation);
            return true;
        }

        if (operations.Expiry.TryGetValue(operation, out var cached) && cached > now)
        {
            // The common case, without the lock: ConcurrentDictionary reads are lock-free.
            return false;
        }

        lock (_lock)
        {
            var known = operations.Expiry.TryGetValue(operation, out var until);
            if (known && until > now)
            {
                return false;
            }

            if (!known && _count >= Capacity)
            {
                Prune(now);
                _services.TryAdd((operations.Index, operations.Service), operations);
            }

            operations.Expiry[operation] = now + _ttl.Ticks;
            if (!known)
            {
                _count++;
            }
        }

        id = Id(operations.Service, operation);
        return true;
    }

    /// <summary>Forgets a pair whose write failed, so the next span writes it again.</summary>
    public void Forget(string index, string service, string operation)
    {
        lock (_lock)
        {
            if (_services.TryGetValue((index, service), out var operations) && operations.Expiry.TryRemove(operation, out _))
            {
                _count--;
            }
        }
    }

    /// <summary>Forgets every pair (the indices were deleted).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            // A write call holding an Operations of before keeps filling it unseen: its pairs are written again later.
            _services.Clear();
            _count = 0;
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

    // Under _lock, at capacity: drops the expired entries, and everything when that is not enough.
    private void Prune(long now)
    {
        var count = 0;
        foreach (var (key, operations) in _services)
        {
            foreach (var entry in operations.Expiry)
            {
                if (entry.Value <= now)
                {
                    operations.Expiry.TryRemove(entry.Key, out _);
                }
            }

            if (operations.Expiry.IsEmpty)
            {
                // A write call may still hold it: what it adds there is lost, which only costs a repeated document.
                _services.TryRemove(key, out _);
            }

            count += operations.Expiry.Count;
        }

        if (count >= Capacity)
        {
            foreach (var operations in _services.Values)
            {
                operations.Expiry.Clear();
            }

            count = 0;
        }

        _count = count;
    }

    /// <summary>The operations of one service written to one index, with the time each may be written again.</summary>
    internal sealed class Operations
    {
        public Operations(string index, string service)
        {
            Index = index;
            Service = service;
        }

        public string Index { get; }

        public string Service { get; }

        public ConcurrentDictionary<string, long> Expiry { get; } = new(StringComparer.Ordinal);
    }
}
