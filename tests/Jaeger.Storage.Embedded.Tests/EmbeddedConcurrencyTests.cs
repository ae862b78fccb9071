using System.Diagnostics.Metrics;
using Jaeger.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Jaeger.Storage.Embedded.Tests;

public sealed class EmbeddedConcurrencyTests : IDisposable
{
    private readonly TempFolder _folder = new("concurrency");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Concurrent_writers_searchers_and_retention_lose_no_span_and_see_no_partial_trace()
    {
        var clock = StoreFixtures.Clock();
        var now = clock.GetUtcNow();
        using var store = StoreFixtures.Open(_folder.Sub("data"), clock);
        const int Writers = 4, TracesPerWriter = 40, SpansPerTrace = 10;
        var searchesDone = 0;
        using var stop = new CancellationTokenSource();

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var t = 0; t < TracesPerWriter; t++)
            {
                await store.WriteSpansAsync(StoreFixtures.Trace(new TraceId((ulong)w + 1, (ulong)t + 1), $"writer-{w}", now.AddMinutes(-t), SpansPerTrace));
            }
        })).ToArray();
        var searcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Each write call is one atomic batch: a search sees a trace whole or not at all.
                foreach (var trace in await store.FindTracesAsync(new TraceQueryParameters { Tags = new Dictionary<string, string> { ["http.status_code"] = "200" }, Limit = 50 }))
                {
                    Assert.Equal(SpansPerTrace, trace.Spans.Count);
                }

                store.RunRetention();
                Interlocked.Increment(ref searchesDone);
            }
        });

        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await searcher;

        Assert.True(searchesDone > 0);
        for (var w = 0; w < Writers; w++)
        {
            var ids = await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = $"writer-{w}", Limit = 1000 });
            Assert.Equal(TracesPerWriter, ids.Count);

            // Newest first: trace t of a writer starts t minutes before now.
            Assert.Equal(Enumerable.Range(1, TracesPerWriter).Select(t => new TraceId((ulong)w + 1, (ulong)t)), ids);
        }
    }

    [Fact]
    public async Task The_meter_counts_stored_spans_and_hours_removed()
    {
        var clock = StoreFixtures.Clock();
        var now = clock.GetUtcNow();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var stored = new MetricCollector<long>(meters, "Jaeger.Storage.Embedded", "jaeger.storage.embedded.spans.stored");
        using var removed = new MetricCollector<long>(meters, "Jaeger.Storage.Embedded", "jaeger.storage.embedded.retention.hours_removed");
        var path = _folder.Sub("data");
        using var store = new EmbeddedSpanStore(new EmbeddedStorageOptions { Path = path, Ttl = TimeSpan.FromHours(1), BlockCacheBytes = 8 << 20, WriteBufferBytes = 4 << 20 }, meters, clock, null, path, startRetention: false);

        await store.WriteSpansAsync(StoreFixtures.Trace(new TraceId(0x3E, 1), "svc", now.AddHours(-5), 7));
        await store.WriteSpansAsync(StoreFixtures.Trace(new TraceId(0x3E, 2), "svc", now, 3));
        store.RunRetention();

        Assert.Equal(10, stored.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(1, removed.GetMeasurementSnapshot().Sum(m => m.Value));
    }
}
