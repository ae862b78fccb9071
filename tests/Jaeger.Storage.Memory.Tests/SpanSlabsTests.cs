using Jaeger.Model;

namespace Jaeger.Storage.Memory.Tests;

/// <summary>The encoded spans live in shared slabs (<see cref="SpanSlabs"/>): every span reads back as written, and slabs go with their last span.</summary>
public sealed class SpanSlabsTests
{
    private const long Base = 1_764_000_000_000_000;

    [Fact]
    public void Spans_of_every_length_read_back_exactly_across_slab_boundaries()
    {
        var slabs = new SpanSlabs();
        var random = new Random(7);
        var written = new List<(long Location, byte[] Bytes)>();

        // Lengths around the one-byte varint limit, zero, and one longer than a full slab.
        int[] lengths = [0, 1, 127, 128, 129, 300, 16_383, 16_384, SpanSlabs.MaxSlabBytes + 10, 5];
        for (var i = 0; i < 3_000; i++)
        {
            var bytes = new byte[i < lengths.Length ? lengths[i] : random.Next(1, 2_000)];
            random.NextBytes(bytes);
            written.Add((slabs.Add(bytes), bytes));
        }

        foreach (var (location, bytes) in written)
        {
            Assert.True(slabs.Get(location).SequenceEqual(bytes));
        }

        // The span longer than a full slab starts a slab of its own; the others waste at most a span's room per slab.
        var oversized = written[8].Location;
        Assert.Equal(0, (int)oversized);
        Assert.DoesNotContain(written, w => w.Location != oversized && w.Location >> 32 == oversized >> 32);
        var total = written.Sum(w => (long)w.Bytes.Length + 3);
        Assert.InRange(slabs.SlabBytes, total - (3 * written.Count), total + (slabs.SlabCount * 16_384L));
    }

    [Fact]
    public void A_slab_goes_when_its_last_span_is_removed_and_a_full_size_array_is_reused()
    {
        var slabs = new SpanSlabs();
        var span = new byte[1000];
        var locations = new List<long>();

        // Enough for the growing slabs and several full-size ones.
        while (slabs.SlabCount < 10)
        {
            span[0] = (byte)locations.Count;
            locations.Add(slabs.Add(span));
        }

        var fullSize = slabs.SlabBytes;
        var count = slabs.SlabCount;

        // Removing all but the last span of every slab frees nothing.
        var bySlab = locations.GroupBy(l => l >> 32).ToList();
        foreach (var group in bySlab)
        {
            foreach (var location in group.SkipLast(1))
            {
                slabs.Remove(location);
            }
        }

        Assert.Equal(count, slabs.SlabCount);

        // Each slab's last span frees it, except the one still being written.
        foreach (var group in bySlab)
        {
            slabs.Remove(group.Last());
        }

        Assert.Equal(1, slabs.SlabCount);
        Assert.True(slabs.SlabBytes < fullSize);

        // The current slab fills up and is dropped as soon as the next one starts, being empty; the kept array is used again.
        for (var i = 0; i < 3_000; i++)
        {
            var location = slabs.Add(span);
            Assert.True(slabs.Get(location).SequenceEqual(span));
            slabs.Remove(location);
        }

        Assert.Equal(1, slabs.SlabCount);
        Assert.Equal(SpanSlabs.MaxSlabBytes, slabs.SlabBytes);

        slabs.Clear();
        Assert.Equal(0, slabs.SlabCount);
        Assert.Equal(0, slabs.SlabBytes);
    }

