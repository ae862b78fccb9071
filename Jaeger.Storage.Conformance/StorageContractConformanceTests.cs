using Jaeger.Model;

namespace Jaeger.Storage.Conformance;

/// <summary>The cases of the storage contract beyond span search: batches, the time-window hint, summaries, purge, the sampling store and leases.</summary>
public abstract partial class SpanStoreConformanceTests
{
    [Fact]
    public async Task Write_of_several_batches_in_one_call_stores_each_with_its_process()
    {
        await using var backend = await CreateBackendAsync();
        var a = new Process("batch-a", [KeyValue.String("hostname", "a")]);
        var b = new Process("batch-b", [KeyValue.String("hostname", "b")]);
        var start = Now.AddMinutes(-5);
        var one = new TraceBuilder(new TraceId(0xBA7C4, 1)).Span(1, a, "a-root", start, 1000).Span(2, b, "b-child", start.AddMilliseconds(1), 500, parent: 1);
        var two = new TraceBuilder(new TraceId(0xBA7C4, 2)).Span(1, a, "a-other", start.AddSeconds(1), 1000);

        // One call, two batches: batch a holds spans of two traces, batch b one span.
        var batchA = new Batch(a, [one.Spans[0], two.Spans[0]]) { Format = "jaeger", Transport = "http", SeqNo = 7 };
        var batchB = new Batch(b, [one.Spans[1]]);
        await backend.Writer.WriteAsync([batchA, batchB]);
        await AfterWriteAsync(backend);

        TraceAssert.Equal(one.Build(), await backend.Reader.GetTraceAsync(one.TraceId));
        TraceAssert.Equal(two.Build(), await backend.Reader.GetTraceAsync(two.TraceId));
        Assert.Equal(["batch-a", "batch-b"], await backend.Reader.GetServicesAsync());
    }

    [Fact]
    public async Task GetTrace_with_a_time_window_that_holds_the_trace_returns_it_whole()
    {
        await using var backend = await CreateBackendAsync();
        var example = ExampleTrace();
        await WriteAsync(backend, example);
        var first = example.Spans.Min(s => s.StartTime);
        var last = example.Spans.Max(s => s.StartTime);

        var exact = await backend.Reader.GetTraceAsync(new TraceGetParameters(example.TraceId, first, last));
        var wide = await backend.Reader.GetTraceAsync(new TraceGetParameters(example.TraceId, first.AddHours(-1), last.AddHours(1)));
        var openEnded = await backend.Reader.GetTraceAsync(new TraceGetParameters(example.TraceId, first.AddDays(-1), null));

        TraceAssert.Equal(example.Build(), exact);
        TraceAssert.Equal(example.Build(), wide);
        TraceAssert.Equal(example.Build(), openEnded);
        Assert.Null(await backend.Reader.GetTraceAsync(new TraceGetParameters(new TraceId(0xDEAD, 2), first, last)));
    }

    [Fact]
    public async Task FindTraceSummaries_gives_root_counts_errors_and_services_of_each_trace()
    {
        await using var backend = await CreateBackendAsync();
        var front = new Process("summary-front");
        var back = new Process("summary-back");
        var start = Now.AddMinutes(-2);
        var trace = new TraceBuilder(new TraceId(0x5E, 1))
            .Span(1, front, "GET /cart", start, 40_000)
            .Span(2, back, "load", start.AddMilliseconds(5), 10_000, parent: 1, tags: [KeyValue.Bool("error", true)])
            .Span(3, back, "save", start.AddMilliseconds(20), 30_000, parent: 1)
            .Span(4, back, "late", start.AddMilliseconds(25), 1_000, parent: 99);
        await WriteAsync(backend, trace);

        var summaries = await backend.Reader.FindTraceSummariesAsync(new TraceQueryParameters { ServiceName = "summary-back", Limit = 10 });

        var summary = Assert.Single(summaries);
        Assert.Equal(trace.TraceId, summary.TraceId);
        Assert.Equal("summary-front", summary.RootServiceName);
        Assert.Equal("GET /cart", summary.RootOperationName);
        Assert.Equal(Time.ToUnixMicros(start), summary.StartTimeMicros);
        Assert.Equal(50_000, summary.DurationMicros);
        Assert.Equal(4, summary.SpanCount);
        Assert.Equal(1, summary.ErrorSpanCount);
        Assert.Equal(1, summary.OrphanSpanCount);
        Assert.Equal([new ServiceSpanCount("summary-front", 1, 0), new ServiceSpanCount("summary-back", 3, 1)], summary.Services);
    }

    [Fact]
    public async Task A_search_the_backend_cannot_answer_is_refused_never_answered_wrongly()
    {
        await using var backend = await CreateBackendAsync();
        await WriteAsync(backend, ExampleTrace());
        var noService = new TraceQueryParameters { Tags = new Dictionary<string, string> { ["str"] = "value" }, Limit = 10 };
        var tagsAndDuration = new TraceQueryParameters { ServiceName = "service-1", Tags = new Dictionary<string, string> { ["str"] = "value" }, DurationMin = TimeSpan.FromMilliseconds(1), Limit = 10 };

        foreach (var query in new[] { noService, tagsAndDuration })
        {
            if (SearchCapabilityCheck.Missing(query, Capabilities) == SearchCapabilities.None)
            {
                Assert.Single(await backend.Reader.FindTraceIdsAsync(query));
            }
            else
            {
                var refused = await Assert.ThrowsAsync<UnsupportedSearchException>(async () => await backend.Reader.FindTraceIdsAsync(query));
                Assert.NotEqual(SearchCapabilities.None, refused.Missing);
            }
        }
    }

