using Jaeger.Model;

namespace Jaeger.Storage.Embedded.Tests;

/// <summary>Searches at the edges of the index layout: entries per run of spans, hour boundaries, unindexed long tags.</summary>
public sealed class EmbeddedSearchTests : IDisposable
{
    private static readonly DateTimeOffset Base = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new("search");
    private readonly EmbeddedSpanStore _store;

    public EmbeddedSearchTests()
    {
        _store = StoreFixtures.Open(_folder.Sub("data"));
    }

    public void Dispose()
    {
        _store.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_process_tag_finds_a_span_in_the_window_whose_run_started_before_the_window()
    {
        // One call, one run: the first span is 40 minutes before the window, the matching one inside it.
        var process = new Process("proc-svc", [KeyValue.String("region", "north")]);
        var id = new TraceId(0x9A, 1);
        await _store.WriteSpansAsync([Span(id, 1, process, "early", Base.AddMinutes(-40), 1000), Span(id, 2, process, "late", Base.AddMinutes(5), 1500)]);

        var query = new TraceQueryParameters
        {
            ServiceName = "proc-svc",
            OperationName = "late",
            Tags = new Dictionary<string, string> { ["region"] = "north" },
            StartTimeMin = Base,
            StartTimeMax = Base.AddMinutes(10),
            DurationMin = TimeSpan.FromMicroseconds(1200),
            DurationMax = TimeSpan.FromMicroseconds(2000),
        };

        Assert.Equal([id], await _store.FindTraceIdsAsync(query));
        Assert.Empty(await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "proc-svc", Tags = new Dictionary<string, string> { ["region"] = "south" }, StartTimeMin = Base, StartTimeMax = Base.AddMinutes(10) }));

