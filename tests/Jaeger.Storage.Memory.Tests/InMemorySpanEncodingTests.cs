using System.Runtime.CompilerServices;
using Jaeger.Model;
using Jaeger.Testing;

namespace Jaeger.Storage.Memory.Tests;

/// <summary>The store keeps spans encoded (<see cref="SpanEncoding"/>): what it returns must equal what was written, in every field.</summary>
public sealed class InMemorySpanEncodingTests
{
    private const long Base = 1_764_000_000_000_000;
    private static readonly TraceId Wide = new(0xfedcba9876543210, 0x0123456789abcdef);
    private static readonly string LoneSurrogate = "bad\ud800text";

    public static TheoryData<int> TableSizes => [0, 3, StringTable.DefaultMaxEntries];

    [Theory]
    [MemberData(nameof(TableSizes))]
    public async Task Every_field_and_value_type_reads_back_exactly_whether_strings_are_interned_or_inline(int maxInternedStrings)
    {
        using var store = new InMemorySpanStore(null, null, maxInternedStrings);
        var spans = EdgeSpans();

        await store.WriteSpansAsync(spans);

        var trace = await store.GetTraceAsync(Wide);
        Assert.NotNull(trace);
        Assert.Equal(spans.Count, trace.Spans.Count);
        for (var i = 0; i < spans.Count; i++)
        {
            AssertSameContent(spans[i], trace.Spans[i]);
        }

        Assert.True(store.Strings.Count <= maxInternedStrings);
    }

