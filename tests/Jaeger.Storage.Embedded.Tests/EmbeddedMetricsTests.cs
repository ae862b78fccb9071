using Jaeger.Storage.Metrics;

namespace Jaeger.Storage.Embedded.Tests;

public sealed class EmbeddedMetricsTests
{
    [Fact]
    public async Task Aggregates_AreMergedPerKey_SurviveReopen_AndAnswerTheSharedReader()
    {
        using var folder = new TempFolder("metrics");
        var time = StoreFixtures.Clock();
        var minute = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        using (var store = StoreFixtures.Open(folder.Path, time))
        {
            await store.WriteMetricsAsync([Aggregate("shop", "GET /", "server", minute, 10, 1, 5000), Aggregate("shop", "GET /", "client", minute, 3, 0, 100)]);
            await store.WriteMetricsAsync([Aggregate("shop", "GET /", "server", minute, 20, 2, 9000), Aggregate("other", "x", "server", minute, 1, 0, 1)]);
        }

        using var reopened = StoreFixtures.Open(folder.Path, time);
        var read = await reopened.ReadAggregatesAsync(["shop"], minute, minute.AddMinutes(1));
        Assert.Equal(2, read.Count);
        var server = Assert.Single(read, a => a.SpanKind == "server");
        Assert.Equal((30L, 3L, 30L), (server.Calls, server.Errors, server.Latency.Count));
        Assert.InRange(server.Latency.Quantile(1), 9000 * 0.99, 9000 * 1.01);
        Assert.Empty(await reopened.ReadAggregatesAsync(["shop"], minute.AddMinutes(1), minute.AddMinutes(2)));

        var reader = new AggregateMetricsReader(reopened);
        var rates = await reader.GetErrorRatesAsync(new MetricsQueryParameters { ServiceNames = ["shop"], EndTime = minute.AddMinutes(1), Lookback = TimeSpan.FromMinutes(1), Step = TimeSpan.FromMinutes(1) });
        Assert.Equal(0.1, Assert.Single(Assert.Single(rates.Metrics).Points).Value, 12);
    }

    [Fact]
    public async Task Aggregates_ExpireWithTheTtl_AndGoWithPurge()
    {
        using var folder = new TempFolder("metrics-ttl");
        var time = StoreFixtures.Clock();
        var now = time.GetUtcNow();
        var minute = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        using var store = StoreFixtures.Open(folder.Path, time, o => o.Ttl = TimeSpan.FromHours(1));
        await store.WriteMetricsAsync([Aggregate("shop", "a", "server", minute.AddHours(-2), 1, 0, 1), Aggregate("shop", "b", "server", minute, 1, 0, 1)]);

        var read = await store.ReadAggregatesAsync(["shop"], minute.AddHours(-3), minute.AddMinutes(1));
        Assert.Equal("b", Assert.Single(read).Operation);

        await store.PurgeAsync();
        Assert.Empty(await store.ReadAggregatesAsync(["shop"], minute.AddHours(-3), minute.AddMinutes(1)));
    }

    private static SpanMetricsAggregate Aggregate(string service, string operation, string kind, DateTimeOffset minute, long calls, long errors, long micros)
    {
        var aggregate = new SpanMetricsAggregate(service, operation, kind, minute) { Calls = calls, Errors = errors };
        aggregate.Latency.Add(micros, calls);
        return aggregate;
    }
}