    [Fact]
    public async Task Eviction_across_many_slabs_keeps_every_held_trace_exact_and_the_slabs_bounded()
    {
        // About 300 bytes per span, 10 spans per trace, 500 traces held: 1.5 MB held, 15 MB written in all.
        const int maxTraces = 500;
        using var store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = maxTraces }, null, maxInternedStrings: 0);
        var process = new Process("svc", [KeyValue.String("hostname", "h")]);
        long maxSlabBytes = 0;
        for (var t = 1; t <= 5_000; t++)
        {
            await store.WriteSpansAsync(TraceSpans(t, process));
            maxSlabBytes = Math.Max(maxSlabBytes, store.Slabs.SlabBytes);
        }

        Assert.Equal(maxTraces, store.TraceCount);
        for (var t = 5_000 - maxTraces + 1; t <= 5_000; t++)
        {
            var trace = await store.GetTraceAsync(new TraceId(9, (ulong)t));
            Assert.NotNull(trace);
            var expected = TraceSpans(t, process);
            Assert.Equal(expected.Count, trace.Spans.Count);
            for (var s = 0; s < expected.Count; s++)
            {
                Assert.Equal(expected[s].SpanId, trace.Spans[s].SpanId);
                Assert.Equal<KeyValue>(expected[s].Tags, trace.Spans[s].Tags);
                Assert.Equal(expected[s].StartTimeMicros, trace.Spans[s].StartTimeMicros);
            }
        }

        Assert.Null(await store.GetTraceAsync(new TraceId(9, 5_000 - maxTraces)));

        // The held bytes fit a few full slabs; the slabs never grew with the 15 MB written.
        var held = store.EncodedBytes;
        Assert.InRange(held, 1_000_000, 2_000_000);
        Assert.True(maxSlabBytes <= held + (3L * SpanSlabs.MaxSlabBytes), $"{maxSlabBytes} bytes of slabs for {held} held");

        await store.PurgeAsync();
        Assert.Equal(0, store.Slabs.SlabCount);
        Assert.Equal(0, store.EncodedBytes);
    }

    [Fact]
    public async Task Readers_see_exact_traces_while_writers_evict_and_slabs_are_dropped_and_reused()
    {
        const int maxTraces = 200, writers = 2, tracesPerWriter = 1_500;
        using var store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = maxTraces });
        var process = new Process("svc", [KeyValue.String("hostname", "h")]);
        var writersDone = 0;
        var newest = new int[writers];

        var writeTasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var t = 1; t <= tracesPerWriter; t++)
            {
                var spans = TraceSpans(t, process);
                foreach (var span in spans)
                {
                    span.TraceId = new TraceId((ulong)w + 20, (ulong)t);
                }

                await store.WriteSpansAsync(spans);
                Volatile.Write(ref newest[w], t);
            }

            Interlocked.Increment(ref writersDone);
        })).ToArray();

        var errors = new List<string>();
        var readTasks = Enumerable.Range(0, 2).Select(r => Task.Run(async () =>
        {
            var reads = 0;
            while (Volatile.Read(ref writersDone) < writers || reads < 20)
            {
                reads++;
                var t = Math.Max(1, Volatile.Read(ref newest[r]) - (reads % 300));
                var trace = await store.GetTraceAsync(new TraceId((ulong)r + 20, (ulong)t));

                // Evicted meanwhile, or whole and exact.
                if (trace is not null && !IsExact(trace, t))
                {
                    lock (errors)
                    {
                        errors.Add($"trace {t} of writer {r}");
                    }
                }

                var found = await store.FindTracesAsync(new TraceQueryParameters { ServiceName = "svc", Tags = new Dictionary<string, string> { ["span.index"] = "3" }, Limit = 20 });
                foreach (var match in found)
                {
                    if (!IsExact(match, (int)match.TraceId.Low))
                    {
                        lock (errors)
                        {
                            errors.Add($"found trace {match.TraceId}");
                        }
                    }
                }
            }
        })).ToArray();

        await Task.WhenAll(writeTasks);
        await Task.WhenAll(readTasks);

        Assert.Empty(errors);
        Assert.Equal(maxTraces, store.TraceCount);
        Assert.Equal(maxTraces * 10, store.SpanCount);

        bool IsExact(Trace trace, int t)
        {
            var expected = TraceSpans(t, process);
            return trace.Spans.Count == expected.Count && trace.Spans.Select((s, i) =>
                s.TraceId == trace.TraceId && s.SpanId == expected[i].SpanId && s.Tags.SequenceEqual(expected[i].Tags) && s.OperationName == expected[i].OperationName).All(ok => ok);
        }
    }

    private static List<Span> TraceSpans(int t, Process process) =>
    [
        .. Enumerable.Range(0, 10).Select(s => new Span
        {
            TraceId = new TraceId(9, (ulong)t),
            SpanId = new SpanId((ulong)s + 1),
            OperationName = $"op-{s % 3}",
            Process = process,
            StartTimeMicros = Base + (t * 1_000L) + s,
            DurationMicros = 10 + s,
            Tags =
            [
                KeyValue.String("payload", $"{t}-{s}-" + new string((char)('a' + (t % 26)), 200 + (t % 50))),
                KeyValue.Int64("span.index", s),
            ],
        }),
    ];
}
