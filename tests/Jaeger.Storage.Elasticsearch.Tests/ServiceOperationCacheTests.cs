using Jaeger.Storage.Elasticsearch.Writing;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>The write de-duplication of service documents, per index and pair, with its TTL and bound.</summary>
public sealed class ServiceOperationCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_pair_is_written_once_per_index_within_the_ttl_and_again_after_it()
    {
        var time = new FakeTimeProvider(Now);
        var cache = new ServiceOperationCache(time, TimeSpan.FromHours(1));

        Assert.True(cache.ShouldWrite("jaeger-service-2026-12-07", "svc", "op", out var id));
        Assert.Equal(ServiceOperationCache.Id("svc", "op"), id);
        Assert.False(cache.ShouldWrite("jaeger-service-2026-12-07", "svc", "op", out id));
        Assert.Equal(string.Empty, id);
        Assert.True(cache.ShouldWrite("jaeger-service-2026-12-07", "svc", "op2", out _));
        Assert.True(cache.ShouldWrite("jaeger-service-2026-12-07", "svc2", "op", out _));
        Assert.True(cache.ShouldWrite("jaeger-service-2026-12-08", "svc", "op", out _));

        time.Advance(TimeSpan.FromMinutes(59));
        Assert.False(cache.ShouldWrite("jaeger-service-2026-12-07", "svc", "op", out _));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(cache.ShouldWrite("jaeger-service-2026-12-07", "svc", "op", out _));
        Assert.False(cache.ShouldWrite("jaeger-service-2026-12-07", "svc", "op", out _));
    }

    [Fact]
    public void The_operations_of_a_batch_resolved_once_share_the_entries_of_the_pair_lookup()
    {
        var time = new FakeTimeProvider(Now);
        var cache = new ServiceOperationCache(time, TimeSpan.FromHours(1));
        var operations = cache.For(new string("jaeger-service-2026-12-07"), new string("svc"));

        Assert.True(cache.ShouldWrite(operations, "op", cache.NowTicks(), out var id));
        Assert.Equal(ServiceOperationCache.Id("svc", "op"), id);
        Assert.False(cache.ShouldWrite("jaeger-service-2026-12-07", "svc", "op", out _));
        Assert.False(cache.ShouldWrite(operations, "op", cache.NowTicks(), out _));
        Assert.True(cache.ShouldWrite(operations, "op", cache.NowTicks() + TimeSpan.FromHours(1).Ticks, out _));
    }

    [Fact]
    public void A_forgotten_pair_is_written_again()
    {
        var cache = new ServiceOperationCache(new FakeTimeProvider(Now), TimeSpan.FromHours(1));
        Assert.True(cache.ShouldWrite("i", "svc", "op", out _));
        Assert.True(cache.ShouldWrite("i", "svc", "other", out _));

        cache.Forget("i", "svc", "op");

        Assert.True(cache.ShouldWrite("i", "svc", "op", out _));
        Assert.False(cache.ShouldWrite("i", "svc", "other", out _));
    }

    [Fact]
    public void A_ttl_of_zero_writes_every_time()
    {
        var cache = new ServiceOperationCache(new FakeTimeProvider(Now), TimeSpan.Zero);

        Assert.True(cache.ShouldWrite("i", "svc", "op", out var first));
        Assert.True(cache.ShouldWrite("i", "svc", "op", out var second));
        Assert.Equal(first, second);
    }

    [Fact]
    public void At_capacity_expired_entries_are_dropped_first_and_everything_only_when_none_expired()
    {
        var time = new FakeTimeProvider(Now);
        var cache = new ServiceOperationCache(time, TimeSpan.FromHours(1));
        for (var i = 0; i < 50_000; i++)
        {
            Assert.True(cache.ShouldWrite("old", "svc", $"op-{i}", out _));
        }

        time.Advance(TimeSpan.FromMinutes(30));
        for (var i = 0; i < 50_000; i++)
        {
            Assert.True(cache.ShouldWrite("new", "svc", $"op-{i}", out _));
        }

        // Full: the first 50 000 have expired and make room; the younger half stays.
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.True(cache.ShouldWrite("new", "svc", "one-more", out _));
        Assert.False(cache.ShouldWrite("new", "svc", "op-0", out _));
        Assert.False(cache.ShouldWrite("new", "svc", "op-49999", out _));
        Assert.True(cache.ShouldWrite("old", "svc", "op-0", out _));

        // Full again with nothing expired: everything goes, so a younger pair is written again.
        for (var i = 1; i < 49_999; i++)
        {
            Assert.True(cache.ShouldWrite("old", "svc", $"op-{i}", out _));
        }

        Assert.True(cache.ShouldWrite("old", "svc", "op-49999", out _));
        Assert.True(cache.ShouldWrite("other", "svc", "op", out _));
        Assert.True(cache.ShouldWrite("new", "svc", "op-0", out _));
        Assert.False(cache.ShouldWrite("new", "svc", "op-0", out _));
    }
}
