using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Jaeger.Hosting.Diagnostics;

/// <summary>
/// Collects the measurements of every meter named <c>Jaeger.*</c> that this host's <see cref="IMeterFactory"/> created
/// (or that has no factory), aggregated per instrument and tag set, and renders them in the Prometheus text exposition
/// format 0.0.4 for an admin server's <c>/metrics</c> (as Jaeger serves on its admin ports). One instance per host.
/// </summary>
internal sealed class PrometheusMetrics : IDisposable
{
    /// <summary>The content type of <see cref="Render"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private const string MeterPrefix = "Jaeger.";

    // Prometheus' default buckets, for durations in seconds.
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // OpenTelemetry's default explicit buckets, for anything else.
    private static readonly double[] DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly object? _scope;
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();
    private readonly Lock _renderLock = new();
    private readonly List<Action<StringBuilder>> _extraWriters = [];

    /// <summary>Starts listening.</summary>
    /// <param name="meterFactory">Only meters this factory created (or created without a factory) are collected, so two hosts in one process keep apart.</param>
    public PrometheusMetrics(IMeterFactory? meterFactory)
    {
        _scope = meterFactory;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal) &&
                    (instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, _scope)))
                {
                    _instruments.TryAdd(instrument, new InstrumentState(instrument));
                    listener.EnableMeasurementEvents(instrument);
                }
            },
            MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentState? _),
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<short>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<byte>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<decimal>((i, v, tags, _) => Record(i, (double)v, tags));
        _listener.Start();
    }

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    /// <summary>Reads the observable instruments, then renders every series.</summary>
    public string Render()
    {
        var output = new StringBuilder(4096);
        lock (_renderLock)
        {
            _listener.RecordObservableInstruments();
            var byName = new SortedDictionary<string, List<InstrumentState>>(StringComparer.Ordinal);
            foreach (var state in _instruments.Values)
            {
                if (!byName.TryGetValue(state.Name, out var list))
                {
                    byName[state.Name] = list = [];
                }

                list.Add(state);
            }

            foreach (var (name, states) in byName)
            {
                var first = states[0];
                if (!string.IsNullOrEmpty(first.Description))
                {
                    output.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(first.Description)).Append('\n');
                }

                output.Append("# TYPE ").Append(name).Append(' ').Append(first.Kind switch
                {
                    Kind.Counter => "counter",
                    Kind.Histogram => "histogram",
                    _ => "gauge",
                }).Append('\n');

                // Series of several instruments with one name (e.g. one meter per host without a factory) are merged.
                var series = new SortedDictionary<string, Series>(StringComparer.Ordinal);
                foreach (var state in states)
                {
                    foreach (var (labels, value) in state.Series)
                    {
                        if (series.TryGetValue(labels, out var existing))
                        {
                            series[labels] = existing.Merge(value);
                        }
                        else
                        {
                            series[labels] = value.Copy();
                        }
                    }
                }

                foreach (var (labels, value) in series)
                {
                    value.Write(output, name, labels, first.Buckets);
                }
            }

            foreach (var write in _extraWriters)
            {
                write(output);
            }
        }

        return output.ToString();
    }

    /// <summary>
    /// Adds families rendered by their owner after the instruments' (for figures <c>System.Diagnostics.Metrics</c>
    /// cannot carry without a measurement per event, such as a histogram kept as running bucket totals).
    /// </summary>
    public void AddWriter(Action<StringBuilder> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        lock (_renderLock)
        {
            _extraWriters.Add(write);
        }
    }

    /// <summary>Maps <c>GET /metrics</c> to <see cref="Render"/>.</summary>
    public void Map(IEndpointRouteBuilder routes) =>
        routes.MapGet("/metrics", (HttpContext context) =>
        {
            context.Response.ContentType = ContentType;
            return context.Response.WriteAsync(Render(), context.RequestAborted);
        });

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    /// <summary>A Prometheus metric name: characters outside [a-zA-Z0-9_:] become '_', and a leading digit gets a '_' prefix.</summary>
    internal static string SanitizeName(string name) => Sanitize(name, allowColon: true);

    /// <summary>A Prometheus label name: characters outside [a-zA-Z0-9_] become '_', and a leading digit gets a '_' prefix.</summary>
    internal static string SanitizeLabel(string name) => Sanitize(name, allowColon: false);

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    internal static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A sample value as Prometheus spells it (+Inf, -Inf, NaN, else the shortest round-trip form).</summary>
    internal static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>The exposed name of an instrument: sanitized, with the unit's suffix for base units, and "_total" for counters.</summary>
    internal static string MetricName(Instrument instrument)
    {
        var name = SanitizeName(instrument.Name);
        var unitSuffix = instrument.Unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => string.Empty,
        };
        if (unitSuffix.Length > 0 && !name.EndsWith(unitSuffix, StringComparison.Ordinal))
        {
            name += unitSuffix;
        }

        if (KindOf(instrument) == Kind.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    private static Kind KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>))
        {
            return Kind.Counter;
        }

        return definition == typeof(Histogram<>) ? Kind.Histogram : Kind.Gauge;
    }

    private static string Sanitize(string name, bool allowColon)
    {
        var builder = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' || (allowColon && c == ':');
            builder.Append(ok ? c : '_');
        }

        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    private static string EscapeHelp(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string LabelKey(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var pairs = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            pairs[i] = new(SanitizeLabel(tags[i].Key), Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var builder = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(key).Append("=\"").Append(EscapeLabelValue(value)).Append('"');
        }

        return builder.ToString();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_instruments.TryGetValue(instrument, out var state))
        {
            state.Record(value, tags);
        }
    }

    private sealed class InstrumentState
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly bool _observable;

        public InstrumentState(Instrument instrument)
        {
            Name = MetricName(instrument);
            Description = instrument.Description;
            Kind = KindOf(instrument);
            _observable = instrument.IsObservable;
            Buckets = Kind != Kind.Histogram ? [] : AdvisedBuckets(instrument) ?? (instrument.Unit == "s" ? SecondsBuckets : DefaultBuckets);
        }

        public string Name { get; }

        public string? Description { get; }

        public Kind Kind { get; }

        public double[] Buckets { get; }

        public IEnumerable<KeyValuePair<string, Series>> Series => _series;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var key = LabelKey(tags);
            if (!_series.TryGetValue(key, out var series))
            {
                series = _series.GetOrAdd(key, _ => new Series(Buckets.Length));
            }

            if (Kind == Kind.Histogram)
            {
                series.Observe(value, Buckets);
            }
            else if (_observable)
            {
                // Observable instruments report their current value (a total for observable counters).
                series.Set(value);
            }
            else
            {
                series.Add(value);
            }
        }

        private static double[]? AdvisedBuckets(Instrument instrument) => instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
    }

    /// <summary>One series: a value, or a histogram's bucket counts, sum and count.</summary>
    private sealed class Series
    {
        private readonly Lock _lock = new();
        private readonly long[] _bucketCounts;
        private double _value;
        private long _count;

        public Series(int buckets) => _bucketCounts = new long[buckets];

        public void Add(double value)
        {
            lock (_lock)
            {
                _value += value;
            }
        }

        public void Set(double value)
        {
            lock (_lock)
            {
                _value = value;
            }
        }

        public void Observe(double value, double[] bounds)
        {
            var index = Array.BinarySearch(bounds, value);
            if (index < 0)
            {
                index = ~index;
            }

            lock (_lock)
            {
                if (index < _bucketCounts.Length)
                {
                    _bucketCounts[index]++;
                }

                _count++;
                _value += value;
            }
        }

        public Series Copy()
        {
            var copy = new Series(_bucketCounts.Length);
            lock (_lock)
            {
                Array.Copy(_bucketCounts, copy._bucketCounts, _bucketCounts.Length);
                copy._value = _value;
                copy._count = _count;
            }

            return copy;
        }

        public Series Merge(Series other)
        {
            lock (other._lock)
            {
                for (var i = 0; i < _bucketCounts.Length; i++)
                {
                    _bucketCounts[i] += other._bucketCounts[i];
                }

                _value += other._value;
                _count += other._count;
            }

            return this;
        }

        public void Write(StringBuilder output, string name, string labels, double[] bounds)
        {
            lock (_lock)
            {
                if (bounds.Length == 0)
                {
                    Line(output, name, labels, null, _value);
                    return;
                }

                long cumulative = 0;
                for (var i = 0; i < bounds.Length; i++)
                {
                    cumulative += _bucketCounts[i];
                    Line(output, name + "_bucket", labels, FormatValue(bounds[i]), cumulative);
                }

                Line(output, name + "_bucket", labels, "+Inf", _count);
                Line(output, name + "_sum", labels, null, _value);
                Line(output, name + "_count", labels, null, _count);
            }
        }

        private static void Line(StringBuilder output, string name, string labels, string? le, double value)
        {
            output.Append(name);
            if (labels.Length > 0 || le is not null)
            {
                output.Append('{').Append(labels);
                if (le is not null)
                {
                    output.Append(labels.Length > 0 ? "," : string.Empty).Append("le=\"").Append(le).Append('"');
                }

                output.Append('}');
            }

            output.Append(' ').Append(FormatValue(value)).Append('\n');
        }
    }
}
