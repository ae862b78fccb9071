using Jaeger.Model;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>The search limit is exact even when more traces match than one candidate aggregation holds.</summary>
public sealed class ExactLimitTests
{
    [Fact]
    public async Task A_search_pages_past_MaxCandidateTraces_until_no_unseen_trace_can_start_later_than_the_last_kept()
    {
        await using var server = await FakeSearchServer.StartAsync(interpret: true);
        await using var storage = StorageFactory.Create(server, o => o.MaxCandidateTraces = 2, TimeProvider.System);
        var origin = DateTimeOffset.UtcNow.AddMinutes(-10);
        var process = new Process("exact");
        Span Make(ulong trace, ulong id, string operation, int second) => new()
        {
            TraceId = new TraceId(0xe, trace),
            SpanId = new SpanId(id),
            OperationName = operation,
            StartTime = origin.AddSeconds(second),
            DurationMicros = 1,
            Process = process,
        };

        // Trace (latest matching span, true start): 1 (100, 10), 2 (90, 90), 3 (80, 80), 4 (70, 5), 5 (60, 60).
        // Ordered by their latest matching span, the first page of two would be traces 1 and 2 only.
        await storage.Writer.WriteSpansAsync(
        [
            Make(1, 1, "match", 100), Make(1, 2, "other", 10),
            Make(2, 1, "match", 90),
            Make(3, 1, "match", 80),
            Make(4, 1, "match", 70), Make(4, 2, "match", 5),
            Make(5, 1, "match", 60),
        ]);
        var query = new TraceQueryParameters { ServiceName = "exact", OperationName = "match", Limit = 3 };

        var ids = await storage.Reader.FindTraceIdsAsync(query);

        Assert.Equal([new TraceId(0xe, 2), new TraceId(0xe, 3), new TraceId(0xe, 5)], ids);
        var pages = server.Requests.Where(r => r.Path.EndsWith("/_search", StringComparison.Ordinal) && r.Json?["aggregations"]?["traceIDs"]?["aggregations"]?["startTime"]?["max"] is not null).ToList();
        Assert.Equal(3, pages.Count);

        // The second page: spans at or before the last candidate's latest match (trace 2 at 90 s), trace 2 excluded.
        var second = pages[1].Json!["query"]!["bool"]!;
        Assert.Equal(Time.ToUnixMicros(origin.AddSeconds(90)), second["filter"]![1]!["range"]!["startTime"]!["lte"]!.GetValue<long>());
        Assert.Equal(new TraceId(0xe, 2).ToString(), second["must_not"]![0]!["terms"]!["traceID"]![0]!.GetValue<string>());

        // With every match in one page the search stays one aggregation (and the limit-3 answer is the same).
        await using var wide = StorageFactory.Create(server, o => o.MaxCandidateTraces = 100, TimeProvider.System);
        Assert.Equal(ids, await wide.Reader.FindTraceIdsAsync(query));
    }

    [Fact]
    public async Task Traces_tied_on_their_latest_match_across_a_page_boundary_are_all_considered()
    {
        await using var server = await FakeSearchServer.StartAsync(interpret: true);
        await using var storage = StorageFactory.Create(server, o => o.MaxCandidateTraces = 2, TimeProvider.System);
        var origin = DateTimeOffset.UtcNow.AddMinutes(-10);
        var process = new Process("ties");
        Span Make(ulong trace, int second) => new()
        {
            TraceId = new TraceId(0xf, trace),
            SpanId = new SpanId(1),
            OperationName = "op",
            StartTime = origin.AddSeconds(second),
            DurationMicros = 1,
            Process = process,
        };

        // Four traces with one span each at the same second: the answer is ordered by id among equal starts.
        await storage.Writer.WriteSpansAsync([Make(4, 50), Make(3, 50), Make(2, 50), Make(1, 50), Make(9, 10)]);

        var ids = await storage.Reader.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "ties", Limit = 5 });

        Assert.Equal([1UL, 2, 3, 4, 9], ids.Select(i => i.Low));
    }
}
