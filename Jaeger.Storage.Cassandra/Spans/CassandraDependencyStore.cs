using Jaeger.Model;
using Jaeger.Storage.Cassandra.Protocol;

namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>
/// Jaeger's dependencies_v2 table: one row per aggregation run, in a daily partition (ts_bucket = ts truncated to the
/// UTC day); reads scan the day partitions of the window with <c>ts_bucket IN ?</c> at consistency ONE, as Jaeger.
/// </summary>
internal sealed class CassandraDependencyStore(CassandraStore store) : IDependencyReader, IDependencyWriter
{
    public async ValueTask WriteDependenciesAsync(DateTimeOffset timestamp, IReadOnlyList<DependencyLink> links, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(links);
        var udts = store.Rows.Udts;
        var values = new List<object?>(links.Count);
        foreach (var link in links)
        {
            values.Add(new CqlUdtValue(udts.Dependency, [link.Parent, link.Child, unchecked((long)link.CallCount), link.Source]));
        }

        var ts = DateTimeOffset.FromUnixTimeMilliseconds(timestamp.ToUnixTimeMilliseconds());
        await store.ExecuteAsync(CassandraStatements.InsertDependencies, [ts, DayBucket(ts), values], cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<DependencyLink>> GetDependenciesAsync(DateTimeOffset endTime, TimeSpan lookback, CancellationToken cancellationToken = default)
    {
        var start = endTime - lookback;
        var buckets = new List<object?>();
        for (var day = DayBucket(start); day <= endTime; day = day.AddDays(1))
        {
            buckets.Add(day);
        }

        // The contract's window is (end - lookback, end]; Jaeger's statement is ts >= start AND ts < end, so bounds are shifted by a millisecond.
        var from = DateTimeOffset.FromUnixTimeMilliseconds(start.ToUnixTimeMilliseconds() + 1);
        var to = DateTimeOffset.FromUnixTimeMilliseconds(endTime.ToUnixTimeMilliseconds() + 1);
        var result = await store.ExecuteAsync(CassandraStatements.SelectDependencies, [buckets, from, to], cancellationToken, consistency: CqlConsistency.One).ConfigureAwait(false);
        var totals = new Dictionary<(string, string), (ulong Count, string Source)>();
        if (result.Rows is { } rows)
        {
            for (var row = 0; row < rows.RowCount; row++)
            {
                foreach (var item in rows.Get(row, 1) as List<object?> ?? [])
                {
                    if (item is not CqlUdtValue link)
                    {
                        continue;
                    }

                    var key = (link["parent"] as string ?? string.Empty, link["child"] as string ?? string.Empty);
                    var source = link["source"] as string is { Length: > 0 } s ? s : "jaeger";
                    var count = unchecked((ulong)(link["call_count"] as long? ?? 0));
                    totals[key] = totals.TryGetValue(key, out var total) ? (total.Count + count, total.Source) : (count, source);
                }
            }
        }

        return [.. totals.Select(t => new DependencyLink(t.Key.Item1, t.Key.Item2, t.Value.Count, t.Value.Source))];
    }

    internal static DateTimeOffset DayBucket(DateTimeOffset time) => new(time.UtcDateTime.Date, TimeSpan.Zero);
}
