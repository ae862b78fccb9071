using Jaeger.Storage.ClickHouse.Tests.Engine;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>The lease on the real engine when its round trips are slow compared with the lease.</summary>
public sealed class LeaseTests
{
    [EngineFact]
    public async Task A_lease_shorter_than_the_round_trips_is_still_taken_and_then_free_for_another_owner()
    {
        // Every reading of the clock is 200 ms after the one before: each acquisition outlasts a 50 ms lease, as the
        // engine does under heavy load.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(200) };
        await using var storage = await EngineStorage.CreateAsync(time: time);
        var leases = storage.Sampling;

        Assert.True(await leases.TryAcquireAsync("sampling", "collector-1", TimeSpan.FromMilliseconds(50)));
        Assert.True(await leases.TryAcquireAsync("sampling", "collector-2", TimeSpan.FromMinutes(1)));
        Assert.False(await leases.TryAcquireAsync("sampling", "collector-1", TimeSpan.FromMinutes(1)));
        Assert.True(await leases.ForfeitAsync("sampling", "collector-2"));
        Assert.True(await leases.TryAcquireAsync("sampling", "collector-1", TimeSpan.FromMinutes(1)));
    }
}
