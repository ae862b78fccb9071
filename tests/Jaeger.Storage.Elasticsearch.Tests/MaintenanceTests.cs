using Jaeger.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>Retention (Jaeger's index cleaner as a periodic job on the injected clock) and purge, against the fake server.</summary>
public sealed class MaintenanceTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Retention_deletes_dated_indices_whose_period_ended_before_the_cutoff_at_start_and_then_every_interval()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Indices.AddRange([
            "jaeger-span-2024-05-07", "jaeger-span-2024-05-08", "jaeger-service-2024-05-01", "jaeger-dependencies-2024-05-07",
            "jaeger-sampling-2024-05-09", "jaeger-span-archive", "jaeger-span-000001",
        ]);
        var time = new FakeTimeProvider(Now);
        await using var storage = StorageFactory.Create(server, o => { o.Retention = TimeSpan.FromDays(2); o.RetentionCheckInterval = TimeSpan.FromHours(1); }, time);

        await storage.StartAsync(CancellationToken.None);

        var first = Assert.Single(server.RequestsTo("DELETE", "/"));
        Assert.Equal("/jaeger-dependencies-2024-05-07,jaeger-service-2024-05-01,jaeger-span-2024-05-07", first.Path);
        Assert.Equal(["jaeger-span-2024-05-08", "jaeger-sampling-2024-05-09", "jaeger-span-archive", "jaeger-span-000001"], server.Indices);

        time.Advance(TimeSpan.FromHours(1));
        await Eventually.UntilAsync(() => server.RequestsTo("GET", "/_cat/indices").Count == 2 && !storage.RetentionRunning, "the hourly retention run lists the indices and ends");
        Assert.Single(server.RequestsTo("DELETE", "/"));

        time.Advance(TimeSpan.FromHours(12));
        await Eventually.UntilAsync(() => server.RequestsTo("DELETE", "/").Count == 2, "the next run deletes the index that expired meanwhile");
        Assert.Equal("/jaeger-span-2024-05-08", server.RequestsTo("DELETE", "/")[1].Path);
        Assert.Equal(TimeSpan.FromDays(2), storage.Retention.MaxAge);
    }

    [Fact]
    public async Task Without_retention_no_index_is_listed_or_deleted()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Indices.Add("jaeger-span-2000-01-01");
        var time = new FakeTimeProvider(Now);
        await using var storage = StorageFactory.Create(server, time: time);

        await storage.StartAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromDays(3));

        Assert.Empty(server.RequestsTo("GET", "/_cat/indices"));
        Assert.Empty(server.RequestsTo("DELETE", "/"));
        Assert.Null(storage.Retention.MaxAge);
    }

    [Fact]
    public async Task Purge_deletes_this_roles_indices_by_name_and_the_archive_keeps_the_primarys()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Indices.AddRange(["jaeger-span-2024-05-10", "jaeger-service-2024-05-10", "jaeger-span-archive", "jaeger-dependencies-2024-05-09", "prod-jaeger-span-2024-05-10"]);
        await using var primary = StorageFactory.Create(server);
        await using var archive = StorageFactory.Create(server, archive: true);

        await primary.PurgeAsync();

        Assert.Equal("/jaeger-dependencies-2024-05-09,jaeger-service-2024-05-10,jaeger-span-2024-05-10", Assert.Single(server.RequestsTo("DELETE", "/")).Path);
        await archive.PurgeAsync();
        Assert.Equal("/jaeger-span-archive", server.RequestsTo("DELETE", "/")[1].Path);
        Assert.Equal(["prod-jaeger-span-2024-05-10"], server.Indices);
    }

    [Fact]
    public async Task After_a_purge_service_documents_are_written_again()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using var storage = StorageFactory.Create(server);
        var span = TestData.FixtureSpan();

        await storage.Writer.WriteSpansAsync([span]);
        await storage.PurgeAsync();
        await storage.Writer.WriteSpansAsync([span]);

        var bulks = server.RequestsTo("POST", "/_bulk");
        Assert.Equal(4, bulks[0].Lines.Count);
        Assert.Equal(4, bulks[1].Lines.Count);
    }
}
