using Jaeger.Model;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>Summaries read only the fields they need, and find error spans with one search.</summary>
public sealed class TraceSummaryTests
{
    [Fact]
    public async Task Summaries_read_spans_through_a_source_filter_and_error_spans_through_one_search()
    {
        await using var server = await FakeSearchServer.StartAsync(interpret: true);
        await using var storage = StorageFactory.Create(server, o => o.TagsAsFields.Include = ["error"], TimeProvider.System);
        var start = DateTimeOffset.UtcNow.AddMinutes(-3);
        var front = new Process("front", [KeyValue.String("hostname", "h1")]);
        var back = new Process("back");
        var traceId = new TraceId(0x5a, 1);
        Span Make(ulong id, Process process, string operation, int ms, ulong parent, params KeyValue[] tags) => new()
        {
            TraceId = traceId,
            SpanId = new SpanId(id),
            OperationName = operation,
            StartTime = start.AddMilliseconds(ms),
            DurationMicros = 1000,
            Process = process,
            References = parent == 0 ? [] : [new SpanRef(traceId, new SpanId(parent))],
            Tags = [KeyValue.String("big", new string('x', 100)), .. tags],
            Logs = [new Log(Time.ToUnixMicros(start), [KeyValue.String("event", "e")])],
        };
        Span[] spans =
        [
            Make(1, front, "GET /", 0, 0),
            Make(2, back, "load", 1, 1, KeyValue.Bool("error", true)),
            Make(3, back, "save", 2, 1, KeyValue.String("error", "true")),
            Make(4, back, "late", 3, 99, KeyValue.String("error", "false")),
        ];
        await storage.Writer.WriteSpansAsync(spans);

        var summary = Assert.Single(await storage.Reader.FindTraceSummariesAsync(new TraceQueryParameters { ServiceName = "back", Limit = 5 }));

        var expected = TraceSummary.FromTrace(new Trace(spans));
        Assert.Equal(expected, summary with { Services = expected.Services });
        Assert.Equal([new ServiceSpanCount("front", 1, 0), new ServiceSpanCount("back", 3, 2)], summary.Services);
        Assert.Equal(2, summary.ErrorSpanCount);
        Assert.Equal(1, summary.OrphanSpanCount);

        // No whole span document was read: the trace read names its fields; the error search reads ids only.
        var msearch = Assert.Single(server.RequestsTo("POST", "/_msearch"));
        Assert.Equal(
            ["traceID", "spanID", "parentSpanID", "references", "startTime", "duration", "operationName", "process.serviceName"],
            msearch.Lines[1]["_source"]!.AsArray().Select(f => f!.GetValue<string>()));
        var errorSearch = Assert.Single(server.Requests.Where(r => r.Path.EndsWith("/_search", StringComparison.Ordinal)), r => r.Json?["_source"] is System.Text.Json.Nodes.JsonArray { Count: 2 });
        Assert.Contains("\"tag.error\":\"true\"", errorSearch.Json!.ToJsonString(), StringComparison.Ordinal);
    }
}