    [Theory]
    [MemberData(nameof(TableSizes))]
    public void The_encoder_sets_the_same_signature_bits_as_the_span_model_whether_strings_are_interned_or_inline(int maxInternedStrings)
    {
        var strings = new StringTable(maxInternedStrings);
        var encoder = new SpanEncoder();

        // Twice, so the second pass finds the strings the first one interned.
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var span in EdgeSpans())
            {
                encoder.Encode(span, Base, 0, strings, out var signature);
                var process = SpanSignature.ForProcess(span.Process);
                Assert.Equal(SpanSignature.ForSpan(span, process), signature | process);
                Assert.NotEqual(0UL, signature);
            }
        }

        Assert.Equal(SpanSignature.Text(new string("http.method".AsSpan())), SpanSignature.Text("http.method"));
        Assert.NotEqual(SpanSignature.Text("http.method"), SpanSignature.Text("http.methoe"));
    }

    [Theory]
    [MemberData(nameof(TableSizes))]
    public async Task Searches_match_interned_and_inline_values_of_every_type(int maxInternedStrings)
    {
        using var store = new InMemorySpanStore(null, null, maxInternedStrings);
        await store.WriteSpansAsync(EdgeSpans());

        string[][] matching =
        [
            ["http.method", "GET"],
            ["unicode", "naïve ☃ 🚀"],
            ["surrogate", LoneSurrogate],
            ["long", new string('x', 5000)],
            ["empty", ""],
            ["flag", "true"],
            ["off", "false"],
            ["min", long.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            ["ratio", "0.25"],
            ["nan", "NaN"],
            ["bytes", "00ff10"],
            ["event", "retry"],
            ["hostname", "host-1"],
            ["pid", "4242"],
        ];
        foreach (var pair in matching)
        {
            var query = new TraceQueryParameters { ServiceName = "svc", Tags = new Dictionary<string, string> { [pair[0]] = pair[1] } };
            Assert.True((await store.FindTraceIdsAsync(query)).Count == 1, $"{pair[0]}={pair[1]} should match");
        }

        string[][] notMatching =
        [
            ["http.method", "POST"],
            ["unicode", "naive"],
            ["surrogate", "bad\ufffdtext"],
            ["flag", "false"],
            ["min", "0"],
            ["ratio", "0.250"],
            ["bytes", "00FF10"],
            ["event", "other"],
            ["missing", "GET"],
        ];
        foreach (var pair in notMatching)
        {
            var query = new TraceQueryParameters { ServiceName = "svc", Tags = new Dictionary<string, string> { [pair[0]] = pair[1] } };
            Assert.True((await store.FindTraceIdsAsync(query)).Count == 0, $"{pair[0]}={pair[1]} should not match");
        }

        Assert.Single(await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "svc", OperationName = "op ☃" }));
        Assert.Single(await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "other-svc", OperationName = LoneSurrogate }));
        Assert.Empty(await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "svc", OperationName = "op" }));
    }

    [Fact]
    public async Task Dependencies_are_derived_from_encoded_references_of_every_kind()
    {
        using var store = new InMemorySpanStore();
        var front = new Process("front");
        var back = new Process("back");
        var side = new Process("side");
        var start = Base;
        await store.WriteSpansAsync([
            new Span { TraceId = Wide, SpanId = new SpanId(1), OperationName = "root", Process = front, StartTimeMicros = start },

            // CHILD_OF in this trace wins over an earlier FOLLOWS_FROM and a reference to another trace.
            new Span
            {
                TraceId = Wide, SpanId = new SpanId(2), OperationName = "call", Process = back, StartTimeMicros = start + 1,
                References = [new SpanRef(new TraceId(9, 9), new SpanId(3)), new SpanRef(Wide, new SpanId(3), SpanRefType.FollowsFrom), new SpanRef(Wide, new SpanId(1))],
            },
            new Span
            {
                TraceId = Wide, SpanId = new SpanId(3), OperationName = "async", Process = side, StartTimeMicros = start + 2,
                References = [new SpanRef(Wide, new SpanId(1), SpanRefType.FollowsFrom)],
            },
        ]);

        var links = await store.GetDependenciesAsync(Time.FromUnixMicros(start + 10), TimeSpan.FromMinutes(1));

        Assert.Equal([new DependencyLink("front", "back", 1), new DependencyLink("front", "side", 1)], links);
    }

    [Fact]
    public async Task Equal_processes_from_separate_batches_are_stored_once_and_shared_by_reads()
    {
        using var store = new InMemorySpanStore();
        for (var batch = 0; batch < 5; batch++)
        {
            // A fresh but equal process per batch, as every decoded batch brings.
            var process = new Process(new string("svc".AsSpan()), [KeyValue.String("hostname", new string("h1".AsSpan()))]);
            await store.WriteSpansAsync([new Span { TraceId = new TraceId(1, (ulong)batch + 1), SpanId = new SpanId(1), OperationName = "op", Process = process }]);
        }

        await store.WriteSpansAsync([new Span { TraceId = new TraceId(1, 9), SpanId = new SpanId(1), OperationName = "op", Process = new Process("svc", [KeyValue.String("hostname", "h2")]) }]);

        Assert.Equal(2, store.Processes.Count);
        var traces = await store.FindTracesAsync(new TraceQueryParameters { ServiceName = "svc", Limit = 10 });
        var fromH1 = traces.SelectMany(t => t.Spans).Where(s => s.Process.Tags[0].StringValue == "h1").ToList();
        Assert.Equal(5, fromH1.Count);
        Assert.All(fromH1, s => Assert.Same(fromH1[0].Process, s.Process));
    }

    [Fact]
    public void The_string_table_stops_at_its_bounds_and_caps_distinct_values_per_key()
    {
        var table = new StringTable(maxEntries: 1000);
        var key = table.Intern("request.id");
        for (var i = 0; i < 5000; i++)
        {
            table.InternValue(key, $"id-{i}");
        }

        // A key with unique values stops being interned after MaxValuesPerKey of them.
        Assert.Equal(1 + StringTable.MaxValuesPerKey, table.Count);
        Assert.Equal(-1, table.InternValue(key, "id-new"));
        Assert.Equal(table.InternValue(key, "id-7"), table.InternValue(table.Intern("other"), "id-7"));

        Assert.Equal(-1, table.Intern(new string('k', StringTable.MaxLength + 1)));
        Assert.Equal(-1, table.InternValue(key, new string('v', StringTable.MaxLength + 1)));
        Assert.Equal(-1, table.InternValue(-1, "value of a key that is not interned"));

        for (var i = 0; i < 5000; i++)
        {
            table.Intern($"key-{i}");
        }

        Assert.Equal(1000, table.Count);
        Assert.Equal(-1, table.Intern("one more"));
        Assert.Equal("request.id", table[key]);
    }

    [Fact]
    public async Task Hostile_input_with_unique_keys_and_values_cannot_grow_the_string_table_past_its_bound()
    {
        using var store = new InMemorySpanStore(null, null, maxInternedStrings: 500);
        var process = new Process("svc");
        for (var t = 0; t < 200; t++)
        {
            var span = new Span
            {
                TraceId = new TraceId(2, (ulong)t + 1),
                SpanId = new SpanId(1),
                OperationName = $"op-{t}",
                Process = process,
                Tags = [.. Enumerable.Range(0, 10).Select(k => KeyValue.String($"key-{t}-{k}", $"value-{t}-{k}"))],
            };
            await store.WriteSpansAsync([span]);
        }

        Assert.Equal(500, store.Strings.Count);
        var last = await store.GetTraceAsync(new TraceId(2, 200));
        Assert.Equal("op-199", last!.Spans[0].OperationName);
        Assert.Equal(KeyValue.String("key-199-9", "value-199-9"), last.Spans[0].Tags[9]);
        var query = new TraceQueryParameters { ServiceName = "svc", Tags = new Dictionary<string, string> { ["key-150-3"] = "value-150-3" } };
        Assert.Equal([new TraceId(2, 151)], await store.FindTraceIdsAsync(query));
    }

    [Fact]
    public async Task Eviction_stays_first_in_first_out_and_releases_the_evicted_spans_and_processes()
    {
        // No interning, so a trace encodes to the same bytes in either store.
        using var store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = 10 }, null, maxInternedStrings: 0);
        var firstProcess = await WriteTraceWithOwnProcessAsync(store, 1);
        for (var t = 2; t <= 100; t++)
        {
            await WriteTraceWithOwnProcessAsync(store, t);
        }

        using var reference = new InMemorySpanStore(null, null, maxInternedStrings: 0);
        for (var t = 91; t <= 100; t++)
        {
            await WriteTraceWithOwnProcessAsync(reference, t);
        }

        Assert.Equal(Enumerable.Range(91, 10).Reverse().Select(t => new TraceId(3, (ulong)t)), await store.FindTraceIdsAsync(new TraceQueryParameters { Limit = 100 }));
        Assert.Equal(reference.EncodedBytes, store.EncodedBytes);
        Assert.Equal(10, store.Processes.Count);
        Assert.Equal(20, store.SpanCount);

        // Nothing in the store refers to the first trace's process any more.
        for (var i = 0; i < 3 && firstProcess.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(firstProcess.IsAlive);
    }

    [Fact]
    public async Task The_store_keeps_its_own_copy_so_written_spans_can_be_collected_or_changed()
    {
        using var store = new InMemorySpanStore();
        var written = await WriteAndForgetAsync(store);
        for (var i = 0; i < 3 && written.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(written.IsAlive);
        var trace = await store.GetTraceAsync(new TraceId(4, 1));
        Assert.Equal("before", trace!.Spans[0].OperationName);
    }

    [Fact]
    public async Task A_typical_span_with_8_tags_and_a_log_encodes_to_under_170_bytes_once_its_repeated_strings_are_interned()
    {
        using var store = new InMemorySpanStore();
        for (var t = 0; t < 100; t++)
        {
            // Fresh strings per span, as a decoder produces them; two values are unique per span.
            var id = new TraceId(5, (ulong)t + 1);
            await store.WriteSpansAsync([.. Enumerable.Range(0, 10).Select(s => new Span
            {
                TraceId = id,
                SpanId = new SpanId((ulong)((t * 16) + s + 1)),
                OperationName = Fresh($"GET /api/orders/{{id}}/items/{s % 4}"),
                Process = new Process(Fresh("shop"), [KeyValue.String(Fresh("hostname"), Fresh("host-1"))]),
                Flags = SpanFlags.Sampled,
                StartTimeMicros = Base + (t * 50_000L) + (s * 700),
                DurationMicros = 300 + (s * 131),
                References = s == 0 ? [] : [new SpanRef(id, new SpanId((ulong)((t * 16) + s)))],
                Tags =
                [
                    KeyValue.String(Fresh("http.method"), Fresh("GET")),
                    KeyValue.String(Fresh("http.url"), $"https://shop.example.test/api/orders/{(t * 31) + 1000}/items/{s}?page={t % 7}"),
                    KeyValue.Int64(Fresh("http.status_code"), 200),
                    KeyValue.String(Fresh("span.kind"), Fresh("server")),
                    KeyValue.String(Fresh("component"), Fresh("aspnetcore")),
                    KeyValue.Bool(Fresh("error"), false),
                    KeyValue.Float64(Fresh("db.rows_ratio"), s / 10.0),
                    KeyValue.String(Fresh("request.id"), Guid.NewGuid().ToString()),
                ],
                Logs = [new Log(Base + 120, [KeyValue.String(Fresh("event"), Fresh("cache.miss")), KeyValue.Int64(Fresh("bytes"), 512 + t)])],
            })]);
        }

        // 58 + 36 bytes of the two unique strings, 8 of span id, 8 of the double; the rest is small numbers.
        var perSpan = store.EncodedBytes / (double)store.SpanCount;
        Assert.InRange(perSpan, 100, 170);
        Assert.Equal(1, store.Processes.Count);
    }

    [Fact]
    public async Task The_same_string_instances_written_again_after_a_purge_read_back_and_match_exactly()
    {
        using var store = new InMemorySpanStore();
        var process = new Process("svc");
        KeyValue[] tags = [KeyValue.String("http.method", "GET"), KeyValue.String("peer", "db"), KeyValue.Int64("n", 5)];
        Span SpanOf(ulong trace, string operation) => new() { TraceId = new TraceId(6, trace), SpanId = new SpanId(1), OperationName = operation, Process = process, Tags = [.. tags] };

        await store.WriteSpansAsync([SpanOf(1, "first"), SpanOf(2, "second")]);
        await store.PurgeAsync();
        Assert.Equal(0, store.Strings.Count);

        // Interned anew in another order, so the ids the first writes got now mean other strings.
        await store.WriteSpansAsync([new Span { TraceId = new TraceId(6, 9), SpanId = new SpanId(1), OperationName = "other", Process = process, Tags = [KeyValue.String("zzz", "yyy")] }]);
        await store.WriteSpansAsync([SpanOf(3, "second")]);

        var trace = await store.GetTraceAsync(new TraceId(6, 3));
        Assert.Equal("second", trace!.Spans[0].OperationName);
        Assert.Equal<KeyValue>(tags, trace.Spans[0].Tags);
        var query = new TraceQueryParameters { ServiceName = "svc", OperationName = "second", Tags = new Dictionary<string, string> { ["peer"] = "db", ["http.method"] = "GET" } };
        Assert.Equal([new TraceId(6, 3)], await store.FindTraceIdsAsync(query));
        Assert.Equal(["other", "second"], (await store.GetOperationsAsync(new OperationQueryParameters { ServiceName = "svc" })).Select(o => o.Name));
    }

    [Fact]
    public async Task An_operation_unlisted_by_eviction_is_listed_again_when_the_same_name_instance_comes_back()
    {
        // The service keeps traces throughout; only the operation goes and comes back.
        using var store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = 2 });
        var process = new Process("svc");
        const string x = "x";
        async Task WriteAsync(ulong trace, string operation) =>
            await store.WriteSpansAsync([new Span { TraceId = new TraceId(7, trace), SpanId = new SpanId(1), OperationName = operation, Process = process, StartTimeMicros = (long)trace }]);

        await WriteAsync(1, x);
        await WriteAsync(2, "y");
        await WriteAsync(3, "y");
        Assert.Equal(["y"], (await store.GetOperationsAsync(new OperationQueryParameters { ServiceName = "svc" })).Select(o => o.Name));

        await WriteAsync(4, x);
        Assert.Equal(["x", "y"], (await store.GetOperationsAsync(new OperationQueryParameters { ServiceName = "svc" })).Select(o => o.Name));
        Assert.Equal([new TraceId(7, 4)], await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "svc", OperationName = x }));
    }

    private static string Fresh(string text) => new(text.AsSpan());

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> WriteAndForgetAsync(InMemorySpanStore store)
    {
        var span = new Span { TraceId = new TraceId(4, 1), SpanId = new SpanId(1), OperationName = "before", Process = new Process("svc") };
        await store.WriteSpansAsync([span]);
        span.OperationName = "after";
        return new WeakReference(span);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> WriteTraceWithOwnProcessAsync(InMemorySpanStore store, int trace)
    {
        var process = new Process("svc", [KeyValue.String("hostname", $"host-{trace}")]);
        var id = new TraceId(3, (ulong)trace);
        await store.WriteSpansAsync([
            new Span { TraceId = id, SpanId = new SpanId(1), OperationName = "op", Process = process, StartTimeMicros = Base + trace, Tags = [KeyValue.String("unique", $"value-{trace}")] },
            new Span { TraceId = id, SpanId = new SpanId(2), OperationName = "op", Process = process, StartTimeMicros = Base + trace, References = [new SpanRef(id, new SpanId(1))] },
        ]);
        return new WeakReference(process);
    }

    private static void AssertSameContent(Span expected, Span actual)
    {
        SpanAssert.Equivalent(expected, actual);
        Assert.Equal(expected.Process, actual.Process);
        Assert.Equal(expected.ParentSpanId, actual.ParentSpanId);
    }

    /// <summary>One 128-bit trace whose spans hold every value type and the extremes of every field.</summary>
    private static List<Span> EdgeSpans()
    {
        var large = new byte[100_000];
        for (var i = 0; i < large.Length; i++)
        {
            large[i] = (byte)(i * 31);
        }

        var process = new Process("svc", [
            KeyValue.String("hostname", "host-1"),
            KeyValue.Int64("pid", 4242),
            KeyValue.Binary("token", [1, 2, 3]),
            KeyValue.Float64("load", -0.0),
        ]);
        var other = new Process("other-svc");
        return
        [
            new Span
            {
                TraceId = Wide,
                SpanId = new SpanId(ulong.MaxValue),
                OperationName = "op ☃",
                Process = process,
                Flags = SpanFlags.Sampled | SpanFlags.Debug | SpanFlags.Firehose,
                StartTimeMicros = Base,
                DurationMicros = 123_456,
                Tags =
                [
                    KeyValue.String("http.method", "GET"),
                    KeyValue.String("unicode", "naïve ☃ 🚀"),
                    KeyValue.String("surrogate", LoneSurrogate),
                    KeyValue.String("long", new string('x', 5000)),
                    KeyValue.String("empty", ""),
                    KeyValue.Bool("flag", true),
                    KeyValue.Bool("off", false),
                    KeyValue.Int64("min", long.MinValue),
                    KeyValue.Int64("max", long.MaxValue),
                    KeyValue.Int64("zero", 0),
                    KeyValue.Int64("minus", -1),
                    KeyValue.Float64("ratio", 0.25),
                    KeyValue.Float64("nan", double.NaN),
                    KeyValue.Float64("negative zero", -0.0),
                    KeyValue.Float64("infinity", double.NegativeInfinity),
                    KeyValue.Float64("tiny", double.Epsilon),
                    KeyValue.Binary("bytes", [0x00, 0xff, 0x10]),
                    KeyValue.Binary("no bytes", []),
                    KeyValue.Binary("large", large),
                    KeyValue.String("http.method", "GET"),
                ],
                Logs =
                [
                    new Log(Base - 5, [KeyValue.String("event", "retry"), KeyValue.Int64("attempt", 2)]),
                    new Log(Base + 10, []),
                    new Log(long.MaxValue, [KeyValue.Binary("blob", [9])]),
                ],
                Warnings = ["clock skew adjusted", LoneSurrogate, ""],
            },
            new Span
            {
                TraceId = Wide,
                SpanId = new SpanId(1),
                OperationName = LoneSurrogate,
                Process = other,
                Flags = (SpanFlags)int.MinValue | SpanFlags.Sampled,
                StartTimeMicros = long.MinValue,
                DurationMicros = -7,
                References =
                [
                    new SpanRef(new TraceId(0, 5), new SpanId(6), SpanRefType.FollowsFrom),
                    new SpanRef(Wide, new SpanId(ulong.MaxValue), SpanRefType.FollowsFrom),
                    new SpanRef(Wide, new SpanId(2)),
                    new SpanRef(new TraceId(ulong.MaxValue, ulong.MaxValue), new SpanId(7), (SpanRefType)200),
                ],
            },
            new Span
            {
                TraceId = Wide,
                SpanId = new SpanId(0),
                OperationName = "",
                Process = process,
                StartTimeMicros = long.MaxValue,
                DurationMicros = long.MaxValue,
                Logs = [new Log(long.MinValue, [KeyValue.String("", "empty key")])],
            },
        ];
    }
}
