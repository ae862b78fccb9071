using Jaeger.Model;

namespace Jaeger.Storage.Conformance;

/// <summary>
/// The storage contract, as cases any backend's test class inherits: derive and return a fresh empty backend from
/// <see cref="CreateBackendAsync"/>. Cases that need a search capability run only when the backend's reader declares
/// it (<see cref="ISpanReader.Capabilities"/>); a backend that lacks one must refuse such a search with
/// <see cref="UnsupportedSearchException"/>, which is checked instead. Each case writes its fixtures (search cases
/// write every search fixture) and then reads.
/// </summary>
public abstract partial class SpanStoreConformanceTests
{
    /// <summary>When the test runs, truncated to the second: fixtures are placed relative to it so time windows work.</summary>
    protected DateTimeOffset Now { get; } = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    /// <summary>True when the backend derives dependency links from stored traces (parent service to child service).</summary>
    protected virtual bool DerivesDependencies => false;

    /// <summary>The capabilities declared by the backend under test, read from a fresh backend's reader once.</summary>
    protected SearchCapabilities Capabilities => _capabilities ??= ReadCapabilities();

    private SearchCapabilities? _capabilities;

    private bool ReturnsSpanKind => Capabilities.HasFlag(SearchCapabilities.OperationSpanKinds);

    private bool SearchesBinaryTags => Capabilities.HasFlag(SearchCapabilities.BinaryTags);

