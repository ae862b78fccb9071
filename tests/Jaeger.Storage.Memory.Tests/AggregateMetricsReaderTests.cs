using Jaeger.Storage.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.Memory.Tests;

public sealed class AggregateMetricsReaderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task CallRate_IsCallsOfTheMinutesEndedInTheWindow_PerSecondOfRatePer()
    {
        var (reader, store) = Create();
        await store.WriteMetricsAsync([Aggregate("a", "GET /", "server", T0, calls: 60), Aggregate("a", "GET /", "server", T0.AddMinutes(1), calls: 120)]);

        var family = await reader.GetCallRatesAsync(Query(end: T0.AddMinutes(2), lookback: TimeSpan.FromMinutes(2), step: TimeSpan.FromMinutes(1), ratePer: TimeSpan.FromMinutes(1)));

        Assert.Equal("service_call_rate", family.Name);
        Assert.Equal("calls/sec, grouped by service", family.Help);
        var series = Assert.Single(family.Metrics);
        Assert.Equal([new("service_name", "a")], series.Labels);

        // At T0+1m the first minute ended (60 calls / 60 s); at T0+2m the second (120 / 60 s); T0 has none.
        Assert.Equal([new MetricPoint(T0.AddMinutes(1), 1.0), new MetricPoint(T0.AddMinutes(2), 2.0)], series.Points);

        // A ten-minute rate spreads the same calls over 600 seconds.
        var ten = await reader.GetCallRatesAsync(Query(end: T0.AddMinutes(2), lookback: TimeSpan.FromMinutes(1), step: TimeSpan.FromMinutes(1), ratePer: TimeSpan.FromMinutes(10)));
        Assert.Equal([new MetricPoint(T0.AddMinutes(1), 0.1), new MetricPoint(T0.AddMinutes(2), 0.3)], Assert.Single(ten.Metrics).Points);
    }

    [Fact]
    public async Task ErrorRate_GroupedByOperation_IsErrorsOverCalls_WithJaegersNames()
    {
        var (reader, store) = Create();
        await store.WriteMetricsAsync(
        [
            Aggregate("a", "GET /x", "server", T0, calls: 10, errors: 5),
            Aggregate("a", "GET /y", "server", T0, calls: 4, errors: 0),
            Aggregate("a", "GET /x", "client", T0, calls: 100, errors: 100),
            Aggregate("b", "GET /x", "server", T0, calls: 100, errors: 100),
        ]);

        var family = await reader.GetErrorRatesAsync(Query(end: T0.AddMinutes(1), lookback: TimeSpan.FromMinutes(1), step: TimeSpan.FromMinutes(1)) with { GroupByOperation = true });

        Assert.Equal("service_operation_error_rate", family.Name);
        Assert.EndsWith("grouped by service & operation", family.Help, StringComparison.Ordinal);
        Assert.Equal(2, family.Metrics.Count);
        Assert.Equal([new("service_name", "a"), new("operation", "GET /x")], family.Metrics[0].Labels);
        Assert.Equal(0.5, Assert.Single(family.Metrics[0].Points).Value);
        Assert.Equal([new("service_name", "a"), new("operation", "GET /y")], family.Metrics[1].Labels);
        Assert.Equal(0, Assert.Single(family.Metrics[1].Points).Value);

        // Both kinds: the client calls count too.
        var both = await reader.GetErrorRatesAsync(Query(end: T0.AddMinutes(1), lookback: TimeSpan.FromMinutes(1), step: TimeSpan.FromMinutes(1)) with { SpanKinds = ["server", "client"] });
        Assert.Equal(105.0 / 114, Assert.Single(Assert.Single(both.Metrics).Points).Value, 12);
    }

    [Fact]
    public async Task Latency_IsTheQuantileOfMergedMinutes_InMilliseconds()
    {
        var (reader, store) = Create();
        var first = Aggregate("a", "op", "server", T0, calls: 0);
        var second = Aggregate("a", "op", "server", T0.AddMinutes(1), calls: 0);
        for (var i = 1; i <= 100; i++)
        {
            // 1..100 ms over two minutes.
            var target = i % 2 == 0 ? first : second;
            target.Calls++;
            target.Latency.Add(i * 1000L);
        }

        await store.WriteMetricsAsync([first, second]);
        var family = await reader.GetLatenciesAsync(Query(end: T0.AddMinutes(2), lookback: TimeSpan.Zero + TimeSpan.FromMinutes(1), step: TimeSpan.FromMinutes(1)), 0.95);

        Assert.Equal("service_latencies", family.Name);
        Assert.Equal("0.95th quantile latency, grouped by service", family.Help);
        var points = Assert.Single(family.Metrics).Points;
        Assert.Equal(2, points.Count);

        // At T0+2m both minutes are in the 10-minute window: p95 of 1..100 ms is the 95th value (rank 94).
        Assert.Equal(T0.AddMinutes(2), points[1].Timestamp);
        Assert.InRange(points[1].Value, 95 * 0.99, 95 * 1.01);
    }

    [Fact]
    public async Task BadQueries_AreRefused()
    {
        var (reader, _) = Create();
        await Assert.ThrowsAsync<ArgumentException>(async () => await reader.GetCallRatesAsync(Query(T0, TimeSpan.FromDays(30), TimeSpan.FromMilliseconds(1))));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await reader.GetLatenciesAsync(Query(T0, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)), 0));
        await Assert.ThrowsAsync<ArgumentException>(async () => await reader.GetCallRatesAsync(Query(T0, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)) with { ServiceNames = [] }));
    }

    [Fact]
    public async Task MemoryStore_MergesRepeatedKeys_AndForgetsMinutesPastRetention()
    {
        var time = new FakeTimeProvider(T0);
        var store = new InMemoryMetricsStore(TimeSpan.FromMinutes(10), time);
        await store.WriteMetricsAsync([Aggregate("a", "op", "server", T0, calls: 1)]);
        await store.WriteMetricsAsync([Aggregate("a", "op", "server", T0, calls: 2)]);
        var read = await store.ReadAggregatesAsync(["a"], T0, T0.AddMinutes(1));
        Assert.Equal(3, Assert.Single(read).Calls);

        time.Advance(TimeSpan.FromMinutes(11));
        Assert.Empty(await store.ReadAggregatesAsync(["a"], T0, T0.AddMinutes(1)));
        Assert.Equal(0, store.Count);
    }

    private static (AggregateMetricsReader Reader, InMemoryMetricsStore Store) Create()
    {
        var store = new InMemoryMetricsStore(TimeSpan.FromDays(3650));
        return (new AggregateMetricsReader(store), store);
    }

    private static MetricsQueryParameters Query(DateTimeOffset end, TimeSpan lookback, TimeSpan step, TimeSpan? ratePer = null) => new()
    {
        ServiceNames = ["a"],
        EndTime = end,
        Lookback = lookback,
        Step = step,
        RatePer = ratePer ?? TimeSpan.FromMinutes(10),
    };

    private static SpanMetricsAggregate Aggregate(string service, string operation, string kind, DateTimeOffset minute, long calls, long errors = 0)
    {
        var aggregate = new SpanMetricsAggregate(service, operation, kind, minute) { Calls = calls, Errors = errors };
        aggregate.Latency.Add(1000, calls);
        return aggregate;
    }
}
