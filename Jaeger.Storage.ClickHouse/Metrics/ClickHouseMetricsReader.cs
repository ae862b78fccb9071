using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;

namespace Jaeger.Storage.ClickHouse.Metrics;

/// <summary>
/// Span-derived RED metrics computed by ClickHouse over Jaeger v2's <c>spans</c> table, per service (and operation),
/// for the span kinds asked (the <c>kind</c> column holds the same lower-case names, <c>""</c> for unspecified).
/// </summary>
/// <remarks>
/// <para>
/// Points sit at <c>EndTime - k * Step</c> for k = 0 .. ceil(Lookback / Step) - 1, returned oldest first. The latency
/// at a point is <c>quantile(q)(duration)</c> in milliseconds over its step, the half-open <c>[t - Step, t)</c> (as
/// Jaeger v2's ClickHouse reader groups by step). Call and error rates at a point cover <c>[t - RatePer, t)</c>, as
/// Prometheus' <c>rate(calls[ratePer])</c> evaluated at t does for Jaeger's span metrics: calls in that window divided
/// by its seconds, and errors (<c>status_code = 'Error'</c>) divided by calls. A point whose window holds no call is
/// left out. Names and help texts are Jaeger's (<c>service_operation_*</c> when grouped by operation).
/// </para>
/// <para>
/// Rates do not hand every span to every point it counts for: spans are first counted per bucket of
/// <c>gcd(Step, RatePer)</c> (each bucket lies wholly inside or outside each point's window), and each non-empty
/// bucket is then spread over the points whose window holds it.
/// </para>
/// </remarks>
internal sealed class ClickHouseMetricsReader(ClickHouseDatabase db) : IMetricsReader
{
    /// <summary>The most points one series may have (Prometheus' limit on a range query).</summary>
    public const int MaxPoints = 11_000;

    private const string Where =
        "WHERE start_time >= fromUnixTimestamp64Nano({from:Int64}) AND start_time < fromUnixTimestamp64Nano({end:Int64})\n"
        + "    AND service_name IN {services:Array(String)} AND kind IN {kinds:Array(String)}\n";

    /// <inheritdoc />
    public TimeSpan MinStep => TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public async ValueTask<MetricFamily> GetLatenciesAsync(MetricsQueryParameters query, double quantile, CancellationToken cancellationToken = default)
    {
        var window = Check(query);
        if (double.IsNaN(quantile) || quantile is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The quantile must be in (0, 1], for example 0.95.");
        }

        var sql = "SELECT service_name, " + OperationColumn(query) + " AS operation,\n"
            + "    intDiv({end:Int64} - toUnixTimestamp64Nano(start_time) - 1, {step:Int64}) AS k,\n"
            + $"    quantile({quantile.ToString("R", CultureInfo.InvariantCulture)})(duration) / 1e6 AS value\n"
            + $"FROM {db.Table("spans")}\n"
            + Where
            + "GROUP BY service_name, operation, k\n"
            + "ORDER BY service_name, operation, k DESC";
        var parameters = window.Parameters(query, from: window.EndNanos - (window.Points * window.StepNanos));
        var series = await ReadSeriesAsync("latencies", sql, parameters, query, cancellationToken).ConfigureAwait(false);
        var help = $"{quantile.ToString("0.00", CultureInfo.InvariantCulture)}th quantile latency, grouped by {Grouping(query)}";
        return new MetricFamily(Name(query, "latencies"), help, series);
    }

    /// <inheritdoc />
    public async ValueTask<MetricFamily> GetCallRatesAsync(MetricsQueryParameters query, CancellationToken cancellationToken = default)
    {
        var window = Check(query);
        var series = await ReadRatesAsync("call rates", $"calls / {window.RateSeconds.ToString("R", CultureInfo.InvariantCulture)}", query, window, cancellationToken).ConfigureAwait(false);
        return new MetricFamily(Name(query, "call_rate"), $"calls/sec, grouped by {Grouping(query)}", series);
    }

    /// <inheritdoc />
    public async ValueTask<MetricFamily> GetErrorRatesAsync(MetricsQueryParameters query, CancellationToken cancellationToken = default)
    {
        var window = Check(query);
        var series = await ReadRatesAsync("error rates", "errors / calls", query, window, cancellationToken).ConfigureAwait(false);
        return new MetricFamily(Name(query, "error_rate"), $"error rate, computed as a fraction of errors/sec over calls/sec, grouped by {Grouping(query)}", series);
    }

    // Jaeger's names: service_latencies, or service_operation_latencies when grouped by operation (the UI keys on them).
    private static string Name(MetricsQueryParameters query, string metric) => (query.GroupByOperation ? "service_operation_" : "service_") + metric;

    private static string Grouping(MetricsQueryParameters query) => query.GroupByOperation ? "service & operation" : "service";

    private static string OperationColumn(MetricsQueryParameters query) => query.GroupByOperation ? "name" : "''";

    private Window Check(MetricsQueryParameters query)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        if (query.Step < MinStep)
        {
            throw new ArgumentException($"The step must be at least {MinStep}, not {query.Step}.", nameof(query));
        }

