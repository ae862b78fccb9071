using System.Text.Json.Nodes;
using Jaeger.Storage.Elasticsearch.Stores;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>The lease store's requests: a create that only one caller wins, then conditional writes on the version read.</summary>
public sealed class LeaseStoreTests
{
    [Fact]
    public async Task A_free_lease_is_created_then_extended_and_forfeited_only_with_the_version_read()
    {
        await using var server = await FakeSearchServer.StartAsync(interpret: true);
        var time = new FakeTimeProvider(new DateTimeOffset(2024, 5, 3, 12, 0, 0, TimeSpan.Zero));
        await using var storage = StorageFactory.Create(server, o => o.IndexPrefix = "prod", time);
        var leases = new ElasticsearchLeaseStore(storage.Client, storage.Names, time);

        Assert.True(await leases.TryAcquireAsync("sampling", "collector-1", TimeSpan.FromMinutes(1)));
        var create = Assert.Single(server.RequestsTo("PUT", "/prod-jaeger-lease/_create/"));
        Assert.Equal("/prod-jaeger-lease/_create/sampling", create.Path);
        TestData.JsonEqual(JsonNode.Parse("""{"owner":"collector-1","expiresAt":1714737660000}"""), create.Json);

        Assert.False(await leases.TryAcquireAsync("sampling", "collector-2", TimeSpan.FromMinutes(1)));
        Assert.True(await leases.TryAcquireAsync("sampling", "collector-1", TimeSpan.FromMinutes(2)));
        var extend = Assert.Single(server.RequestsTo("PUT", "/prod-jaeger-lease/_doc/"));
        Assert.Equal("?if_seq_no=0&if_primary_term=1", extend.Query);

        // Expired: another owner takes it over with the version it read.
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.True(await leases.TryAcquireAsync("sampling", "collector-2", TimeSpan.FromMinutes(1)));
        Assert.Equal("?if_seq_no=1&if_primary_term=1", server.RequestsTo("PUT", "/prod-jaeger-lease/_doc/")[^1].Query);

        Assert.False(await leases.ForfeitAsync("sampling", "collector-1"));
        Assert.True(await leases.ForfeitAsync("sampling", "collector-2"));
        var delete = Assert.Single(server.RequestsTo("DELETE", "/prod-jaeger-lease/_doc/sampling"));
        Assert.Equal("?if_seq_no=2&if_primary_term=1", delete.Query);
        Assert.False(await leases.ForfeitAsync("sampling", "collector-2"));
    }

    [Fact]
    public async Task Of_two_collectors_racing_for_an_expired_lease_only_the_one_whose_version_still_holds_wins()
    {
        await using var server = await FakeSearchServer.StartAsync(interpret: true);
        var time = new FakeTimeProvider(new DateTimeOffset(2024, 5, 3, 12, 0, 0, TimeSpan.Zero));
        await using var storage = StorageFactory.Create(server, time: time);
        var leases = new ElasticsearchLeaseStore(storage.Client, storage.Names, time);
        Assert.True(await leases.TryAcquireAsync("sampling", "collector-1", TimeSpan.FromSeconds(10)));
        time.Advance(TimeSpan.FromSeconds(11));

        // Collector 3 takes the lease between collector 2's read and its write: the fake sees 2's write with a stale seq_no.
        var raced = false;
        server.Script(
            r => r.Method == "PUT" && r.Path == "/jaeger-lease/_doc/sampling" && !raced,
            r =>
            {
                raced = true;
                server.Engine!.Document("PUT", "jaeger-lease", "_doc", "sampling", string.Empty, JsonNode.Parse("""{"owner":"collector-3","expiresAt":1914737660000}"""));
                return server.Engine.Document("PUT", "jaeger-lease", "_doc", "sampling", r.Query, r.Json);
            });

        Assert.False(await leases.TryAcquireAsync("sampling", "collector-2", TimeSpan.FromSeconds(10)));
        Assert.True(raced);
        Assert.False(await leases.TryAcquireAsync("sampling", "collector-2", TimeSpan.FromSeconds(10)));
        Assert.True(await leases.ForfeitAsync("sampling", "collector-3"));
    }
}
