using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Metrics;
using Jaeger.Storage.ClickHouse.Tests.Engine;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>RED metrics computed by the real engine from stored spans: per step, service, operation and span kind.</summary>
public sealed class RedMetricsTests
{
    // Two one-minute steps: 10:00 and 10:01.
    private static readonly DateTimeOffset Step0 = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = Step0.AddMinutes(2);

    [EngineFact]
    public async Task Latency_quantiles_call_rates_and_error_rates_are_computed_per_step_service_and_operation()
    {
        await using var storage = await EngineStorage.CreateAsync();
        var api = new Process("api");
        var db = new Process("db");
        await storage.Writer.WriteSpansAsync(
        [
            Span(1, api, "GET /a", Step0.AddSeconds(1), 10_000, "server"),
            Span(2, api, "GET /a", Step0.AddSeconds(2), 20_000, "server", error: true),
            Span(3, api, "GET /a", Step0.AddSeconds(3), 30_000, "server"),
            Span(4, api, "GET /b", Step0.AddSeconds(70), 40_000, "server"),
            Span(5, api, "call db", Step0.AddSeconds(4), 5_000, "client"),
            Span(6, db, "SELECT", Step0.AddSeconds(5), 4_000, "server", error: true),
            Span(7, api, "GET /a", End.AddSeconds(1), 99_000, "server"), // after the window
        ]);
        var metrics = new RedMetricsQuery(storage.Database);
        var query = new RedQuery(["api"], End, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1), SpanKinds: ["server"]);

        var calls = await metrics.GetCallRatesAsync(query);
        var errors = await metrics.GetErrorRatesAsync(query);
        var p50 = await metrics.GetLatenciesAsync(query, 0.5);
        var byOperation = await metrics.GetLatenciesAsync(query with { GroupByOperation = true }, 0.95);
        var allKinds = await metrics.GetCallRatesAsync(query with { SpanKinds = null, Services = [] });

        var series = Assert.Single(calls);
        Assert.Equal(("api", (string?)null), (series.Service, series.Operation));
        Assert.Equal([new MetricPoint(Step0, 3 / 60.0), new MetricPoint(Step0.AddMinutes(1), 1 / 60.0)], series.Points);
        Assert.Equal([new MetricPoint(Step0, 1 / 3.0), new MetricPoint(Step0.AddMinutes(1), 0)], Assert.Single(errors).Points);
        Assert.Equal([new MetricPoint(Step0, 20), new MetricPoint(Step0.AddMinutes(1), 40)], Assert.Single(p50).Points);

        Assert.Equal(["GET /a", "GET /b"], byOperation.Select(s => s.Operation));
        Assert.Equal(29, byOperation[0].Points.Single().Value, precision: 6); // 10, 20, 30 ms: the 95th percentile interpolates to 29
        Assert.Equal([("api", 4 / 60.0, 1 / 60.0), ("db", 1 / 60.0, double.NaN)], allKinds.Select(s => (s.Service, s.Points[0].Value, s.Points.Count > 1 ? s.Points[1].Value : double.NaN)));
    }

    [Fact]
    public async Task A_quantile_outside_zero_to_one_is_refused()
    {
        using var db = new ClickHouseDatabase(new ClickHouseStorageOptions());

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new RedMetricsQuery(db).GetLatenciesAsync(new RedQuery([], End, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)), 1.5));
    }

    private static Span Span(ulong id, Process process, string operation, DateTimeOffset start, long durationMicros, string kind, bool error = false) => new()
    {
        TraceId = new TraceId(0x4ED, id),
        SpanId = new SpanId(id),
        OperationName = operation,
        Process = process,
        StartTime = start,
        DurationMicros = durationMicros,
        Tags = error ? [KeyValue.String("span.kind", kind), KeyValue.Bool("error", true)] : [KeyValue.String("span.kind", kind)],
    };
}
