using System.Text.Json.Nodes;
using Jaeger.Model;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>The reader's requests (paths, bodies) and its handling of the documented answers, against the fake server.</summary>
public sealed class ReaderTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 3, 12, 0, 0, TimeSpan.Zero);

    private static JsonObject Buckets(string name, params (string Key, long? Start)[] buckets) => new()
    {
        [name] = new JsonObject
        {
            ["doc_count_error_upper_bound"] = 0,
            ["sum_other_doc_count"] = 0,
            ["buckets"] = new JsonArray([.. buckets.Select(b =>
            {
                var bucket = new JsonObject { ["key"] = b.Key, ["doc_count"] = 1 };
                if (b.Start is { } start)
                {
                    bucket["startTime"] = new JsonObject { ["value"] = (double)start };
                }

                return (JsonNode)bucket;
            })]),
        },
    };

    private static JsonNode SpanSource(TraceId traceId, ulong spanId, long start)
    {
        var span = new Span { TraceId = traceId, SpanId = new SpanId(spanId), OperationName = "op", StartTimeMicros = start, DurationMicros = 5, Process = new Process("svc") };
        return JsonNode.Parse(TestData.Write(new Documents.SpanDocument(Documents.TagsAsFields.None), span))!;
    }

    [Fact]
    public async Task Services_come_from_a_terms_aggregation_over_the_service_indices_of_the_max_span_age_sorted()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Script(r => r.Path.EndsWith("/_search", StringComparison.Ordinal), _ => FakeSearchServer.SearchAnswer(aggregations: Buckets("distinct_services", ("zeta", null), ("alpha", null))));
        await using var storage = StorageFactory.Create(server);

        var services = await storage.Reader.GetServicesAsync();

        Assert.Equal(["alpha", "zeta"], services);
        var request = Assert.Single(server.RequestsTo("POST", "/"));
        Assert.Equal("/jaeger-service-2024-05-03,jaeger-service-2024-05-02,jaeger-service-2024-05-01,jaeger-service-2024-04-30/_search", request.Path);
        Assert.Equal("?ignore_unavailable=true&allow_no_indices=true", request.Query);
        TestData.JsonEqual(JsonNode.Parse("""{"size":0,"aggregations":{"distinct_services":{"terms":{"field":"serviceName","size":10000}}}}"""), request.Json);
    }

    [Fact]
    public async Task Operations_of_a_service_come_from_one_msearch_of_the_service_documents_and_the_span_documents_per_kind()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Script(r => r.Path == "/_msearch", r =>
        {
            // Answers in order: service documents, then server, client, producer, consumer, internal, no kind.
            string[][] keys = [["b-op", "a-op", "c-op"], ["a-op"], ["a-op", "b-op"], [], [], [], ["b-op"]];
            Assert.Equal(keys.Length * 2, r.Lines.Count);
            return new FakeAnswer(200, new JsonObject
            {
                ["took"] = 1,
                ["responses"] = new JsonArray([.. keys.Select(k => (JsonNode)JsonNode.Parse(FakeSearchServer.SearchAnswer(aggregations: Buckets("distinct_operations", [.. k.Select(n => (n, (long?)null))])).Body)!)]),
            }.ToJsonString());
        });
        await using var storage = StorageFactory.Create(server);

        var operations = await storage.Reader.GetOperationsAsync(new OperationQueryParameters("frontend"));

        // c-op is only in the service index: listed without a kind; b-op has spans with and without one.
        Assert.Equal([new Operation("a-op", "client"), new Operation("a-op", "server"), new Operation("b-op"), new Operation("b-op", "client"), new Operation("c-op")], operations);
        var lines = server.Requests.Single().Lines;
        TestData.JsonEqual(JsonNode.Parse("""{"index":["jaeger-service-2024-05-03","jaeger-service-2024-05-02","jaeger-service-2024-05-01","jaeger-service-2024-04-30"],"ignore_unavailable":true,"allow_no_indices":true}"""), lines[0]);
        TestData.JsonEqual(JsonNode.Parse("""{"size":0,"query":{"term":{"serviceName":"frontend"}},"aggregations":{"distinct_operations":{"terms":{"field":"operationName","size":10000}}}}"""), lines[1]);
        TestData.JsonEqual(JsonNode.Parse("""{"index":["jaeger-span-2024-05-03","jaeger-span-2024-05-02","jaeger-span-2024-05-01","jaeger-span-2024-04-30"],"ignore_unavailable":true,"allow_no_indices":true}"""), lines[2]);
        TestData.JsonEqual(JsonNode.Parse("""
            {"size":0,"query":{"bool":{"filter":[{"term":{"process.serviceName":"frontend"}},
              {"bool":{"should":[{"term":{"tag.span@kind":"server"}},{"nested":{"path":"tags","query":{"bool":{"filter":[{"term":{"tags.key":"span.kind"}},{"term":{"tags.value":"server"}}]}}}}],"minimum_should_match":1}}]}},
             "aggregations":{"distinct_operations":{"terms":{"field":"operationName","size":10000}}}}
            """), lines[3]);
        TestData.JsonEqual(JsonNode.Parse("""
            {"size":0,"query":{"bool":{"filter":[{"term":{"process.serviceName":"frontend"}}],
              "must_not":[{"exists":{"field":"tag.span@kind"}},{"nested":{"path":"tags","query":{"term":{"tags.key":"span.kind"}}}}]}},
             "aggregations":{"distinct_operations":{"terms":{"field":"operationName","size":10000}}}}
            """), lines[13]);
    }

    [Fact]
    public async Task The_archive_lists_services_from_its_span_documents()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using var storage = StorageFactory.Create(server, archive: true);

        Assert.Empty(await storage.Reader.GetServicesAsync());

        var request = server.Requests.Single();
        Assert.Equal("/jaeger-span-archive/_search", request.Path);
        TestData.JsonEqual(JsonNode.Parse("""{"size":0,"aggregations":{"distinct_services":{"terms":{"field":"process.serviceName","size":10000}}}}"""), request.Json);
    }

    [Fact]
    public async Task A_search_sends_one_bool_query_of_exact_terms_over_the_window_indices_then_orders_traces_by_their_true_start()
    {
        await using var server = await FakeSearchServer.StartAsync();
        var a = new TraceId(0, 0xa1);
        var b = new TraceId(0xb, 0xb2);
        var c = new TraceId(0, 0xc3);
        // Jaeger's aggregation: newest matching span first (a, b, c) ...
        server.Script(r => r.Json?["aggregations"]?["traceIDs"]?["aggregations"]?["startTime"]?["max"] is not null, _ => FakeSearchServer.SearchAnswer(aggregations: Buckets("traceIDs", (a.ToString(), 300), (b.ToString(), 200), (c.ToString(), 100))));
        // ... but trace b started first of all: its earliest span is older than a's and c's.
        server.Script(r => r.Json?["aggregations"]?["traceIDs"]?["aggregations"]?["startTime"]?["min"] is not null, _ => FakeSearchServer.SearchAnswer(aggregations: Buckets("traceIDs", (a.ToString(), 250), (c.ToString(), 90), (b.ToString(), 10))));
        await using var storage = StorageFactory.Create(server);
        var query = new TraceQueryParameters
        {
            ServiceName = "frontend",
            OperationName = "GET /api",
            Tags = new Dictionary<string, string> { ["http.status_code"] = "500" },
            StartTimeMin = Now.AddHours(-2),
            StartTimeMax = Now,
            DurationMin = TimeSpan.FromMilliseconds(1),
            DurationMax = TimeSpan.FromMilliseconds(5),
            Limit = 2,
        };

        var ids = await storage.Reader.FindTraceIdsAsync(query);

        Assert.Equal([a, c], ids);
        var requests = server.RequestsTo("POST", "/");
        Assert.Equal(2, requests.Count);
        Assert.Equal("/jaeger-span-2024-05-03/_search", requests[0].Path);
        TestData.JsonEqual(TestData.Fixture("find_trace_ids_request.json"), requests[0].Json);
        Assert.Equal("/jaeger-span-*,-jaeger-span-archive*/_search", requests[1].Path);
        TestData.JsonEqual(
            JsonNode.Parse("""{"size":0,"query":{"terms":{"traceID":["A","B","C"]}},"aggregations":{"traceIDs":{"terms":{"field":"traceID","size":3,"order":[{"startTime":"desc"}]},"aggregations":{"startTime":{"min":{"field":"startTime"}}}}}}""".Replace("\"A\"", $"\"{a}\"", StringComparison.Ordinal).Replace("\"B\"", $"\"{b}\"", StringComparison.Ordinal).Replace("\"C\"", $"\"{c}\"", StringComparison.Ordinal)),
            requests[1].Json);
    }

    [Fact]
    public async Task A_search_without_a_time_window_or_service_looks_in_every_span_index_and_a_search_with_no_match_asks_once()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using var storage = StorageFactory.Create(server, o => o.IndexPrefix = "prod");

        var ids = await storage.Reader.FindTraceIdsAsync(new TraceQueryParameters { OperationName = "op" });

        Assert.Empty(ids);
        var request = server.Requests.Single();
        Assert.Equal("/prod-jaeger-span-*,-prod-jaeger-span-archive*/_search", request.Path);
        TestData.JsonEqual(JsonNode.Parse("""{"bool":{"filter":[{"term":{"operationName":"op"}}]}}"""), request.Json!["query"]);
    }

    [Fact]
    public async Task A_trace_is_read_whole_page_by_page_with_search_after_never_capped()
    {
        await using var server = await FakeSearchServer.StartAsync();
        var traceId = new TraceId(0xabc, 0xdef);
        var pages = new Queue<JsonNode[]>([
            [SpanSource(traceId, 1, 100), SpanSource(traceId, 2, 100)],
            [SpanSource(traceId, 3, 200), SpanSource(traceId, 4, 300)],
            [SpanSource(traceId, 5, 300)],
        ]);
        server.Script(r => r.Path.EndsWith("/_search", StringComparison.Ordinal), _ => FakeSearchServer.SearchAnswer(pages.Dequeue(), sort: s => new JsonArray(s["startTime"]!.GetValue<long>(), s["spanID"]!.GetValue<string>())));
        await using var storage = StorageFactory.Create(server, o => o.MaxDocCount = 2);

        var trace = await storage.Reader.GetTraceAsync(new TraceGetParameters(traceId));

        Assert.NotNull(trace);
        Assert.Equal([1UL, 2, 3, 4, 5], trace.Spans.Select(s => s.SpanId.Value));
        var requests = server.RequestsTo("POST", "/");
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal("/jaeger-span-*,-jaeger-span-archive*/_search", r.Path));
        TestData.JsonEqual(
            JsonNode.Parse("""{"size":2,"query":{"bool":{"filter":[{"terms":{"traceID":["0000000000000abc0000000000000def","abc0000000000000def"]}}]}},"sort":[{"startTime":"asc"},{"spanID":"asc"}]}"""),
            requests[0].Json);
        Assert.Equal("""[100,"0000000000000002"]""", requests[1].Json!["search_after"]!.ToJsonString());
        Assert.Equal("""[300,"0000000000000004"]""", requests[2].Json!["search_after"]!.ToJsonString());
    }

    [Fact]
    public async Task A_trace_id_with_a_leading_zero_is_also_looked_up_in_its_pre_1_16_unpadded_form()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using var storage = StorageFactory.Create(server);

        Assert.Null(await storage.Reader.GetTraceAsync(new TraceGetParameters(new TraceId(0, 0xabc))));

        TestData.JsonEqual(
            JsonNode.Parse("""{"bool":{"filter":[{"terms":{"traceID":["0000000000000abc","abc"]}}]}}"""),
            server.Requests.Single().Json!["query"]);
    }

    [Fact]
    public async Task The_time_hint_narrows_a_trace_read_to_the_indices_of_its_window()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using var storage = StorageFactory.Create(server);

        await storage.Reader.GetTraceAsync(new TraceGetParameters(new TraceId(1, 1), Now.AddDays(-1), Now.AddHours(-12)));

        Assert.Equal("/jaeger-span-2024-05-03,jaeger-span-2024-05-02/_search", server.Requests.Single().Path);
    }

    [Fact]
    public async Task A_missing_index_answers_empty_and_other_errors_throw_with_the_servers_error_type()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Script(r => r.Path.EndsWith("/_search", StringComparison.Ordinal), _ => new FakeAnswer(404, """{"error":{"type":"index_not_found_exception","reason":"no such index [jaeger-span-read]"},"status":404}"""), once: true);
        server.Script(r => r.Path.EndsWith("/_search", StringComparison.Ordinal), _ => new FakeAnswer(503, """{"error":{"type":"search_phase_execution_exception","reason":"all shards failed"},"status":503}"""), once: true);
        await using var storage = StorageFactory.Create(server);

        Assert.Null(await storage.Reader.GetTraceAsync(new TraceGetParameters(new TraceId(1, 1))));
        var ex = await Assert.ThrowsAsync<StorageException>(async () => await storage.Reader.GetServicesAsync());

        Assert.Equal("search_phase_execution_exception", ex.Reason);
        Assert.True(ex.IsTransient);
    }

    [Fact]
    public async Task Dependencies_are_read_from_the_daily_indices_of_the_lookback_and_merged_per_pair()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Script(r => r.Path.EndsWith("/_search", StringComparison.Ordinal), _ => FakeSearchServer.SearchAnswer([
            JsonNode.Parse("""{"timestamp":"2024-05-03T10:00:00Z","dependencies":[{"parent":"a","child":"b","callCount":3},{"parent":"b","child":"c","callCount":1}]}""")!,
            JsonNode.Parse("""{"timestamp":"2024-05-02T10:00:00Z","dependencies":[{"parent":"a","child":"b","callCount":4}]}""")!,
        ]));
        await using var storage = StorageFactory.Create(server);

        var links = await storage.Dependencies.GetDependenciesAsync(Now, TimeSpan.FromDays(1));

        Assert.Equal([new DependencyLink("a", "b", 7), new DependencyLink("b", "c", 1)], links);
        var request = server.Requests.Single();
        Assert.Equal("/jaeger-dependencies-2024-05-03,jaeger-dependencies-2024-05-02/_search", request.Path);
        TestData.JsonEqual(JsonNode.Parse("""{"size":10000,"query":{"range":{"timestamp":{"gt":"2024-05-02T12:00:00Z","lte":"2024-05-03T12:00:00Z"}}}}"""), request.Json);
    }

    [Fact]
    public async Task The_reader_declares_every_search_capability()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using var storage = StorageFactory.Create(server);

        var capabilities = storage.Reader.Capabilities;

        Assert.Equal(SearchCapabilities.All, capabilities);
    }
}