    private SearchCapabilities ReadCapabilities()
    {
        var backend = CreateBackendAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            return backend.Reader.Capabilities;
        }
        finally
        {
            backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>A fresh, empty backend.</summary>
    protected abstract ValueTask<StorageBackend> CreateBackendAsync();

    /// <summary>Called after every write, before reads: an eventually consistent backend waits here until its writes are visible.</summary>
    protected virtual ValueTask AfterWriteAsync(StorageBackend backend) => ValueTask.CompletedTask;

    [Fact]
    public async Task GetServices_lists_every_service_of_the_written_spans_sorted()
    {
        await using var backend = await CreateBackendAsync();
        await WriteAsync(backend, ExampleTrace());

        var services = await backend.Reader.GetServicesAsync();

        Assert.Equal(["service-1", "service-2", "service-3"], services);
    }

    [Fact]
    public async Task GetOperations_lists_operations_of_one_service_with_their_span_kind()
    {
        await using var backend = await CreateBackendAsync();
        await WriteAsync(backend, ExampleTrace());

        var operations = await backend.Reader.GetOperationsAsync(new OperationQueryParameters("service-1"));

        if (ReturnsSpanKind)
        {
            Assert.Equal([new Operation("op-1", ""), new Operation("op-3", "server"), new Operation("op-4", "client")], Sorted(operations));
        }
        else
        {
            Assert.Equal(["op-1", "op-3", "op-4"], operations.Select(o => o.Name).Order(StringComparer.Ordinal));
        }

        var service2 = await backend.Reader.GetOperationsAsync(new OperationQueryParameters("service-2", ""));
        Assert.Equal(["op-2"], service2.Select(o => o.Name));
        if (ReturnsSpanKind)
        {
            Assert.Equal("consumer", Assert.Single(service2).SpanKind);
        }

        Assert.Empty(await backend.Reader.GetOperationsAsync(new OperationQueryParameters("no-such-service")));
    }

    [Fact]
    public async Task GetOperations_with_a_span_kind_lists_only_operations_of_that_kind()
    {
        if (!ReturnsSpanKind)
        {
            return;
        }

        await using var backend = await CreateBackendAsync();
        await WriteAsync(backend, ExampleTrace());

        Assert.Equal([new Operation("op-3", "server")], await backend.Reader.GetOperationsAsync(new OperationQueryParameters("service-1", "server")));
        Assert.Equal([new Operation("op-4", "client")], await backend.Reader.GetOperationsAsync(new OperationQueryParameters("service-1", "client")));
        Assert.Empty(await backend.Reader.GetOperationsAsync(new OperationQueryParameters("service-1", "producer")));
    }

    [Fact]
    public async Task GetTrace_returns_the_trace_as_written()
    {
        await using var backend = await CreateBackendAsync();
        var example = ExampleTrace();
        await WriteAsync(backend, example);

        var trace = await backend.Reader.GetTraceAsync(example.TraceId);

        TraceAssert.Equal(example.Build(), trace);
    }

    [Fact]
    public async Task GetTrace_of_an_unknown_id_returns_null()
    {
        await using var backend = await CreateBackendAsync();
        await WriteAsync(backend, ExampleTrace());

        Assert.Null(await backend.Reader.GetTraceAsync(new TraceId(0xDEAD, 1)));
        Assert.Null(await backend.Reader.GetTraceAsync(new TraceId(0, 1)));
    }

    [Fact]
    public async Task GetTrace_returns_every_span_of_a_trace_with_more_than_10000_spans()
    {
        await using var backend = await CreateBackendAsync();
        const int count = 10_008;
        var process = new Process("large-service", [KeyValue.String("hostname", "big")]);
        var builder = new TraceBuilder(new TraceId(0x1A26E, 0x1A26E));
        var start = Now.AddHours(-3);
        builder.Span(1, process, "root", start, 1_000_000, tags: [KeyValue.String("span.kind", "server")]);
        for (var i = 2; i <= count; i++)
        {
            builder.Span((ulong)i, process, "child", start.AddSeconds(i), 1000, parent: 1, tags: [KeyValue.Int64("i", i)]);
        }

        // Written in chunks, as a collector would.
        for (var offset = 0; offset < count; offset += 1000)
        {
            await backend.Writer.WriteSpansAsync(builder.Spans.Skip(offset).Take(1000).ToList());
        }

        await AfterWriteAsync(backend);

        var trace = await backend.Reader.GetTraceAsync(builder.TraceId);

        Assert.NotNull(trace);
        Assert.Equal(count, trace.Spans.Count);
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), trace.Spans.Select(s => s.SpanId.Value).Order());
        TraceAssert.Equal(builder.Build(), trace);
    }

    [Fact]
    public Task FindTraces_by_tags_in_span_tags() =>
        AssertFindsAsync(f => Query(f, tags: SearchFixtures.QueryTags(SearchesBinaryTags, ("where", "span"))), f => [f.SpanTags]);

    [Fact]
    public Task FindTraces_by_tags_in_process_tags() =>
        AssertFindsAsync(SearchCapabilities.ProcessTags, f => Query(f, tags: SearchFixtures.QueryTags(SearchesBinaryTags, ("where", "process"))), f => [f.ProcessTags]);

    [Fact]
    public Task FindTraces_by_tags_in_log_fields() =>
        AssertFindsAsync(SearchCapabilities.LogFields, f => Query(f, tags: SearchFixtures.QueryTags(SearchesBinaryTags, ("where", "log"))), f => [f.LogTags]);

    [Fact]
    public Task FindTraces_by_tags_spread_over_span_tags_process_tags_and_logs_of_one_span() =>
        AssertFindsAsync(SearchCapabilities.ProcessTags | SearchCapabilities.LogFields, f => Query(f, tags: SearchFixtures.QueryTags(SearchesBinaryTags, ("where", "multi"))), f => [f.MultiSpot]);

    [Fact]
    public async Task FindTraces_does_not_match_tags_found_only_on_different_spans_of_a_trace()
    {
        // Each half alone finds the trace, which proves the fixture is searchable ...
        await AssertFindsAsync(f => Query(f, tags: new Dictionary<string, string> { ["s.str"] = "sameplacevalue", ["s.int"] = "123", ["where"] = "split" }), f => [f.SplitAcrossSpans]);
        await AssertFindsAsync(f => Query(f, tags: new Dictionary<string, string> { ["s.float"] = "72.5", ["s.bool"] = "true", ["where"] = "split" }), f => [f.SplitAcrossSpans]);

        // ... but together they must hold on one span (Jaeger's rule).
        await AssertFindsAsync(f => Query(f, tags: SearchFixtures.QueryTags(SearchesBinaryTags, ("where", "split"))), f => []);
    }

    [Fact]
    public Task FindTraces_by_tags_operation_and_exact_duration_returns_all_matching_traces_newest_first() =>
        AssertFindsAsync(
            SearchCapabilities.TagsWithDuration | SearchCapabilities.ProcessTags | SearchCapabilities.LogFields,
            f => Query(f, operation: SearchFixtures.Operation, tags: SearchFixtures.QueryTags(SearchesBinaryTags), durationMin: 5000, durationMax: 5000),
            f => [f.MultiSpot, f.LogTags, f.ProcessTags, f.SpanTags]);

    [Fact]
    public Task FindTraces_by_tags_and_min_duration_includes_the_bound() =>
        AssertFindsAsync(
            SearchCapabilities.TagsWithDuration | SearchCapabilities.ProcessTags | SearchCapabilities.LogFields,
            f => Query(f, operation: SearchFixtures.Operation, tags: SearchFixtures.QueryTags(SearchesBinaryTags), durationMin: 5000),
            f => [f.Long, f.MultiSpot, f.LogTags, f.ProcessTags, f.SpanTags]);

    [Fact]
    public Task FindTraces_by_tags_and_max_duration_includes_the_bound() =>
        AssertFindsAsync(
            SearchCapabilities.TagsWithDuration | SearchCapabilities.ProcessTags | SearchCapabilities.LogFields,
            f => Query(f, operation: SearchFixtures.Operation, tags: SearchFixtures.QueryTags(SearchesBinaryTags), durationMax: 5000),
            f => [f.Short, f.MultiSpot, f.LogTags, f.ProcessTags, f.SpanTags]);

    [Fact]
    public Task FindTraces_by_duration_range() =>
        AssertFindsAsync(
            f => Query(f, operation: SearchFixtures.Operation, durationMin: 2000, durationMax: 10_000),
            f => [f.WrongValue, f.SplitAcrossSpans, f.MultiSpot, f.LogTags, f.ProcessTags, f.SpanTags]);

    [Fact]
    public Task FindTraces_by_max_duration_only() =>
        AssertFindsAsync(f => Query(f, durationMax: 4999), f => [f.Short]);

    [Fact]
    public Task FindTraces_by_min_duration_only() =>
        AssertFindsAsync(f => Query(f, durationMin: 5001), f => [f.Long]);

    [Fact]
    public Task FindTraces_by_operation() =>
        AssertFindsAsync(f => Query(f, operation: SearchFixtures.OtherOperation), f => [f.OtherOp]);

    [Fact]
    public Task FindTraces_by_operation_and_tags() =>
        AssertFindsAsync(f => Query(f, operation: SearchFixtures.OtherOperation, tags: SearchFixtures.QueryTags(SearchesBinaryTags)), f => [f.OtherOp]);

    [Fact]
    public Task FindTraces_by_service() =>
        AssertFindsAsync(f => Query(f, service: SearchFixtures.OtherService), f => [f.OtherServiceTrace]);

    [Fact]
    public Task FindTraces_by_service_without_time_window_returns_all_its_traces_newest_first() =>
        AssertFindsAsync(
            f => new TraceQueryParameters { ServiceName = SearchFixtures.Service, Limit = 100 },
            f => [f.Short, f.Long, f.OtherOp, f.WrongValue, f.SplitAcrossSpans, f.MultiSpot, f.LogTags, f.ProcessTags, f.SpanTags, f.Old]);

    [Fact]
    public Task FindTraces_finds_a_trace_by_the_service_of_a_child_span() =>
        AssertFindsAsync(f => Query(f, service: "backend"), f => [f.MultiService]);

    [Fact]
    public Task FindTraces_requires_service_and_operation_on_the_same_span() =>
        AssertFindsAsync(f => Query(f, service: "backend", operation: "GET /"), f => []);

    [Fact]
    public Task FindTraces_without_service_searches_every_service() =>
        AssertFindsAsync(SearchCapabilities.SearchWithoutServiceName, f => Query(f, service: "", tags: SearchFixtures.QueryTags(SearchesBinaryTags, ("where", "span"))), f => [f.OtherServiceTrace, f.SpanTags]);

    [Fact]
    public Task FindTraces_without_service_by_operation() =>
        AssertFindsAsync(SearchCapabilities.SearchWithoutServiceName, f => Query(f, service: null, operation: "GET /"), f => [f.MultiService]);

    [Fact]
    public Task FindTraces_by_start_time_window_excludes_traces_outside_it() =>
        AssertFindsAsync(
            f => new TraceQueryParameters { ServiceName = SearchFixtures.Service, StartTimeMin = f.Base.AddDays(-2).AddHours(-1), StartTimeMax = f.Base.AddDays(-2).AddHours(1), Limit = 100 },
            f => [f.Old]);

    [Fact]
    public async Task FindTraces_start_time_window_bounds_are_inclusive()
    {
        await AssertFindsAsync(
            f => new TraceQueryParameters { ServiceName = SearchFixtures.Service, StartTimeMin = f.At(3), StartTimeMax = f.At(3), Limit = 100 },
            f => [f.LogTags]);
        await AssertFindsAsync(
            f => new TraceQueryParameters { ServiceName = SearchFixtures.Service, StartTimeMin = f.At(3).AddTicks(10), StartTimeMax = f.At(5), Limit = 100 },
            f => [f.SplitAcrossSpans, f.MultiSpot]);
    }

    [Fact]
    public Task FindTraces_limit_returns_the_newest_traces() =>
        AssertFindsAsync(SearchCapabilities.ExactLimit, f => Query(f, limit: 3), f => [f.Short, f.Long, f.OtherOp]);

    [Fact]
    public async Task FindTraces_orders_by_trace_start_which_is_the_earliest_span_start()
    {
        await AssertFindsAsync(f => Query(f, service: "order-svc"), f => [f.Later, f.Earlier]);
        await AssertFindsAsync(SearchCapabilities.ExactLimit, f => Query(f, service: "order-svc", limit: 1), f => [f.Later]);
    }

    [Fact]
    public Task FindTraces_with_no_match_returns_empty() =>
        AssertFindsAsync(f => Query(f, tags: new Dictionary<string, string> { ["s.str"] = "no-such-value" }), f => []);

    [Fact]
    public async Task FindTraces_of_an_unknown_service_or_operation_returns_empty()
    {
        await AssertFindsAsync(f => Query(f, service: "no-such-service"), f => []);
        await AssertFindsAsync(f => Query(f, operation: "no-such-operation"), f => []);
    }

    [Fact]
    public async Task GetDependencies_returns_written_links_within_the_lookback()
    {
        await using var backend = await CreateBackendAsync();
        if (backend.DependencyWriter is null || backend.DependencyReader is null)
        {
            return;
        }

        await backend.DependencyWriter.WriteDependenciesAsync(Now, [new DependencyLink("hello", "world", 1), new DependencyLink("world", "hello", 3)]);
        await backend.DependencyWriter.WriteDependenciesAsync(Now.AddHours(-1), [new DependencyLink("hello", "world", 10)]);
        await AfterWriteAsync(backend);

        var recent = await backend.DependencyReader.GetDependenciesAsync(Now, TimeSpan.FromMinutes(5));
        Assert.Equal([("hello", "world", 1UL), ("world", "hello", 3UL)], Links(recent));

        var wider = await backend.DependencyReader.GetDependenciesAsync(Now, TimeSpan.FromHours(2));
        Assert.Equal([("hello", "world", 11UL), ("world", "hello", 3UL)], Links(wider));

        Assert.Empty(await backend.DependencyReader.GetDependenciesAsync(Now.AddMinutes(-10), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task GetDependencies_derives_parent_to_child_service_calls_from_traces_in_the_window()
    {
        if (!DerivesDependencies)
        {
            return;
        }

        await using var backend = await CreateBackendAsync();
        var frontend = new Process("frontend");
        var backendService = new Process("backend");
        var database = new Process("db");
        var start = Now.AddMinutes(-1);
        var recent = new TraceBuilder(new TraceId(0xDE9, 1))
            .Span(1, frontend, "GET /", start, 10_000)
            .Span(2, frontend, "render", start.AddMilliseconds(1), 1000, parent: 1)
            .Span(3, backendService, "query", start.AddMilliseconds(2), 3000, parent: 1)
            .Span(4, backendService, "query", start.AddMilliseconds(6), 3000, parent: 1)
            .Span(5, database, "SELECT", start.AddMilliseconds(3), 1000, parent: 3);
        var old = new TraceBuilder(new TraceId(0xDE9, 2))
            .Span(1, frontend, "GET /", Now.AddDays(-2), 10_000)
            .Span(2, backendService, "query", Now.AddDays(-2).AddMilliseconds(1), 1000, parent: 1);
        await WriteAsync(backend, recent, old);
        if (backend.DependencyWriter is not null)
        {
            await backend.DependencyWriter.WriteDependenciesAsync(Now, [new DependencyLink("frontend", "backend", 5)]);
            await AfterWriteAsync(backend);
        }

        var reader = backend.DependencyReader ?? throw new InvalidOperationException("A backend that derives dependencies must have a dependency reader.");
        var links = await reader.GetDependenciesAsync(Now, TimeSpan.FromHours(1));

        var expectedCalls = backend.DependencyWriter is null ? 2UL : 7UL;
        Assert.Equal([("backend", "db", 1UL), ("frontend", "backend", expectedCalls)], Links(links));
    }

    /// <summary>A trace over three services that uses every field: all tag types, logs, references, flags and warnings.</summary>
    protected TraceBuilder ExampleTrace()
    {
        var traceId = new TraceId(0x0123456789ABCDEF, 0xFEDCBA9876543210);
        var start = Now.AddMinutes(-30);
        var service1 = new Process("service-1", [KeyValue.String("hostname", "host-a"), KeyValue.String("ip", "10.0.0.1"), KeyValue.Int64("pid", 42)]);
        var service2 = new Process("service-2", [KeyValue.Bool("canary", true)]);
        var service3 = new Process("service-3");
        return new TraceBuilder(traceId)
            .Span(1, service1, "op-1", start, 100_000, tags: [
                KeyValue.String("str", "value"),
                KeyValue.Bool("bool", true),
                KeyValue.Int64("int", -12345678901234),
                KeyValue.Float64("float", 3.25),
                KeyValue.Binary("bin", [0x00, 0xFF, 0x10]),
            ], logs: [
                new Log(Time.ToUnixMicros(start) + 100, [KeyValue.String("event", "started"), KeyValue.Int64("attempt", 1)]),
                new Log(Time.ToUnixMicros(start) + 900, [KeyValue.String("event", "done"), KeyValue.Float64("ratio", 0.5), KeyValue.Bool("ok", true)]),
            ], customize: s =>
            {
                s.Flags = SpanFlags.Sampled | SpanFlags.Debug;
                s.Warnings = ["clock skew adjusted", "second warning"];
            })
            .Span(2, service1, "op-3", start.AddMilliseconds(1), 50_000, parent: 1, tags: [KeyValue.String("span.kind", "server")])
            .Span(3, service1, "op-4", start.AddMilliseconds(2), 20_000, parent: 2, tags: [KeyValue.String("span.kind", "client")], customize: s =>
                s.References = [
                    new SpanRef(traceId, new SpanId(2), SpanRefType.ChildOf),
                    new SpanRef(traceId, new SpanId(1), SpanRefType.FollowsFrom),
                    new SpanRef(new TraceId(0, 0x777), new SpanId(0x888), SpanRefType.FollowsFrom),
                ])
            .Span(4, service2, "op-2", start.AddMilliseconds(3), 10_000, parent: 3, tags: [KeyValue.String("span.kind", "consumer")], customize: s => s.Flags = SpanFlags.None)
            .Span(5, service3, "op-5", start.AddMilliseconds(4), 5_000, parent: 4);
    }

    /// <summary>Writes the traces (one call each), then lets the backend settle.</summary>
    protected async Task WriteAsync(StorageBackend backend, params TraceBuilder[] traces)
    {
        foreach (var trace in traces)
        {
            await backend.Writer.WriteSpansAsync(trace.Spans);
        }

        await AfterWriteAsync(backend);
    }

    /// <summary>
    /// Checks a search that needs <paramref name="needs"/> when the backend declares it. Otherwise, a search that needs
    /// a capability the query check knows about (<see cref="SearchCapabilityCheck"/>) must be refused with
    /// <see cref="UnsupportedSearchException"/>; for the other capabilities there is nothing to check.
    /// </summary>
    protected async Task AssertFindsAsync(SearchCapabilities needs, Func<SearchFixtures, TraceQueryParameters> query, Func<SearchFixtures, TraceBuilder[]> expected)
    {
        if ((Capabilities & needs) == needs)
        {
            await AssertFindsAsync(query, expected);
            return;
        }

        var parameters = query(new SearchFixtures(Now));
        if (SearchCapabilityCheck.Missing(parameters, Capabilities) != SearchCapabilities.None)
        {
            await using var backend = await CreateBackendAsync();
            await Assert.ThrowsAsync<UnsupportedSearchException>(async () => await backend.Reader.FindTracesAsync(parameters));
            await Assert.ThrowsAsync<UnsupportedSearchException>(async () => await backend.Reader.FindTraceIdsAsync(parameters));
            await Assert.ThrowsAsync<UnsupportedSearchException>(async () => await backend.Reader.FindTraceSummariesAsync(parameters));
        }
    }

    /// <summary>Writes every search fixture to a fresh backend, runs the query, and checks the result's content and order, and the ids' and summaries' search.</summary>
    protected async Task AssertFindsAsync(Func<SearchFixtures, TraceQueryParameters> query, Func<SearchFixtures, TraceBuilder[]> expected)
    {
        var parameters0 = query(new SearchFixtures(Now));
        if (SearchCapabilityCheck.Missing(parameters0, Capabilities) != SearchCapabilities.None)
        {
            throw new InvalidOperationException("This conformance case runs a search the backend does not declare it can answer; gate it on the capability.");
        }

        await using var backend = await CreateBackendAsync();
        var fixtures = new SearchFixtures(Now);
        await WriteAsync(backend, [.. fixtures.All]);
        var parameters = query(fixtures);
        var want = expected(fixtures);

        var traces = await backend.Reader.FindTracesAsync(parameters);

        Assert.Equal(want.Select(t => t.TraceId.ToString()), traces.Select(t => t.TraceId.ToString()));
        for (var i = 0; i < want.Length; i++)
        {
            TraceAssert.Equal(want[i].Build(), traces[i]);
        }

        var ids = await backend.Reader.FindTraceIdsAsync(parameters);
        Assert.Equal(traces.Select(t => t.TraceId), ids);

        var summaries = await backend.Reader.FindTraceSummariesAsync(parameters);
        Assert.Equal(want.Select(t => TraceSummary.FromTrace(t.Build())), summaries, TraceSummaryComparer.Instance);
    }

    /// <summary>A query within the fixtures' window, on their service unless told otherwise.</summary>
    protected static TraceQueryParameters Query(
        SearchFixtures fixtures,
        string? service = SearchFixtures.Service,
        string? operation = null,
        Dictionary<string, string>? tags = null,
        long? durationMin = null,
        long? durationMax = null,
        int limit = 100) => new()
        {
            ServiceName = service,
            OperationName = operation,
            Tags = tags ?? [],
            StartTimeMin = fixtures.WindowStart,
            StartTimeMax = fixtures.WindowEnd,
            DurationMin = durationMin is { } min ? Time.FromMicros(min) : null,
            DurationMax = durationMax is { } max ? Time.FromMicros(max) : null,
            Limit = limit,
        };

    private static Operation[] Sorted(IReadOnlyList<Operation> operations) =>
        [.. operations.OrderBy(o => o.Name, StringComparer.Ordinal).ThenBy(o => o.SpanKind, StringComparer.Ordinal)];

    private static (string Parent, string Child, ulong Calls)[] Links(IReadOnlyList<DependencyLink> links) =>
        [.. links.Select(l => (l.Parent, l.Child, l.CallCount)).OrderBy(l => l.Parent, StringComparer.Ordinal).ThenBy(l => l.Child, StringComparer.Ordinal)];
}