        // The early span is outside this window, and it is the only one with operation "early".
        Assert.Empty(await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "proc-svc", OperationName = "early", Tags = new Dictionary<string, string> { ["region"] = "north" }, StartTimeMin = Base, StartTimeMax = Base.AddMinutes(10) }));
    }

    [Fact]
    public async Task A_process_tag_finds_a_span_of_a_run_wider_than_an_hour()
    {
        var process = new Process("wide-svc", [KeyValue.String("region", "east")]);
        var id = new TraceId(0x9A, 2);
        await _store.WriteSpansAsync([Span(id, 1, process, "op", Base.AddHours(-5), 1000), Span(id, 2, process, "op", Base.AddMinutes(1), 1000)]);

        var found = await _store.FindTraceIdsAsync(new TraceQueryParameters { Tags = new Dictionary<string, string> { ["region"] = "east" }, StartTimeMin = Base, StartTimeMax = Base.AddMinutes(2) });

        Assert.Equal([id], found);
    }

    [Fact]
    public async Task A_tag_value_too_long_for_the_index_is_still_found()
    {
        var process = new Process("long-svc");
        var statement = "SELECT " + new string('c', 600) + " FROM t";
        var id = new TraceId(0x9A, 3);
        await _store.WriteSpansAsync([Span(id, 1, process, "query", Base, 1000, KeyValue.String("db.statement", statement)), Span(new TraceId(0x9A, 4), 1, process, "query", Base, 1000, KeyValue.String("db.statement", "other"))]);

        Assert.Equal([id], await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "long-svc", Tags = new Dictionary<string, string> { ["db.statement"] = statement } }));
        Assert.Equal([id], await _store.FindTraceIdsAsync(new TraceQueryParameters { Tags = new Dictionary<string, string> { ["db.statement"] = statement } }));
    }

    [Fact]
    public async Task A_trace_across_an_hour_boundary_is_read_whole_and_the_window_hint_narrows_the_hours_read()
    {
        var process = new Process("hours-svc");
        var id = new TraceId(0x9A, 5);
        await _store.WriteSpansAsync([Span(id, 1, process, "root", Base.AddMinutes(-1), 120_000_000), Span(id, 2, process, "child", Base.AddMinutes(1), 1000)]);

        Assert.Equal(2, (await _store.GetTraceAsync(id))!.Spans.Count);
        Assert.Equal(2, (await _store.GetTraceAsync(new TraceGetParameters(id, Base.AddMinutes(-1), Base.AddMinutes(1))))!.Spans.Count);

        // A hint is the window the spans start in: a window over the second hour alone reads only that hour.
        var late = await _store.GetTraceAsync(new TraceGetParameters(id, Base, Base.AddMinutes(30)));
        Assert.Equal([2UL], late!.Spans.Select(s => s.SpanId.Value));
        Assert.Equal(2, _store.Buckets.Count);
    }

    [Fact]
    public async Task The_same_span_written_twice_is_stored_once_and_two_different_spans_with_one_id_both_are_kept()
    {
        var process = new Process("dup-svc");
        var id = new TraceId(0x9A, 6);
        var span = Span(id, 1, process, "op", Base, 1000);
        await _store.WriteSpansAsync([span]);
        await _store.WriteSpansAsync([span]);
        Assert.Single((await _store.GetTraceAsync(id))!.Spans);

        // Zipkin's shared span: client and server halves with one id.
        await _store.WriteSpansAsync([Span(id, 1, process, "op", Base, 900, KeyValue.String("span.kind", "server"))]);
        Assert.Equal(2, (await _store.GetTraceAsync(id))!.Spans.Count);
    }

    [Fact]
    public async Task A_run_writes_one_entry_per_distinct_service_operation_and_tag()
    {
        var process = new Process("run-svc", [KeyValue.String("region", "west")]);
        var id = new TraceId(0x9A, 7);
        var spans = Enumerable.Range(1, 10).Select(i => Span(id, (ulong)i, process, i % 2 == 0 ? "even" : "odd", Base.AddMilliseconds(i), 1000 + i, KeyValue.String("payload", "same"), KeyValue.Int64("index", 7))).ToArray();
        await _store.WriteSpansAsync(spans);

        // 1 service + 2 operations + 2 span tags + 1 process tag, instead of 10 + 10 + 20 + 1.
        Assert.Equal(6, CountIndexEntries("run-svc"));
        Assert.Equal([id], await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "run-svc", OperationName = "even", Tags = new Dictionary<string, string> { ["index"] = "7", ["region"] = "west" } }));
    }

    [Fact]
    public async Task Span_tags_and_operations_find_a_span_in_the_window_whose_run_started_before_the_window()
    {
        var process = new Process("early-svc");
        var id = new TraceId(0x9A, 8);
        await _store.WriteSpansAsync([
            Span(id, 1, process, "early", Base.AddMinutes(-40), 1000, KeyValue.String("step", "one")),
            Span(id, 2, process, "late", Base.AddMinutes(5), 1500, KeyValue.String("step", "two")),
        ]);
        var window = (Min: Base, Max: Base.AddMinutes(10));

        Assert.Equal([id], await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "early-svc", StartTimeMin = window.Min, StartTimeMax = window.Max }));
        Assert.Equal([id], await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "early-svc", OperationName = "late", StartTimeMin = window.Min, StartTimeMax = window.Max }));
        Assert.Equal([id], await _store.FindTraceIdsAsync(new TraceQueryParameters { Tags = new Dictionary<string, string> { ["step"] = "two" }, StartTimeMin = window.Min, StartTimeMax = window.Max }));

        // What only the early span has is not in the window.
        Assert.Empty(await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "early-svc", OperationName = "early", StartTimeMin = window.Min, StartTimeMax = window.Max }));
        Assert.Empty(await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "early-svc", Tags = new Dictionary<string, string> { ["step"] = "one" }, StartTimeMin = window.Min, StartTimeMax = window.Max }));
    }

    [Fact]
    public async Task Durations_are_checked_per_span_although_a_run_has_one_entry()
    {
        var process = new Process("dur-svc");
        var id = new TraceId(0x9A, 9);
        await _store.WriteSpansAsync([Span(id, 1, process, "op", Base, 1000, KeyValue.String("k", "v")), Span(id, 2, process, "op", Base.AddMilliseconds(1), 3000, KeyValue.String("k", "v"))]);

        Assert.Equal([id], await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "dur-svc", Tags = new Dictionary<string, string> { ["k"] = "v" }, DurationMin = TimeSpan.FromMicroseconds(2500) }));
        Assert.Equal([id], await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "dur-svc", OperationName = "op", DurationMax = TimeSpan.FromMicroseconds(1000) }));

        // Between the two spans' durations: the entry's range admits it, no span does.
        Assert.Empty(await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "dur-svc", DurationMin = TimeSpan.FromMicroseconds(1500), DurationMax = TimeSpan.FromMicroseconds(2500) }));
        Assert.Empty(await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "dur-svc", DurationMin = TimeSpan.FromMicroseconds(3001) }));
    }

    [Fact]
    public async Task A_span_tag_of_a_run_wider_than_an_hour_is_indexed_per_span()
    {
        var process = new Process("wide-tag-svc");
        var id = new TraceId(0x9A, 10);
        await _store.WriteSpansAsync([Span(id, 1, process, "op", Base.AddHours(-5), 1000, KeyValue.String("k", "v")), Span(id, 2, process, "op", Base.AddMinutes(1), 1000, KeyValue.String("k", "v"))]);

        Assert.Equal(6, CountIndexEntries("wide-tag-svc"));
        Assert.Equal([id], await _store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "wide-tag-svc", Tags = new Dictionary<string, string> { ["k"] = "v" }, StartTimeMin = Base, StartTimeMax = Base.AddMinutes(2) }));
    }

    [Fact]
    public async Task A_loaded_trace_shares_one_instance_of_each_repeated_short_string()
    {
        var process = new Process("shared-svc");
        var id = new TraceId(0x9A, 11);
        await _store.WriteSpansAsync([Span(id, 1, process, "GET /orders", Base, 1000, KeyValue.String("http.method", "GET")), Span(id, 2, process, "GET /orders", Base.AddMilliseconds(1), 500, KeyValue.String("http.method", "GET"))]);

        var spans = (await _store.GetTraceAsync(new TraceGetParameters(id)))!.Spans;

        Assert.Equal(2, spans.Count);
        Assert.Equal("GET /orders", spans[0].OperationName);
        Assert.Same(spans[0].OperationName, spans[1].OperationName);
        Assert.Same(spans[0].Tags[0].Key, spans[1].Tags[0].Key);
        Assert.Same(spans[0].Tags[0].StringValue, spans[1].Tags[0].StringValue);
    }

    /// <summary>The service, operation and tag entries of a service, over every hour.</summary>
    private int CountIndexEntries(string service)
    {
        var count = 0;
        var db = _store.Db;
        using var iterator = db.Db.NewIterator(db.Index);
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            var key = iterator.GetKeySpan();
            if (key.Length > 5 && key[4] is Encoding.Keys.ServiceIndex or Encoding.Keys.OperationIndex or Encoding.Keys.TagIndex or Encoding.Keys.ProcessTagIndex)
            {
                var reader = new Encoding.ByteReader(key[5..]);
                if (reader.ReadString() == service)
                {
                    count++;
                }
            }
        }

        return count;
    }

    private static Span Span(TraceId traceId, ulong spanId, Process process, string operation, DateTimeOffset start, long duration, params KeyValue[] tags) => new()
    {
        TraceId = traceId,
        SpanId = new SpanId(spanId),
        OperationName = operation,
        Process = process,
        StartTime = start,
        DurationMicros = duration,
        Tags = [.. tags],
        References = spanId == 1 ? [] : [new SpanRef(traceId, new SpanId(1))],
    };
}
