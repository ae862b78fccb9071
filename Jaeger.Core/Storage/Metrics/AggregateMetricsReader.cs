using System.Globalization;

namespace Jaeger.Storage.Metrics;

/// <summary>Reads the stored per-minute aggregates a <see cref="AggregateMetricsReader"/> queries.</summary>
public interface ISpanMetricsAggregateSource
{
    /// <summary>The aggregates of <paramref name="services"/> whose minute starts in [<paramref name="from"/>, <paramref name="to"/>), in any order.</summary>
    /// <param name="services">The services (at least one).</param>
    /// <param name="from">The first minute (inclusive).</param>
    /// <param name="to">The end (exclusive).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<IReadOnlyList<SpanMetricsAggregate>> ReadAggregatesAsync(IReadOnlyList<string> services, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);
}

/// <summary>
/// Answers <see cref="IMetricsReader"/> queries from per-minute <see cref="SpanMetricsAggregate"/>s, for every store that
/// keeps them (memory, embedded), with the semantics of Jaeger's Prometheus reader.
/// </summary>
/// <remarks>
/// <para>
/// Points are at <see cref="MetricsQueryParameters.EndTime"/>, and every <see cref="MetricsQueryParameters.Step"/>
/// before it down to the start of the window. A point at <c>t</c> covers the window <c>(t - W, t]</c>, where
/// <c>W</c> is <see cref="MetricsQueryParameters.RatePer"/> (at least one minute, the aggregates' width), and counts
/// the minutes that ended in it: as Prometheus' <c>rate(calls[W])</c> the call rate is the calls of those minutes per
/// second of <c>W</c>; the error rate is their errors over their calls; the latency is the quantile of their merged
/// sketches, in milliseconds, within <see cref="LatencySketch.RelativeAccuracy"/> of the exact value. A point whose
/// window has no call is left out.
/// </para>
/// <para>Series are per service (label <c>service_name</c>), or per service and operation (also <c>operation</c>) when grouped, sorted by their labels.</para>
/// </remarks>
public sealed class AggregateMetricsReader : IMetricsReader
{
    /// <summary>The most points one series may have, as Prometheus' range-query limit.</summary>
    public const int MaxPoints = 11_000;

    private readonly ISpanMetricsAggregateSource _source;

    /// <summary>Creates the reader.</summary>
    /// <param name="source">Where the aggregates are.</param>
    public AggregateMetricsReader(ISpanMetricsAggregateSource source) => _source = source ?? throw new ArgumentNullException(nameof(source));

    /// <inheritdoc />
    public TimeSpan MinStep => SpanMetricsAggregate.Width;

