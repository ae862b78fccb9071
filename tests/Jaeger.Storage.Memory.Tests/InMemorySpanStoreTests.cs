using System.Diagnostics.Metrics;
using Jaeger.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Jaeger.Storage.Memory.Tests;

public sealed class InMemorySpanStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task MaxTraces_evicts_the_oldest_arrived_traces_with_their_index_entries()
    {
        using var metrics = new MetricsScope();
        using var store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = 3 }, metrics.Factory);
        using var evicted = metrics.Collect("jaeger.storage.memory.traces.evicted");

        // Trace 1 holds the only spans of service "gone" and of operation "shared/only-in-1".
        await store.WriteSpansAsync(Trace(1, ("gone", "gone-op", 0), ("shared", "only-in-1", 1)));
        await store.WriteSpansAsync(Trace(2, ("shared", "kept-op", 2)));
        await store.WriteSpansAsync(Trace(3, ("shared", "kept-op", 3)));
        await store.WriteSpansAsync(Trace(4, ("shared", "kept-op", 4)));
        await store.WriteSpansAsync(Trace(5, ("shared", "kept-op", 5)));

        Assert.Equal(3, store.TraceCount);
        Assert.Equal(3, store.SpanCount);
        Assert.Null(await store.GetTraceAsync(Id(1)));
        Assert.Null(await store.GetTraceAsync(Id(2)));
        Assert.NotNull(await store.GetTraceAsync(Id(3)));
        Assert.Equal(["shared"], await store.GetServicesAsync());
        Assert.Equal([new Operation("kept-op")], await store.GetOperationsAsync(new OperationQueryParameters("shared")));
        Assert.Empty(await store.GetOperationsAsync(new OperationQueryParameters("gone")));
        Assert.Equal([Id(5), Id(4), Id(3)], await store.FindTraceIdsAsync(new TraceQueryParameters { Limit = 100 }));
        Assert.Empty(await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "gone", Limit = 100 }));
        Assert.Empty(await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "shared", OperationName = "only-in-1", Limit = 100 }));
        Assert.Equal(2, evicted.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task MaxTraces_evicts_by_first_arrival_not_by_start_time_nor_by_latest_write()
    {
        using var store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = 2 });

        // Trace 1 arrives first but starts last, and gets another span after trace 2 arrived.
        await store.WriteSpansAsync(Trace(1, ("svc", "op", 100)));
        await store.WriteSpansAsync(Trace(2, ("svc", "op", 0)));
        await store.WriteSpansAsync(Trace(1, ("svc", "op", 101)));
        await store.WriteSpansAsync(Trace(3, ("svc", "op", 50)));

        Assert.Null(await store.GetTraceAsync(Id(1)));
        Assert.Equal([Id(3), Id(2)], await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "svc", Limit = 10 }));
        Assert.Equal(2, store.SpanCount);
    }

    [Fact]
    public async Task MaxTraces_applies_within_one_large_write()
    {
        using var store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = 10 });
        var spans = new List<Span>();
        for (var i = 1; i <= 25; i++)
        {
            spans.AddRange(Trace(i, ("svc", "op", i), ("svc", "op", i)));
        }

        await store.WriteSpansAsync(spans);

        Assert.Equal(10, store.TraceCount);
        Assert.Equal(20, store.SpanCount);
        var ids = await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "svc", Limit = 100 });
        Assert.Equal(Enumerable.Range(16, 10).Reverse().Select(i => Id(i)), ids);
    }

    [Fact]
    public async Task Returned_traces_are_copies_that_callers_may_change()
    {
        using var store = new InMemorySpanStore();
        await store.WriteSpansAsync(Trace(1, ("svc", "op", 0), ("svc", "op", 1)));

        var first = await store.GetTraceAsync(Id(1));
        Assert.NotNull(first);
        first.Spans[0].OperationName = "changed";
        first.Spans[0].StartTimeMicros = -1;
        first.Spans.RemoveAt(1);
        var found = await store.FindTracesAsync(new TraceQueryParameters { ServiceName = "svc" });
        found[0].Spans.Clear();

        var again = await store.GetTraceAsync(Id(1));
        Assert.NotNull(again);
        Assert.Equal(2, again.Spans.Count);
        Assert.All(again.Spans, s => Assert.Equal("op", s.OperationName));
        Assert.Equal(["op"], (await store.GetOperationsAsync(new OperationQueryParameters("svc"))).Select(o => o.Name));
    }

    [Fact]
    public async Task A_time_window_finds_a_long_trace_by_a_late_span_while_stopping_early_for_others()
    {
        using var store = new InMemorySpanStore();

        // Trace 1 starts at 0 s and has a span one hour later; traces 2 and 3 are short and sit around it.
        var hour = 3_600_000_000L;
        await store.WriteSpansAsync(Trace(1, ("svc", "root", 0), ("svc", "late", hour)));
        await store.WriteSpansAsync(Trace(2, ("svc", "op", hour / 2)));
        await store.WriteSpansAsync(Trace(3, ("svc", "op", 2 * hour)));

        var window = new TraceQueryParameters
        {
            ServiceName = "svc",
            StartTimeMin = Start.AddMicroseconds(hour - 10),
            StartTimeMax = Start.AddMicroseconds(hour + 10),
        };
        Assert.Equal([Id(1)], await store.FindTraceIdsAsync(window));
        Assert.Equal([Id(3)], await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "svc", StartTimeMin = Start.AddMicroseconds(hour + 11) }));
    }

    [Fact]
    public async Task Span_kinds_are_listed_per_operation_and_a_missing_kind_is_empty()
    {
        using var store = new InMemorySpanStore();
        var process = new Process("svc");
        await store.WriteSpansAsync([
            new Span { TraceId = Id(1), SpanId = new SpanId(1), OperationName = "op", Process = process, Tags = [KeyValue.String("span.kind", "server")] },
            new Span { TraceId = Id(1), SpanId = new SpanId(2), OperationName = "op", Process = process, Tags = [KeyValue.String("span.kind", "client")] },
            new Span { TraceId = Id(1), SpanId = new SpanId(3), OperationName = "plain", Process = process },
        ]);

        Assert.Equal(
            [new Operation("op", "client"), new Operation("op", "server"), new Operation("plain", "")],
            await store.GetOperationsAsync(new OperationQueryParameters("svc")));
        Assert.Equal([new Operation("op", "server")], await store.GetOperationsAsync(new OperationQueryParameters("svc", "server")));
    }

    [Fact]
    public async Task Invalid_input_is_rejected_with_a_clear_error_and_changes_nothing()
    {
        using var store = new InMemorySpanStore();

        var badSpan = await Assert.ThrowsAsync<ArgumentException>(async () => await store.WriteSpansAsync([.. Trace(1, ("svc", "op", 0)), null!]));
        Assert.Contains("Span 1", badSpan.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.TraceCount);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.FindTracesAsync(new TraceQueryParameters { Limit = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetOperationsAsync(new OperationQueryParameters("")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.GetDependenciesAsync(Start, TimeSpan.FromSeconds(-1)));
        var option = Assert.Throws<ArgumentOutOfRangeException>(() => new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = -1 }));
        Assert.Equal("MaxTraces", option.ParamName);
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_store_every_span_exactly_once()
    {
        using var metrics = new MetricsScope();
        using var store = new InMemorySpanStore(null, metrics.Factory);
        using var spansStored = metrics.Collect("jaeger.storage.memory.spans.stored");
        const int writers = 4, tracesPerWriter = 250, spansPerTrace = 4;
        var writersDone = 0;

        var writeTasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var process = new Process($"svc-{w}");
            for (var t = 0; t < tracesPerWriter; t++)
            {
                var traceId = new TraceId((ulong)w + 1, (ulong)t + 1);

                // Each trace arrives in two writes, the root (earliest start) last.
                var spans = Enumerable.Range(0, spansPerTrace).Select(s => new Span
                {
                    TraceId = traceId,
                    SpanId = new SpanId((ulong)s + 1),
                    OperationName = $"op-{s % 2}",
                    Process = process,
                    StartTimeMicros = (t * 1000) + (spansPerTrace - s),
                    DurationMicros = 10,
                }).ToList();
                await store.WriteSpansAsync(spans[..2]);
                await store.WriteSpansAsync(spans[2..]);
            }

            Interlocked.Increment(ref writersDone);
        })).ToArray();

        var readErrors = 0;
        var readTasks = Enumerable.Range(0, 2).Select(r => Task.Run(async () =>
        {
            var reads = 0;
            while (Volatile.Read(ref writersDone) < writers || reads < 10)
            {
                reads++;
                var found = await store.FindTracesAsync(new TraceQueryParameters { ServiceName = $"svc-{r}", OperationName = "op-1", Limit = 50 });
                for (var i = 0; i < found.Count; i++)
                {
                    var trace = found[i];
                    if (trace.Spans.Count is < 1 or > spansPerTrace || trace.Spans.Exists(s => s.TraceId != trace.TraceId))
                    {
                        Interlocked.Increment(ref readErrors);
                    }

                    // Newest first: trace starts strictly decrease.
                    if (i > 0 && trace.Spans.Min(s => s.StartTimeMicros) >= found[i - 1].Spans.Min(s => s.StartTimeMicros))
                    {
                        Interlocked.Increment(ref readErrors);
                    }
                }

                await store.GetServicesAsync();
                await store.GetTraceAsync(new TraceId((ulong)r + 1, 1));
            }
        })).ToArray();

        await Task.WhenAll(writeTasks);
        await Task.WhenAll(readTasks);

        Assert.Equal(0, readErrors);
        Assert.Equal(writers * tracesPerWriter, store.TraceCount);
        Assert.Equal(writers * tracesPerWriter * spansPerTrace, store.SpanCount);
        Assert.Equal(writers * tracesPerWriter * spansPerTrace, spansStored.GetMeasurementSnapshot().EvaluateAsCounter());
        for (var w = 0; w < writers; w++)
        {
            var ids = await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = $"svc-{w}", Limit = 10_000 });
            Assert.Equal(Enumerable.Range(1, tracesPerWriter).Reverse().Select(t => new TraceId((ulong)w + 1, (ulong)t)), ids);
            var trace = await store.GetTraceAsync(new TraceId((ulong)w + 1, 7));
            Assert.Equal(spansPerTrace, trace!.Spans.Count);
        }
    }

    [Fact]
    public async Task Concurrent_writers_with_a_bound_keep_exactly_max_traces_and_count_evictions()
    {
        using var metrics = new MetricsScope();
        using var store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = 100 }, metrics.Factory);
        using var stored = metrics.Collect("jaeger.storage.memory.traces.stored");
        using var evicted = metrics.Collect("jaeger.storage.memory.traces.evicted");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var t = 1; t <= 300; t++)
            {
                await store.WriteSpansAsync(Trace(t, ($"svc-{w}", "op", t)).Select(s =>
                {
                    s.TraceId = new TraceId((ulong)w + 1, (ulong)t);
                    return s;
                }).ToList());
            }
        })));

        Assert.Equal(100, store.TraceCount);
        Assert.Equal(100, store.SpanCount);
        Assert.Equal(1200, stored.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1100, evicted.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(100, (await store.FindTraceIdsAsync(new TraceQueryParameters { Limit = 10_000 })).Count);
        var perService = 0;
        foreach (var service in await store.GetServicesAsync())
        {
            perService += (await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = service, Limit = 10_000 })).Count;
        }

        Assert.Equal(100, perService);
    }

    private static TraceId Id(int n) => new(0, (ulong)n);

    /// <summary>One span per (service, operation, start in microseconds after <see cref="Start"/>); the first is the parent of the others.</summary>
    private static List<Span> Trace(int id, params (string Service, string Operation, long Start)[] spans)
    {
        var list = new List<Span>();
        for (var i = 0; i < spans.Length; i++)
        {
            var (service, operation, start) = spans[i];
            list.Add(new Span
            {
                TraceId = Id(id),
                SpanId = new SpanId((ulong)i + 1),
                OperationName = operation,
                Process = new Process(service),
                StartTimeMicros = Time.ToUnixMicros(Start) + start,
                DurationMicros = 1000,
                References = i == 0 ? [] : [new SpanRef(Id(id), new SpanId(1))],
            });
        }

        return list;
    }

    /// <summary>A private IMeterFactory, so collectors see only this test's store.</summary>
    private sealed class MetricsScope : IDisposable
    {
        private readonly ServiceProvider _provider = new ServiceCollection().AddMetrics().BuildServiceProvider();

        public IMeterFactory Factory => _provider.GetRequiredService<IMeterFactory>();

        public MetricCollector<long> Collect(string instrument) => new(Factory, InMemoryStorageMetrics.MeterName, instrument);

        public void Dispose() => _provider.Dispose();
    }
}
