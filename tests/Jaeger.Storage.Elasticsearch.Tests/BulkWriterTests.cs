using System.Text.Json.Nodes;
using Jaeger.Model;
using Jaeger.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>The writer against the fake server: the bulk NDJSON Jaeger sends, batching, retries, failures and back-pressure.</summary>
public sealed class BulkWriterTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 3, 12, 0, 0, TimeSpan.Zero);

    private static Span SpanAt(ulong id, DateTimeOffset start, string operation = "GET /api", Process? process = null) => new()
    {
        TraceId = new TraceId(0, 0xabc),
        SpanId = new SpanId(id),
        OperationName = operation,
        StartTime = start,
        DurationMicros = 10,
        Process = process ?? TestData.Frontend,
    };

    [Fact]
    public async Task A_write_sends_one_bulk_of_service_then_span_lines_as_ndjson_to_the_dated_indices()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using var storage = StorageFactory.Create(server);
        var span = TestData.FixtureSpan();

        await storage.Writer.WriteSpansAsync([span]);

        var bulk = Assert.Single(server.RequestsTo("POST", "/_bulk"));
        Assert.Equal("application/x-ndjson", bulk.ContentType);
        var lines = bulk.Lines;
        Assert.Equal(4, lines.Count);
        TestData.JsonEqual(JsonNode.Parse("""{"index":{"_index":"jaeger-service-2017-01-26","_id":"a63a4033600c4612"}}"""), lines[0]);
        TestData.JsonEqual(JsonNode.Parse("""{"serviceName":"frontend","operationName":"GET /api"}"""), lines[1]);
        TestData.JsonEqual(JsonNode.Parse("""{"index":{"_index":"jaeger-span-2017-01-26"}}"""), lines[2]);
        TestData.JsonEqual(TestData.Fixture("span_nested_tags.json"), lines[3]);
    }

    [Fact]
    public async Task A_service_pair_is_written_once_per_index_until_the_cache_entry_expires()
    {
        await using var server = await FakeSearchServer.StartAsync();
        var time = new FakeTimeProvider(Now);
        await using var storage = StorageFactory.Create(server, o => o.ServiceCacheTtl = TimeSpan.FromHours(12), time);

        await storage.Writer.WriteSpansAsync([SpanAt(1, Now), SpanAt(2, Now)]);
        await storage.Writer.WriteSpansAsync([SpanAt(3, Now), SpanAt(4, Now.AddDays(1))]);
        time.Advance(TimeSpan.FromHours(12));
        await storage.Writer.WriteSpansAsync([SpanAt(5, Now)]);

        var serviceLines = server.RequestsTo("POST", "/_bulk")
            .SelectMany(r => r.Lines.Where((_, i) => i % 2 == 0))
            .Select(a => a["index"]!["_index"]!.GetValue<string>())
            .Where(i => i.StartsWith("jaeger-service-", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(["jaeger-service-2024-05-03", "jaeger-service-2024-05-04", "jaeger-service-2024-05-03"], serviceLines);
    }

    [Fact]
    public async Task The_archive_writes_span_documents_only_to_the_archive_index()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using var storage = StorageFactory.Create(server, archive: true);

        await storage.Writer.WriteSpansAsync([SpanAt(1, Now)]);

        var lines = Assert.Single(server.RequestsTo("POST", "/_bulk")).Lines;
        Assert.Equal(2, lines.Count);
        Assert.Equal("jaeger-span-archive", lines[0]["index"]!["_index"]!.GetValue<string>());
    }

    [Fact]
    public async Task Items_rejected_with_429_or_503_are_sent_again_alone_until_stored()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Script(r => r.Path == "/_bulk", r => FakeSearchServer.BulkAnswer(r, i => i == 1 ? (429, "es_rejected_execution_exception") : i == 3 ? (503, "unavailable_shards_exception") : (201, null)), once: true);
        using var meters = new TestMeterFactory();
        using var retried = new MetricCollector<long>(meters, ElasticsearchMetrics.MeterName, "jaeger.storage.elasticsearch.bulk.items.retried");
        await using var storage = StorageFactory.Create(server, meters: meters);

        await storage.Writer.WriteSpansAsync([SpanAt(1, Now), SpanAt(2, Now, "other")]);

        var bulks = server.RequestsTo("POST", "/_bulk");
        Assert.Equal(2, bulks.Count);
        var resent = bulks[1].Lines;
        Assert.Equal(4, resent.Count);
        Assert.Equal(bulks[0].Lines[2].ToJsonString(), resent[0].ToJsonString());
        Assert.Equal(bulks[0].Lines[3].ToJsonString(), resent[1].ToJsonString());
        Assert.Equal(bulks[0].Lines[6].ToJsonString(), resent[2].ToJsonString());
        Assert.Equal(bulks[0].Lines[7].ToJsonString(), resent[3].ToJsonString());
        Assert.Equal(2, retried.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task An_item_still_rejected_after_the_retries_fails_the_write_as_transient()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Script(r => r.Path == "/_bulk", r => FakeSearchServer.BulkAnswer(r, _ => (429, "es_rejected_execution_exception")));
        await using var storage = StorageFactory.Create(server, o => o.Bulk.MaxItemRetries = 2);

        var ex = await Assert.ThrowsAsync<StorageException>(async () => await storage.Writer.WriteSpansAsync([SpanAt(1, Now)]));

        Assert.True(ex.IsTransient);
        Assert.Equal("es_rejected_execution_exception", ex.Reason);
        Assert.Equal(3, server.RequestsTo("POST", "/_bulk").Count);
    }

    [Fact]
    public async Task Other_item_failures_fail_the_write_at_once_and_are_counted_by_error_type_and_kind()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Script(r => r.Path == "/_bulk", r => FakeSearchServer.BulkAnswer(r, i => i == 1 ? (400, "mapper_parsing_exception") : (201, null)));
        using var meters = new TestMeterFactory();
        using var failed = new MetricCollector<long>(meters, ElasticsearchMetrics.MeterName, "jaeger.storage.elasticsearch.bulk.items.failed");
        await using var storage = StorageFactory.Create(server, meters: meters);

        var ex = await Assert.ThrowsAsync<StorageException>(async () => await storage.Writer.WriteSpansAsync([SpanAt(1, Now)]));

        Assert.False(ex.IsTransient);
        Assert.Equal("mapper_parsing_exception", ex.Reason);
        Assert.Contains("scripted mapper_parsing_exception", ex.Message, StringComparison.Ordinal);
        Assert.Single(server.RequestsTo("POST", "/_bulk"));
        var measurement = Assert.Single(failed.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("mapper_parsing_exception", measurement.Tags["reason"]);
        Assert.Equal("span", measurement.Tags["kind"]);
    }

    [Fact]
    public async Task A_failed_service_document_is_written_again_by_the_next_span()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Script(r => r.Path == "/_bulk", r => FakeSearchServer.BulkAnswer(r, i => i == 0 ? (400, "mapper_parsing_exception") : (201, null)), once: true);
        await using var storage = StorageFactory.Create(server);

        await Assert.ThrowsAsync<StorageException>(async () => await storage.Writer.WriteSpansAsync([SpanAt(1, Now)]));
        await storage.Writer.WriteSpansAsync([SpanAt(2, Now)]);

        Assert.Equal(4, server.RequestsTo("POST", "/_bulk")[1].Lines.Count);
    }

    [Fact]
    public async Task A_whole_bulk_refused_with_an_HTTP_error_fails_the_write_with_the_servers_error_type()
    {
        await using var server = await FakeSearchServer.StartAsync();
        server.Script(r => r.Path == "/_bulk", _ => new FakeAnswer(400, """{"error":{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"},"status":400}"""));
        await using var storage = StorageFactory.Create(server);

        var ex = await Assert.ThrowsAsync<StorageException>(async () => await storage.Writer.WriteSpansAsync([SpanAt(1, Now)]));

        Assert.Equal("illegal_argument_exception", ex.Reason);
        Assert.False(ex.IsTransient);
    }

    [Fact]
    public async Task An_unreachable_cluster_fails_the_write_as_transient()
    {
        var server = await FakeSearchServer.StartAsync();
        var url = server.Url;
        await server.DisposeAsync();
        await using var storage = StorageFactory.Create(server);

        var ex = await Assert.ThrowsAsync<StorageException>(async () => await storage.Writer.WriteSpansAsync([SpanAt(1, Now)]));

        Assert.True(ex.IsTransient);
        Assert.Equal("unavailable", ex.Reason);
    }

    [Fact]
    public async Task Concurrent_writes_share_one_bulk_sent_when_the_action_count_is_reached()
    {
        await using var server = await FakeSearchServer.StartAsync();
        var time = new FakeTimeProvider(Now);
        await using var storage = StorageFactory.Create(server, o => { o.Bulk.FlushInterval = TimeSpan.FromSeconds(5); o.Bulk.MaxActions = 4; o.ServiceCacheTtl = TimeSpan.Zero; }, time);

        var first = storage.Writer.WriteSpansAsync([SpanAt(1, Now)]).AsTask();
        Assert.False(first.IsCompleted);
        var second = storage.Writer.WriteSpansAsync([SpanAt(2, Now)]).AsTask();
        await Task.WhenAll(first, second);

        var bulk = Assert.Single(server.RequestsTo("POST", "/_bulk"));
        Assert.Equal(8, bulk.Lines.Count);
    }

    [Fact]
    public async Task A_bulk_is_sent_at_once_when_it_reaches_the_byte_threshold()
    {
        await using var server = await FakeSearchServer.StartAsync();
        var time = new FakeTimeProvider(Now);
        await using var storage = StorageFactory.Create(server, o => { o.Bulk.FlushInterval = TimeSpan.FromMinutes(5); o.Bulk.MaxBytes = 1024; }, time);

        var small = storage.Writer.WriteSpansAsync([SpanAt(1, Now)]).AsTask();
        Assert.False(small.IsCompleted);
        await storage.Writer.WriteSpansAsync([TestData.FixtureSpan(), TestData.FixtureSpan()]);
        await small;

        var bulk = Assert.Single(server.RequestsTo("POST", "/_bulk"));
        Assert.True(bulk.Body.Length >= 1024);
    }

    [Fact]
    public async Task A_bulk_below_the_thresholds_is_sent_when_the_flush_interval_passes()
    {
        await using var server = await FakeSearchServer.StartAsync();
        var time = new FakeTimeProvider(Now);
        await using var storage = StorageFactory.Create(server, o => o.Bulk.FlushInterval = TimeSpan.FromMilliseconds(200), time);

        var write = storage.Writer.WriteSpansAsync([SpanAt(1, Now)]).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Empty(server.RequestsTo("POST", "/_bulk"));
        Assert.False(write.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await write;

        Assert.Single(server.RequestsTo("POST", "/_bulk"));
    }

    [Fact]
    public async Task A_write_waits_for_room_while_the_buffer_is_full_of_bytes_in_flight()
    {
        await using var server = await FakeSearchServer.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Script(r => r.Path == "/_bulk", r =>
        {
            gate.Task.Wait(TimeSpan.FromSeconds(30));
            return FakeSearchServer.BulkAnswer(r, _ => (201, null));
        });
        await using var storage = StorageFactory.Create(server, o => { o.Bulk.MaxBufferedBytes = 1024; o.Bulk.Workers = 2; });
        var big = TestData.FixtureSpan();

        var first = storage.Writer.WriteSpansAsync([big, big]).AsTask();
        await Eventually.UntilAsync(() => server.RequestsTo("POST", "/_bulk").Count == 1, "the first bulk is in flight");
        var second = storage.Writer.WriteSpansAsync([big]).AsTask();
        await Eventually.UntilAsync(() => storage.Bulk.Budget.Waiting == 1, "the second write waits for room");
        Assert.Single(server.RequestsTo("POST", "/_bulk"));
        Assert.False(second.IsCompleted);

        gate.SetResult();
        await Task.WhenAll(first, second);

        Assert.Equal(2, server.RequestsTo("POST", "/_bulk").Count);
        Assert.Equal(0, storage.Bulk.Budget.Used);
    }

    [Fact]
    public async Task Dependencies_are_written_as_one_timestamped_document_in_the_daily_index()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using var storage = StorageFactory.Create(server);

        await storage.Dependencies.WriteDependenciesAsync(new DateTimeOffset(2024, 5, 3, 10, 0, 0, 123, TimeSpan.Zero), [new DependencyLink("a", "b", 3), new DependencyLink("b", "c", 1)]);

        var lines = Assert.Single(server.RequestsTo("POST", "/_bulk")).Lines;
        TestData.JsonEqual(JsonNode.Parse("""{"index":{"_index":"jaeger-dependencies-2024-05-03"}}"""), lines[0]);
        TestData.JsonEqual(JsonNode.Parse("""{"timestamp":"2024-05-03T10:00:00.123Z","dependencies":[{"parent":"a","child":"b","callCount":3},{"parent":"b","child":"c","callCount":1}]}"""), lines[1]);
    }

    [Fact]
    public async Task Sampling_throughput_and_probabilities_are_written_in_Jaegers_document_shapes()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using var storage = StorageFactory.Create(server);
        var probabilities = new ServiceOperationValues();
        probabilities.Set("new-srv", "op", 0.1);
        var qps = new ServiceOperationValues();
        qps.Set("new-srv", "op", 4);

        await storage.Sampling.InsertThroughputAsync([new OperationThroughput("my-svc", "op", 10, []), new OperationThroughput("my-svc", "op2", 2, [0.5])]);
        await storage.Sampling.InsertProbabilitiesAndQpsAsync("host-1", probabilities, qps);

        var bulks = server.RequestsTo("POST", "/_bulk");
        var throughput = bulks[0].Lines;
        TestData.JsonEqual(JsonNode.Parse("""{"index":{"_index":"jaeger-sampling-2024-05-03"}}"""), throughput[0]);
        TestData.JsonEqual(JsonNode.Parse("""{"timestamp":"2024-05-03T12:00:00Z","throughputs":{"Service":"my-svc","Operation":"op","Count":10,"Probabilities":null}}"""), throughput[1]);
        TestData.JsonEqual(JsonNode.Parse("""{"timestamp":"2024-05-03T12:00:00Z","throughputs":{"Service":"my-svc","Operation":"op2","Count":2,"Probabilities":{"0.5":{}}}}"""), throughput[3]);
        TestData.JsonEqual(JsonNode.Parse("""{"timestamp":"2024-05-03T12:00:00Z","probabilitiesandqps":{"Hostname":"host-1","Probabilities":{"new-srv":{"op":0.1}},"QPS":{"new-srv":{"op":4}}}}"""), bulks[1].Lines[1]);
    }
}