/// <summary>Operations of one span kind, against the interpreting fake (service documents carry no kind).</summary>
public sealed class OperationKindTests
{
    [Fact]
    public async Task Operations_of_one_span_kind_come_from_span_documents_whose_span_kind_tag_has_it()
    {
        await using var server = await FakeSearchServer.StartAsync(interpret: true);
        await using var storage = StorageFactory.Create(server, time: TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        var process = new Jaeger.Model.Process("svc");
        Jaeger.Model.Span Make(ulong id, string op, string? kind) => new()
        {
            TraceId = new Jaeger.Model.TraceId(0, 7),
            SpanId = new Jaeger.Model.SpanId(id),
            OperationName = op,
            StartTime = now.AddMinutes(-1),
            Process = process,
            Tags = kind is null ? [] : [Jaeger.Model.KeyValue.String("span.kind", kind)],
        };

        await storage.Writer.WriteSpansAsync([Make(1, "GET /", "server"), Make(2, "query", "client"), Make(3, "work", null), Make(4, "POST /", "server")]);

        Assert.Equal([new Operation("GET /", "server"), new Operation("POST /", "server")], await storage.Reader.GetOperationsAsync(new OperationQueryParameters("svc", "server")));
        Assert.Equal([new Operation("query", "client")], await storage.Reader.GetOperationsAsync(new OperationQueryParameters("svc", "client")));
        Assert.Empty(await storage.Reader.GetOperationsAsync(new OperationQueryParameters("svc", "producer")));
        Assert.Equal(["GET /", "POST /", "query", "work"], (await storage.Reader.GetOperationsAsync(new OperationQueryParameters("svc"))).Select(o => o.Name));
    }
}

/// <summary>Several traces are read as Jaeger's multiRead does: one _msearch for the first pages, then paging where needed.</summary>
public sealed class MultiReadTests
{
    [Fact]
    public async Task Found_traces_are_read_with_one_msearch_and_a_full_first_page_continues_with_search_after()
    {
        await using var server = await FakeSearchServer.StartAsync(interpret: true);
        await using var storage = StorageFactory.Create(server, o => o.MaxDocCount = 2, TimeProvider.System);
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        var process = new Jaeger.Model.Process("multi");
        Jaeger.Model.Span Make(ulong trace, ulong id, int second) => new()
        {
            TraceId = new Jaeger.Model.TraceId(0xf, trace),
            SpanId = new Jaeger.Model.SpanId(id),
            OperationName = "op",
            StartTime = start.AddSeconds(second),
            DurationMicros = 1,
            Process = process,
        };
        await storage.Writer.WriteSpansAsync([Make(1, 1, 0), Make(1, 2, 1), Make(1, 3, 2), Make(2, 1, 10)]);

        var traces = await storage.Reader.FindTracesAsync(new TraceQueryParameters { ServiceName = "multi", Limit = 10 });

        Assert.Equal([new Jaeger.Model.TraceId(0xf, 2), new Jaeger.Model.TraceId(0xf, 1)], traces.Select(t => t.TraceId));
        Assert.Equal([1UL, 2, 3], traces[1].Spans.Select(s => s.SpanId.Value));
        var msearch = Assert.Single(server.RequestsTo("POST", "/_msearch"));
        Assert.Equal("application/x-ndjson", msearch.ContentType);
        var lines = msearch.Lines;
        Assert.Equal(4, lines.Count);
        TestData.JsonEqual(System.Text.Json.Nodes.JsonNode.Parse("""{"index":["jaeger-span-*","-jaeger-span-archive*"],"ignore_unavailable":true,"allow_no_indices":true}"""), lines[0]);
        Assert.Null(lines[1]["search_after"]);
        var continued = server.RequestsTo("POST", "/").Where(r => r.Path.EndsWith("/_search", StringComparison.Ordinal) && r.Json?["search_after"] is not null).ToList();
        var next = Assert.Single(continued);
        Assert.Equal(2, next.Json!["search_after"]!.AsArray().Count);
    }
}

/// <summary>Partial answers are refused.</summary>
public sealed class ShardFailureTests
{
    [Fact]
    public async Task A_search_answered_by_only_some_shards_fails_as_transient_instead_of_answering_partially()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Script(r => r.Path.EndsWith("/_search", StringComparison.Ordinal), _ => new FakeAnswer(200, """
            {"took":3,"timed_out":false,
             "_shards":{"total":5,"successful":4,"skipped":0,"failed":1,
                        "failures":[{"shard":2,"index":"jaeger-service-2024-05-03","node":"n1","reason":{"type":"node_not_connected_exception","reason":"[n2] Node not connected"}}]},
             "hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]},
             "aggregations":{"distinct_services":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"a","doc_count":1}]}}}
            """));
        await using var storage = StorageFactory.Create(server);

        var ex = await Assert.ThrowsAsync<StorageException>(async () => await storage.Reader.GetServicesAsync());

        Assert.Equal("node_not_connected_exception", ex.Reason);
        Assert.True(ex.IsTransient);
        Assert.Contains("1 shard(s) failed", ex.Message, StringComparison.Ordinal);
    }
}