        var points = (long)Math.Ceiling(query.Lookback.Ticks / (double)query.Step.Ticks);
        if (points > MaxPoints)
        {
            throw new ArgumentException($"A lookback of {query.Lookback} at a step of {query.Step} makes {points} points; at most {MaxPoints} are allowed.", nameof(query));
        }

        return new Window(query, (int)points);
    }

    private Task<IReadOnlyList<MetricSeries>> ReadRatesAsync(string what, string value, MetricsQueryParameters query, Window window, CancellationToken cancellationToken)
    {
        var sql = "SELECT service_name, operation, k, sum(bucket_calls) AS calls, sum(bucket_errors) AS errors, " + value + " AS value\n"
            + "FROM (\n"
            + "    SELECT service_name, " + OperationColumn(query) + " AS operation,\n"
            + "        intDiv({end:Int64} - toUnixTimestamp64Nano(start_time) - 1, {bucket:Int64}) AS j,\n"
            + "        count() AS bucket_calls, countIf(status_code = 'Error') AS bucket_errors\n"
            + $"    FROM {db.Table("spans")}\n"
            + "    " + Where
            + "    GROUP BY service_name, operation, j\n"
            + ")\n"
            // Bucket j counts for point k when k * a <= j < k * a + r (a = Step and r = RatePer, both in buckets).
            + "ARRAY JOIN range(toUInt64(if(j >= {r:Int64}, intDiv(j - {r:Int64} + {a:Int64}, {a:Int64}), 0)), toUInt64(least({points:Int64}, intDiv(j, {a:Int64}) + 1))) AS k\n"
            + "GROUP BY service_name, operation, k\n"
            + "HAVING calls > 0\n"
            + "ORDER BY service_name, operation, k DESC";
        var parameters = window.Parameters(query, from: window.EndNanos - ((window.Points - 1) * window.StepNanos) - window.RateNanos);
        parameters.Add(ClickHouseDatabase.Parameter("bucket", "Int64", window.BucketNanos));
        parameters.Add(ClickHouseDatabase.Parameter("a", "Int64", window.StepNanos / window.BucketNanos));
        parameters.Add(ClickHouseDatabase.Parameter("r", "Int64", window.RateNanos / window.BucketNanos));
        parameters.Add(ClickHouseDatabase.Parameter("points", "Int64", (long)window.Points));
        return ReadSeriesAsync(what, sql, parameters, query, cancellationToken, valueColumn: 5);
    }

    private async Task<IReadOnlyList<MetricSeries>> ReadSeriesAsync(string what, string sql, List<ClickHouseDbParameter> parameters, MetricsQueryParameters query, CancellationToken cancellationToken, int valueColumn = 3)
    {
        var series = new List<MetricSeries>();
        var points = new List<MetricPoint>();
        string? service = null, operation = null;
        await db.ReadAsync(
            what,
            sql,
            r =>
            {
                var rowService = r.GetString(0);
                var rowOperation = r.GetString(1);
                if (service is not null && (rowService != service || rowOperation != operation))
                {
                    series.Add(Series(service, operation!, points, query.GroupByOperation));
                    points.Clear();
                }

                service = rowService;
                operation = rowOperation;
                var k = Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture);
                points.Add(new MetricPoint(query.EndTime - (k * query.Step), Convert.ToDouble(r.GetValue(valueColumn), CultureInfo.InvariantCulture)));
            },
            cancellationToken,
            parameters).ConfigureAwait(false);
        if (service is not null)
        {
            series.Add(Series(service, operation!, points, query.GroupByOperation));
        }

        return series;
    }

    private static MetricSeries Series(string service, string operation, List<MetricPoint> points, bool byOperation) => new(
        byOperation
            ? [new KeyValuePair<string, string>("service_name", service), new KeyValuePair<string, string>("operation", operation)]
            : [new KeyValuePair<string, string>("service_name", service)],
        [.. points]);

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    /// <summary>The query's figures in nanoseconds, as the SQL takes them.</summary>
    private readonly struct Window(MetricsQueryParameters query, int points)
    {
        public int Points { get; } = points;

        public long EndNanos { get; } = Reading.TraceSearch.Nanos(query.EndTime);

        public long StepNanos { get; } = query.Step.Ticks * 100;

        public long RateNanos { get; } = query.RatePer.Ticks * 100;

        public long BucketNanos { get; } = Gcd(query.Step.Ticks, query.RatePer.Ticks) * 100;

        public double RateSeconds { get; } = query.RatePer.TotalSeconds;

        public List<ClickHouseDbParameter> Parameters(MetricsQueryParameters query, long from) =>
        [
            ClickHouseDatabase.Parameter("end", "Int64", EndNanos),
            ClickHouseDatabase.Parameter("from", "Int64", from),
            ClickHouseDatabase.Parameter("step", "Int64", StepNanos),
            ClickHouseDatabase.Parameter("services", "Array(String)", query.ServiceNames.ToArray()),
            ClickHouseDatabase.Parameter("kinds", "Array(String)", query.EffectiveSpanKinds.ToArray()),
        ];
    }
}
