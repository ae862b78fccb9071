using System.Globalization;

namespace Jaeger.Storage.ClickHouse.Metrics;

/// <summary>What a RED metrics query asks for: services, span kinds (empty for all), the window ending at <see cref="End"/>, and the step.</summary>
internal sealed record RedQuery(IReadOnlyList<string> Services, DateTimeOffset End, TimeSpan Lookback, TimeSpan Step, bool GroupByOperation = false, IReadOnlyList<string>? SpanKinds = null);

/// <summary>One series: a service (and operation when grouped) with a value per step.</summary>
internal sealed record MetricSeries(string Service, string? Operation, IReadOnlyList<MetricPoint> Points);

/// <summary>A value at the start of a step.</summary>
internal readonly record struct MetricPoint(DateTimeOffset Timestamp, double Value);

/// <summary>
/// Span-derived RED metrics computed by ClickHouse over Jaeger v2's <c>spans</c> table, as Jaeger v2's ClickHouse
/// metrics reader does: per step (<c>toStartOfInterval</c>) and service, optionally operation, filtered by span
/// kind; latency is <c>quantile(q)(duration)</c> in milliseconds, the call rate is calls per second of the step,
/// and the error rate is the share of calls with the <c>Error</c> status. The query service's metrics contract
/// comes later; this is the SQL it will call.
/// </summary>
internal sealed class RedMetricsQuery(ClickHouseDatabase db)
{
    public Task<IReadOnlyList<MetricSeries>> GetLatenciesAsync(RedQuery query, double quantile, CancellationToken cancellationToken = default)
    {
        if (quantile is <= 0 or > 1 || double.IsNaN(quantile))
        {
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The quantile must be in (0, 1].");
        }

        return RunAsync(query, $"quantile({quantile.ToString("R", CultureInfo.InvariantCulture)})(duration) / 1e6", "latencies", cancellationToken);
    }

    public Task<IReadOnlyList<MetricSeries>> GetCallRatesAsync(RedQuery query, CancellationToken cancellationToken = default) =>
        RunAsync(query, "count() / {step:UInt32}", "call rates", cancellationToken);

    public Task<IReadOnlyList<MetricSeries>> GetErrorRatesAsync(RedQuery query, CancellationToken cancellationToken = default) =>
        RunAsync(query, "countIf(status_code = 'Error') / count()", "error rates", cancellationToken);

    private async Task<IReadOnlyList<MetricSeries>> RunAsync(RedQuery query, string value, string operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Step < TimeSpan.FromSeconds(1) || query.Lookback <= TimeSpan.Zero)
        {
            throw new ArgumentException("The step must be at least one second and the lookback positive.", nameof(query));
        }

        var kinds = query.SpanKinds is { Count: > 0 } k ? k : null;
        var byOperation = query.GroupByOperation ? ", name" : string.Empty;
        var operationColumn = query.GroupByOperation ? "name" : "''";
        var sql = "SELECT\n"
            + "    toUnixTimestamp(toStartOfInterval(toDateTime(start_time), toIntervalSecond({step:UInt32}))) AS ts,\n"
            + $"    service_name, {operationColumn},\n"
            + $"    {value} AS val\n"
            + $"FROM {db.Table("spans")}\n"
            + "WHERE start_time >= fromUnixTimestamp64Nano({from:Int64}) AND start_time < fromUnixTimestamp64Nano({to:Int64})\n"
            + (query.Services.Count > 0 ? "    AND service_name IN {services:Array(String)}\n" : string.Empty)
            + (kinds is null ? string.Empty : "    AND kind IN {kinds:Array(String)}\n")
            + $"GROUP BY ts, service_name{byOperation}\n"
            + $"ORDER BY service_name{byOperation}, ts";
        var parameters = new List<global::ClickHouse.Driver.ADO.Parameters.ClickHouseDbParameter>
        {
            ClickHouseDatabase.Parameter("step", "UInt32", (uint)query.Step.TotalSeconds),
            ClickHouseDatabase.Parameter("from", "Int64", Reading.TraceSearch.Nanos(query.End - query.Lookback)),
            ClickHouseDatabase.Parameter("to", "Int64", Reading.TraceSearch.Nanos(query.End)),
        };
        if (query.Services.Count > 0)
        {
            parameters.Add(ClickHouseDatabase.Parameter("services", "Array(String)", query.Services.ToArray()));
        }

        if (kinds is not null)
        {
            parameters.Add(ClickHouseDatabase.Parameter("kinds", "Array(String)", kinds.ToArray()));
        }

        var series = new List<MetricSeries>();
        var points = new List<MetricPoint>();
        string? service = null, name = null;
        await db.ReadAsync(
            operation,
            sql,
            r =>
            {
                var rowService = r.GetString(1);
                var rowName = query.GroupByOperation ? r.GetString(2) : null;
                if (service is not null && (rowService != service || rowName != name))
                {
                    series.Add(new MetricSeries(service, name, [.. points]));
                    points.Clear();
                }

                service = rowService;
                name = rowName;
                var value = Convert.ToDouble(r.GetValue(3), CultureInfo.InvariantCulture);
                points.Add(new MetricPoint(DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture)), double.IsNaN(value) ? 0 : value));
            },
            cancellationToken,
            parameters).ConfigureAwait(false);
        if (service is not null)
        {
            series.Add(new MetricSeries(service, name, [.. points]));
        }

        return series;
    }
}