    [Fact]
    public async Task Purge_removes_every_trace_service_and_dependency()
    {
        await using var backend = await CreateBackendAsync();
        if (backend.Maintenance is null)
        {
            return;
        }

        var example = ExampleTrace();
        await WriteAsync(backend, example);
        if (backend.DependencyWriter is not null)
        {
            await backend.DependencyWriter.WriteDependenciesAsync(Now, [new DependencyLink("a", "b", 1)]);
        }

        await backend.Maintenance.PurgeAsync();
        await AfterWriteAsync(backend);

        Assert.Null(await backend.Reader.GetTraceAsync(example.TraceId));
        Assert.Empty(await backend.Reader.GetServicesAsync());
        Assert.Empty(await backend.Reader.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "service-1" }));
        if (backend.DependencyReader is not null)
        {
            Assert.Empty(await backend.DependencyReader.GetDependenciesAsync(Now.AddMinutes(1), TimeSpan.FromDays(1)));
        }

        // The store keeps working after a purge.
        await WriteAsync(backend, example);
        TraceAssert.Equal(example.Build(), await backend.Reader.GetTraceAsync(example.TraceId));
    }

    [Fact]
    public async Task SamplingStore_returns_throughput_of_the_window_and_the_latest_probabilities()
    {
        await using var backend = await CreateBackendAsync();
        if (backend.SamplingStore is not { } store)
        {
            return;
        }

        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        await store.InsertThroughputAsync([new OperationThroughput("svc", "GET /", 10, [0.1, 0.5]), new OperationThroughput("svc", "POST /", 3, [1.0])]);
        await store.InsertThroughputAsync([new OperationThroughput("other", "op", 7, [])]);
        await AfterWriteAsync(backend);

        var all = await store.GetThroughputAsync(before, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(
            [("other", "op", 7L, ""), ("svc", "GET /", 10L, "0.1,0.5"), ("svc", "POST /", 3L, "1")],
            all.Select(t => (t.Service, t.Operation, t.Count, string.Join(",", t.Probabilities.Order().Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))))).OrderBy(t => t.Service, StringComparer.Ordinal).ThenBy(t => t.Operation, StringComparer.Ordinal));
        Assert.Empty(await store.GetThroughputAsync(before.AddHours(-2), before.AddHours(-1)));

        Assert.Empty(await store.GetLatestProbabilitiesAsync());
        var first = new ServiceOperationValues();
        first.Set("svc", "GET /", 0.25);
        var qps = new ServiceOperationValues();
        qps.Set("svc", "GET /", 12.5);
        await store.InsertProbabilitiesAndQpsAsync("leader-1", first, qps);
        var second = new ServiceOperationValues();
        second.Set("svc", "GET /", 0.5);
        second.Set("svc", "POST /", 1);
        await store.InsertProbabilitiesAndQpsAsync("leader-1", second, qps);
        await AfterWriteAsync(backend);

        var latest = await store.GetLatestProbabilitiesAsync();
        Assert.Equal(0.5, latest["svc"]["GET /"]);
        Assert.Equal(1, latest["svc"]["POST /"]);
    }

    [Fact]
    public async Task LeaseStore_gives_one_owner_the_lease_until_it_forfeits_or_it_expires()
    {
        await using var backend = await CreateBackendAsync();
        if (backend.LeaseStore is not { } leases)
        {
            return;
        }

        Assert.True(await leases.TryAcquireAsync("sampling", "collector-1", TimeSpan.FromMinutes(1)));
        Assert.False(await leases.TryAcquireAsync("sampling", "collector-2", TimeSpan.FromMinutes(1)));
        Assert.True(await leases.TryAcquireAsync("sampling", "collector-1", TimeSpan.FromMinutes(1)));
        Assert.True(await leases.TryAcquireAsync("other-resource", "collector-2", TimeSpan.FromMinutes(1)));

        Assert.False(await leases.ForfeitAsync("sampling", "collector-2"));
        Assert.True(await leases.ForfeitAsync("sampling", "collector-1"));
        Assert.True(await leases.TryAcquireAsync("sampling", "collector-2", TimeSpan.FromMilliseconds(50)));

        // The short lease runs out: another owner gets it (polled with a deadline, no fixed sleep).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var taken = false;
        while (!taken && DateTime.UtcNow < deadline)
        {
            taken = await leases.TryAcquireAsync("sampling", "collector-3", TimeSpan.FromMinutes(1));
            if (!taken)
            {
                await Task.Yield();
            }
        }

        Assert.True(taken, "the expired lease was never free for another owner");
    }
}

/// <summary>Compares trace summaries by value, services in order.</summary>
internal sealed class TraceSummaryComparer : IEqualityComparer<TraceSummary>
{
    public static readonly TraceSummaryComparer Instance = new();

    public bool Equals(TraceSummary? x, TraceSummary? y) =>
        x is not null && y is not null &&
        x.TraceId == y.TraceId && x.RootServiceName == y.RootServiceName && x.RootOperationName == y.RootOperationName &&
        x.StartTimeMicros == y.StartTimeMicros && x.DurationMicros == y.DurationMicros && x.SpanCount == y.SpanCount &&
        x.ErrorSpanCount == y.ErrorSpanCount && x.OrphanSpanCount == y.OrphanSpanCount && x.Services.SequenceEqual(y.Services);

    public int GetHashCode(TraceSummary obj) => obj.TraceId.GetHashCode();
}
