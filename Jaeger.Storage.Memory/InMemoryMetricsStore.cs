using Jaeger.Storage.Metrics;

namespace Jaeger.Storage.Memory;

/// <summary>
/// Keeps the collector's per-minute RED aggregates in memory for <see cref="InMemoryStorageOptions.MetricsRetention"/>,
/// merging aggregates written for the same service, operation, span kind and minute; read through
/// <see cref="AggregateMetricsReader"/>.
/// </summary>
public sealed class InMemoryMetricsStore : IMetricsWriter, ISpanMetricsAggregateSource
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;

    // Minute -> (service, operation, kind) -> aggregate; sorted by minute so expiry removes from the front.
    private readonly SortedDictionary<DateTimeOffset, Dictionary<(string Service, string Operation, string Kind), SpanMetricsAggregate>> _minutes = [];

    /// <summary>Creates an empty store.</summary>
    /// <param name="retention">How long aggregates are kept, counted from their minute.</param>
    /// <param name="time">The clock retention is measured with; null for the system clock.</param>
    public InMemoryMetricsStore(TimeSpan retention, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        _retention = retention;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The aggregates held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                var n = 0;
                foreach (var minute in _minutes.Values)
                {
                    n += minute.Count;
                }

                return n;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask WriteMetricsAsync(IReadOnlyList<SpanMetricsAggregate> aggregates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(aggregates);
        cancellationToken.ThrowIfCancellationRequested();
        var oldest = _time.GetUtcNow() - _retention;
        lock (_lock)
        {
            foreach (var aggregate in aggregates)
            {
                ArgumentNullException.ThrowIfNull(aggregate, nameof(aggregates));
                if (aggregate.Minute + SpanMetricsAggregate.Width <= oldest)
                {
                    continue;
                }

                if (!_minutes.TryGetValue(aggregate.Minute, out var keys))
                {
                    _minutes[aggregate.Minute] = keys = [];
                }

                var key = (aggregate.Service, aggregate.Operation, aggregate.SpanKind);
                if (keys.TryGetValue(key, out var stored))
                {
                    stored.Merge(aggregate);
                }
                else
                {
                    // A copy: the writer's aggregate stays the caller's.
                    var copy = new SpanMetricsAggregate(aggregate.Service, aggregate.Operation, aggregate.SpanKind, aggregate.Minute);
                    copy.Merge(aggregate);
                    keys[key] = copy;
                }
            }

            Expire(oldest);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SpanMetricsAggregate>> ReadAggregatesAsync(IReadOnlyList<string> services, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        cancellationToken.ThrowIfCancellationRequested();
        var wanted = new HashSet<string>(services, StringComparer.Ordinal);
        var result = new List<SpanMetricsAggregate>();
        lock (_lock)
        {
            Expire(_time.GetUtcNow() - _retention);
            foreach (var (minute, keys) in _minutes)
            {
                if (minute < from)
                {
                    continue;
                }

                if (minute >= to)
                {
                    break;
                }

                foreach (var aggregate in keys.Values)
                {
                    if (wanted.Contains(aggregate.Service))
                    {
                        // Copies, so a reader's merge never races a writer's.
                        var copy = new SpanMetricsAggregate(aggregate.Service, aggregate.Operation, aggregate.SpanKind, aggregate.Minute);
                        copy.Merge(aggregate);
                        result.Add(copy);
                    }
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<SpanMetricsAggregate>>(result);
    }

    /// <summary>Forgets every aggregate.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _minutes.Clear();
        }
    }

    private void Expire(DateTimeOffset oldest)
    {
        while (_minutes.Count > 0)
        {
            var first = _minutes.Keys.First();
            if (first + SpanMetricsAggregate.Width > oldest)
            {
                return;
            }

            _minutes.Remove(first);
        }
    }
}
