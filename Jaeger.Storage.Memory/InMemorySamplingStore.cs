namespace Jaeger.Storage.Memory;

/// <summary>Adaptive sampling's throughput and probabilities in memory, with the times they were stored.</summary>
internal sealed class InMemorySamplingStore(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly List<(DateTimeOffset At, OperationThroughput[] Throughput)> _throughput = [];
    private ServiceOperationValues _probabilities = [];

    // Throughput older than this is never asked for by adaptive sampling (its look-back is minutes); it is dropped so memory stays bounded.
    private static readonly TimeSpan Kept = TimeSpan.FromDays(1);

    public ValueTask InsertThroughputAsync(IReadOnlyList<OperationThroughput> throughput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(throughput);
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        lock (_lock)
        {
            _throughput.Add((now, [.. throughput]));
            _throughput.RemoveAll(t => t.At < now - Kept);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<OperationThroughput>> GetThroughputAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var found = new List<OperationThroughput>();
        lock (_lock)
        {
            foreach (var (at, throughput) in _throughput)
            {
                if (at >= start && at < end)
                {
                    found.AddRange(throughput);
                }
            }
        }

        return new ValueTask<IReadOnlyList<OperationThroughput>>(found);
    }

    public ValueTask InsertProbabilitiesAndQpsAsync(string hostname, ServiceOperationValues probabilities, ServiceOperationValues qps, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(qps);
        cancellationToken.ThrowIfCancellationRequested();
        var copy = Copy(probabilities);
        lock (_lock)
        {
            _probabilities = copy;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<ServiceOperationValues> GetLatestProbabilitiesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return new ValueTask<ServiceOperationValues>(Copy(_probabilities));
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _throughput.Clear();
            _probabilities = [];
        }
    }

    private static ServiceOperationValues Copy(ServiceOperationValues values)
    {
        var copy = new ServiceOperationValues();
        foreach (var (service, operations) in values)
        {
            foreach (var (operation, value) in operations)
            {
                copy.Set(service, operation, value);
            }
        }

        return copy;
    }
}

/// <summary>Leases in memory: atomic within this process, which is all an in-memory store is shared by.</summary>
internal sealed class InMemoryLeaseStore(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Owner, DateTimeOffset Expires)> _leases = new(StringComparer.Ordinal);

    public ValueTask<bool> TryAcquireAsync(string resource, string owner, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_leases.TryGetValue(resource, out var lease) && lease.Expires > now && !string.Equals(lease.Owner, owner, StringComparison.Ordinal))
            {
                return new ValueTask<bool>(false);
            }

            _leases[resource] = (owner, now + ttl);
            return new ValueTask<bool>(true);
        }
    }

    public ValueTask<bool> ForfeitAsync(string resource, string owner, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_leases.TryGetValue(resource, out var lease) && string.Equals(lease.Owner, owner, StringComparison.Ordinal) && lease.Expires > time.GetUtcNow())
            {
                _leases.Remove(resource);
                return new ValueTask<bool>(true);
            }

            return new ValueTask<bool>(false);
        }
    }
}
