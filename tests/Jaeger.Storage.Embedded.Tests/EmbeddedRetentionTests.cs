using Jaeger.Model;
using Jaeger.Testing;

namespace Jaeger.Storage.Embedded.Tests;

public sealed class EmbeddedRetentionTests : IDisposable
{
    private readonly TempFolder _folder = new("retention");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Ttl_removes_expired_hours_and_gives_the_disk_space_back_while_newer_traces_stay_readable()
    {
        var clock = StoreFixtures.Clock();
        var now = clock.GetUtcNow();
        using var store = StoreFixtures.Open(_folder.Sub("data"), clock, o => o.Ttl = TimeSpan.FromHours(72));
        var oldId = new TraceId(0x01D, 1);
        var newId = new TraceId(0x4E4, 2);
        await StoreFixtures.WriteAsync(store, StoreFixtures.Trace(oldId, "old-service", now.AddHours(-100), 20_000));
        await StoreFixtures.WriteAsync(store, StoreFixtures.Trace(newId, "new-service", now.AddHours(-1), 50));
        store.Flush();
        var before = store.DiskBytes();
        Assert.Equal(2, store.Buckets.Count);

        var removed = store.RunRetention();

        Assert.Equal(1, removed);
        Assert.Null(await store.GetTraceAsync(oldId));
        Assert.Equal(["new-service"], await store.GetServicesAsync());
        Assert.Empty(await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "old-service" }));
        var kept = await store.GetTraceAsync(newId);
        Assert.NotNull(kept);
        Assert.Equal(50, kept.Spans.Count);
        Assert.Equal([newId], await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "new-service", Tags = new Dictionary<string, string> { ["http.status_code"] = "200" } }));

        // 20,000 spans went; what is left is the small new trace and the store's fixed files.
        var after = store.DiskBytes();
        Assert.True(after < before / 2, $"the folder held {before} bytes before retention and {after} after");

        // A second pass finds nothing more to remove, and the data stays readable after a reopen.
        Assert.Equal(0, store.RunRetention());
    }

    [Fact]
    public async Task Ttl_keeps_an_hour_until_all_of_it_is_older_than_the_ttl()
    {
        var clock = StoreFixtures.Clock();
        var now = clock.GetUtcNow();
        using var store = StoreFixtures.Open(_folder.Sub("data"), clock, o => o.Ttl = TimeSpan.FromHours(2));
        var id = new TraceId(0xB0, 1);
        await StoreFixtures.WriteAsync(store, StoreFixtures.Trace(id, "svc", now.AddHours(-2).AddMinutes(-10), 3));

        // The hour that holds the trace still has a part younger than two hours.
        Assert.Equal(0, store.RunRetention());
        Assert.NotNull(await store.GetTraceAsync(id));

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, store.RunRetention());
        Assert.Null(await store.GetTraceAsync(id));
    }

    [Fact]
    public async Task Disk_budget_removes_the_oldest_hours_first_until_the_folder_fits()
    {
        var clock = StoreFixtures.Clock();
        var now = clock.GetUtcNow();
        var path = _folder.Sub("data");
        long full;
        using (var store = StoreFixtures.Open(path, clock, o => o.Ttl = TimeSpan.Zero))
        {
            for (var hour = 3; hour >= 1; hour--)
            {
                await StoreFixtures.WriteAsync(store, StoreFixtures.Trace(new TraceId(0xB6, (ulong)hour), "svc", now.AddHours(-hour), 8_000));
            }

            store.Flush();
            full = store.DiskBytes();
        }

        var budget = full * 3 / 4;
        using (var store = StoreFixtures.Open(path, clock, o => (o.Ttl, o.MaxDiskBytes) = (TimeSpan.Zero, budget)))
        {
            Assert.Equal(3, store.Buckets.Count);

            var removed = store.RunRetention();

            Assert.InRange(removed, 1, 2);
            Assert.True(store.DiskBytes() <= budget, $"the folder holds {store.DiskBytes()} bytes, over the budget of {budget}");
            Assert.Null(await store.GetTraceAsync(new TraceId(0xB6, 3)));
            var newest = await store.GetTraceAsync(new TraceId(0xB6, 1));
            Assert.NotNull(newest);
            Assert.Equal(8_000, newest.Spans.Count);
            Assert.Equal(new StorageRetention(null, budget, null), store.Retention);
        }
    }

    [Fact]
    public async Task Retention_runs_on_its_interval_by_the_injected_clock()
    {
        var clock = StoreFixtures.Clock();
        var now = clock.GetUtcNow();
        using var store = StoreFixtures.Open(_folder.Sub("data"), clock, o => (o.Ttl, o.RetentionInterval) = (TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)), startRetention: true);
        var id = new TraceId(0x71, 1);
        await StoreFixtures.WriteAsync(store, StoreFixtures.Trace(id, "svc", now.AddMinutes(-50), 3));
        Assert.NotNull(await store.GetTraceAsync(id));

        // Two hours later the hour of the trace is past the TTL; the timer's next tick removes it.
        clock.Advance(TimeSpan.FromHours(2));

        await Eventually.UntilAsync(async () => await store.GetTraceAsync(id) is null, "the retention timer removed the expired trace");
        Assert.Empty(store.Buckets);
    }
}
