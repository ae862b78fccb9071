using System.Diagnostics.Metrics;
using System.Text;
using Jaeger.Hosting.Diagnostics;
using Jaeger.Model;
using Jaeger.Storage;

namespace Jaeger.Collector.Pipeline;

/// <summary>
/// RED figures of the spans the collector passes, per service, operation, span kind and status: per minute for the
/// metrics store (calls, errors, a <see cref="Storage.Metrics.LatencySketch"/>), and as running totals in the shape of
/// OpenTelemetry's spanmetrics connector for <c>/metrics</c> (<c>traces_span_metrics_calls_total</c>,
/// <c>traces_span_metrics_duration_milliseconds</c>).
/// </summary>
/// <remarks>
/// Spans count in the minute the collector writes them (as the spanmetrics connector counts them when they pass), so
/// a minute is complete once the clock has left it. The per-span work is one pass over the span's tags and one
/// dictionary lookup under a lock taken once per batch; a series' state is created once and reused, so counting
/// allocates nothing in steady state. Series are capped at <c>maxSeries</c>: spans of further series are not counted
/// and are counted as such (<c>jaeger.collector.span_metrics.overflow</c>).
/// </remarks>
internal sealed class SpanMetricsAggregator
{
    /// <summary>The spanmetrics connector's default histogram bounds, in milliseconds.</summary>
    internal static readonly double[] BucketBoundsMs = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000];

    private static readonly string[] KindNames = ["", "internal", "server", "client", "producer", "consumer"];
    private static readonly string[] OtelKindNames = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"];
    private static readonly string[] StatusNames = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

    private const byte StatusOk = 1;
    private const byte StatusError = 2;

    private readonly Lock _gate = new();
    private readonly Dictionary<SeriesKey, SeriesState> _series = [];
    private readonly List<SpanMetricsAggregate> _completed = [];
    private readonly int _maxSeries;
    private readonly Counter<long>? _overflow;
    private long _openMinuteTicks = long.MinValue;

    public SpanMetricsAggregator(int maxSeries, Meter? meter)
    {
        _maxSeries = maxSeries;
        if (meter is not null)
        {
            _overflow = meter.CreateCounter<long>("jaeger.collector.span_metrics.overflow", "{span}", "Spans not counted in span metrics because the series cap was reached.");
            meter.CreateObservableCounter("traces.span.metrics.calls", ObserveCalls, "{call}", "Spans counted, by service_name, span_name, span_kind and status_code (OpenTelemetry spanmetrics names).");
        }
    }

    /// <summary>Counts the spans of one batch, all in the minute of <paramref name="now"/>.</summary>
    public void Add(Batch batch, DateTimeOffset now)
    {
        var service = batch.Process.ServiceName;
        var spans = batch.Spans;
        var overflow = 0;
        lock (_gate)
        {
            Roll(now);
            for (var i = 0; i < spans.Count; i++)
            {
                var span = spans[i];
                Classify(span, out var kind, out var status);
                var key = new SeriesKey(service, span.OperationName, kind, status);
                if (!_series.TryGetValue(key, out var state))
                {
                    if (_series.Count >= _maxSeries)
                    {
                        overflow++;
                        continue;
                    }

                    state = new SeriesState();
                    _series.Add(key, state);
                }

                state.Add(span.DurationMicros);
            }
        }

        if (overflow > 0)
        {
            _overflow?.Add(overflow);
        }
    }

    /// <summary>The aggregates of every minute the clock has left, once each; with <paramref name="includeOpen"/>, the open minute's too (a stop).</summary>
    public IReadOnlyList<SpanMetricsAggregate> TakeCompleted(DateTimeOffset now, bool includeOpen = false)
    {
        lock (_gate)
        {
            Roll(now);
            if (includeOpen)
            {
                Close();
            }

            if (_completed.Count == 0)
            {
                return [];
            }

            var result = _completed.ToArray();
            _completed.Clear();
            return result;
        }
    }

    /// <summary>Appends <c>traces_span_metrics_duration_milliseconds</c> as a Prometheus histogram of running totals.</summary>
    public void WriteHistogram(StringBuilder output)
    {
        const string Name = "traces_span_metrics_duration_milliseconds";
        var rows = new List<(string Labels, long[] Buckets, long Count, double SumMs)>();
        lock (_gate)
        {
            foreach (var (key, state) in _series)
            {
                rows.Add((Labels(key), (long[])state.TotalBuckets.Clone(), state.TotalCalls, state.TotalMicros / 1000.0));
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        rows.Sort(static (a, b) => string.CompareOrdinal(a.Labels, b.Labels));
        output.Append("# HELP ").Append(Name).Append(" Span durations, by service_name, span_name, span_kind and status_code (OpenTelemetry spanmetrics names).\n");
        output.Append("# TYPE ").Append(Name).Append(" histogram\n");
        foreach (var (labels, buckets, count, sum) in rows)
        {
            long cumulative = 0;
            for (var i = 0; i < BucketBoundsMs.Length; i++)
            {
                cumulative += buckets[i];
                output.Append(Name).Append("_bucket{").Append(labels).Append(",le=\"").Append(PrometheusMetrics.FormatValue(BucketBoundsMs[i])).Append("\"} ").Append(cumulative).Append('\n');
            }

            output.Append(Name).Append("_bucket{").Append(labels).Append(",le=\"+Inf\"} ").Append(count).Append('\n');
            output.Append(Name).Append("_sum{").Append(labels).Append("} ").Append(PrometheusMetrics.FormatValue(sum)).Append('\n');
            output.Append(Name).Append("_count{").Append(labels).Append("} ").Append(count).Append('\n');
        }
    }

    // One pass over the tags: span.kind, and the status from otel.status_code or the error tag.
    internal static void Classify(Span span, out byte kind, out byte status)
    {
        kind = 0;
        status = 0;
        var otelStatus = false;
        foreach (var tag in span.Tags)
        {
            var key = tag.Key;
            if (key.Length == 9 && string.Equals(key, WellKnownTags.SpanKind, StringComparison.Ordinal) && tag.Type == KeyValueType.String)
            {
                kind = tag.StringValue switch
                {
                    "internal" => 1,
                    "server" => 2,
                    "client" => 3,
                    "producer" => 4,
                    "consumer" => 5,
                    _ => 0,
                };
            }
            else if (key.Length == 5 && !otelStatus && string.Equals(key, WellKnownTags.Error, StringComparison.Ordinal) && tag.ValueEquals("true"))
            {
                status = StatusError;
            }
            else if (key.Length == 16 && string.Equals(key, "otel.status_code", StringComparison.Ordinal) && tag.Type == KeyValueType.String)
            {
                otelStatus = true;
                status = tag.StringValue switch
                {
                    "ERROR" => StatusError,
                    "OK" => StatusOk,
                    _ => status,
                };
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveCalls()
    {
        List<Measurement<long>> measurements;
        lock (_gate)
        {
            measurements = new List<Measurement<long>>(_series.Count);
            foreach (var (key, state) in _series)
            {
                measurements.Add(new Measurement<long>(
                    state.TotalCalls,
                    new KeyValuePair<string, object?>("service_name", key.Service),
                    new KeyValuePair<string, object?>("span_name", key.Operation),
                    new KeyValuePair<string, object?>("span_kind", OtelKindNames[key.Kind]),
                    new KeyValuePair<string, object?>("status_code", StatusNames[key.Status])));
            }
        }

        return measurements;
    }

    private static string Labels(SeriesKey key) =>
        $"service_name=\"{PrometheusMetrics.EscapeLabelValue(key.Service)}\",span_kind=\"{OtelKindNames[key.Kind]}\",span_name=\"{PrometheusMetrics.EscapeLabelValue(key.Operation)}\",status_code=\"{StatusNames[key.Status]}\"";

    // Under the lock: when the clock has left the open minute, its figures become aggregates.
    private void Roll(DateTimeOffset now)
    {
        var minute = now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute);
        if (minute != _openMinuteTicks)
        {
            Close();
            _openMinuteTicks = minute;
        }
    }

    private void Close()
    {
        if (_openMinuteTicks == long.MinValue)
        {
            return;
        }

        var minute = new DateTimeOffset(_openMinuteTicks, TimeSpan.Zero);
        Dictionary<(string, string, byte), SpanMetricsAggregate>? byKey = null;
        foreach (var (key, state) in _series)
        {
            if (state.MinuteCalls == 0)
            {
                continue;
            }

            byKey ??= [];
            if (!byKey.TryGetValue((key.Service, key.Operation, key.Kind), out var aggregate))
            {
                aggregate = new SpanMetricsAggregate(key.Service, key.Operation, KindNames[key.Kind], minute);
                byKey.Add((key.Service, key.Operation, key.Kind), aggregate);
                _completed.Add(aggregate);
            }

            aggregate.Calls += state.MinuteCalls;
            if (key.Status == StatusError)
            {
                aggregate.Errors += state.MinuteCalls;
            }

            aggregate.Latency.Merge(state.MinuteLatency);
            state.ResetMinute();
        }
    }

    private readonly record struct SeriesKey(string Service, string Operation, byte Kind, byte Status);

    private sealed class SeriesState
    {
        public long MinuteCalls;
        public readonly Storage.Metrics.LatencySketch MinuteLatency = new();
        public long TotalCalls;
        public long TotalMicros;
        public readonly long[] TotalBuckets = new long[BucketBoundsMs.Length];

        public void Add(long durationMicros)
        {
            MinuteCalls++;
            MinuteLatency.Add(durationMicros);
            TotalCalls++;
            TotalMicros += Math.Max(0, durationMicros);
            var ms = durationMicros / 1000.0;
            var bounds = BucketBoundsMs;
            for (var i = 0; i < bounds.Length; i++)
            {
                if (ms <= bounds[i])
                {
                    TotalBuckets[i]++;
                    break;
                }
            }
        }

        public void ResetMinute()
        {
            MinuteCalls = 0;
            MinuteLatency.Clear();
        }
    }
}