    /// <inheritdoc />
    public async ValueTask<MetricFamily> GetLatenciesAsync(MetricsQueryParameters query, double quantile, CancellationToken cancellationToken = default)
    {
        if (double.IsNaN(quantile) || quantile is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The quantile must be greater than 0 and at most 1.");
        }

        var help = quantile.ToString("0.00", CultureInfo.InvariantCulture) + "th quantile latency, grouped by service";
        return await ComputeAsync(query, MetricFamily.LatenciesName, help, Figure.Latency, quantile, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<MetricFamily> GetCallRatesAsync(MetricsQueryParameters query, CancellationToken cancellationToken = default) =>
        ComputeAsync(query, MetricFamily.CallRateName, "calls/sec, grouped by service", Figure.CallRate, 0, cancellationToken);

    /// <inheritdoc />
    public ValueTask<MetricFamily> GetErrorRatesAsync(MetricsQueryParameters query, CancellationToken cancellationToken = default) =>
        ComputeAsync(query, MetricFamily.ErrorRateName, "error rate, computed as a fraction of errors/sec over calls/sec, grouped by service", Figure.ErrorRate, 0, cancellationToken);

    private enum Figure
    {
        Latency,
        CallRate,
        ErrorRate,
    }

    private async ValueTask<MetricFamily> ComputeAsync(MetricsQueryParameters query, string name, string help, Figure figure, double quantile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var pointCount = query.Lookback.Ticks / query.Step.Ticks + 1;
        if (pointCount > MaxPoints)
        {
            throw new ArgumentException($"The lookback {query.Lookback} at a step of {query.Step} gives {pointCount} points; at most {MaxPoints} are allowed: use a longer step.", nameof(query));
        }

        if (query.GroupByOperation)
        {
            name = name.Replace("service", "service_operation", StringComparison.Ordinal);
            help += " & operation";
        }

        var width = SpanMetricsAggregate.Width;
        var window = query.RatePer < width ? width : query.RatePer;
        var end = query.EndTime.ToUniversalTime();
        var start = end - query.Lookback;

        // Minutes that ended in (start - window, end]: they start in (start - window - 1m, end - 1m].
        var from = Floor(start - window - width + TimeSpan.FromTicks(1));
        var to = Floor(end - width) + width;
        var aggregates = await _source.ReadAggregatesAsync(query.ServiceNames, from, to, cancellationToken).ConfigureAwait(false);

        var services = new HashSet<string>(query.ServiceNames, StringComparer.Ordinal);
        var kinds = new HashSet<string>(query.EffectiveSpanKinds, StringComparer.Ordinal);
        var series = new SortedDictionary<(string Service, string Operation), SortedDictionary<DateTimeOffset, SpanMetricsAggregate>>();
        foreach (var aggregate in aggregates)
        {
            if (!services.Contains(aggregate.Service) || !kinds.Contains(aggregate.SpanKind) || aggregate.Minute < from || aggregate.Minute >= to)
            {
                continue;
            }

            var key = (aggregate.Service, query.GroupByOperation ? aggregate.Operation : string.Empty);
            if (!series.TryGetValue(key, out var minutes))
            {
                series[key] = minutes = [];
            }

            if (!minutes.TryGetValue(aggregate.Minute, out var sum))
            {
                minutes[aggregate.Minute] = sum = new SpanMetricsAggregate(key.Item1, key.Item2, string.Empty, aggregate.Minute);
            }

            sum.Merge(aggregate);
        }

        var result = new List<MetricSeries>(series.Count);
        foreach (var ((service, operation), minutes) in series)
        {
            var list = new List<SpanMetricsAggregate>(minutes.Values);
            var points = new List<MetricPoint>();
            var merged = figure == Figure.Latency ? new LatencySketch() : null;
            for (var k = pointCount - 1; k >= 0; k--)
            {
                var t = end - (query.Step * k);

                // The minutes that ended in (t - window, t].
                var first = LowerBound(list, t - window - width + TimeSpan.FromTicks(1));
                long calls = 0, errors = 0;
                merged?.Clear();
                for (var i = first; i < list.Count && list[i].Minute + width <= t; i++)
                {
                    calls += list[i].Calls;
                    errors += list[i].Errors;
                    merged?.Merge(list[i].Latency);
                }

                if (calls == 0)
                {
                    continue;
                }

                var value = figure switch
                {
                    Figure.CallRate => calls / window.TotalSeconds,
                    Figure.ErrorRate => (double)errors / calls,
                    _ => merged!.Quantile(quantile) / 1000.0,
                };
                if (!double.IsNaN(value))
                {
                    points.Add(new MetricPoint(t, value));
                }
            }

            List<KeyValuePair<string, string>> labels = [new("service_name", service)];
            if (query.GroupByOperation)
            {
                labels.Add(new("operation", operation));
            }

            result.Add(new MetricSeries(labels, points));
        }

        return new MetricFamily(name, help, result);
    }

    private static DateTimeOffset Floor(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    // The first index whose minute is at or after the given time (the list is sorted by minute).
    private static int LowerBound(List<SpanMetricsAggregate> list, DateTimeOffset time)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (list[mid].Minute < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
