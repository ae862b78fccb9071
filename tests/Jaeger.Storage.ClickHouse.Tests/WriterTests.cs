using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Tests.Engine;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>The writer on the real engine: Jaeger v2's row shape, grouping, splitting, failures and back-pressure.</summary>
public sealed class WriterTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 8, 30, 0, TimeSpan.Zero);

    [EngineFact]
    public async Task A_span_is_stored_as_jaeger_v2_stores_the_otlp_span_translated_from_jaeger()
    {
        await using var storage = await EngineStorage.CreateAsync();
        var process = new Process("checkout", [KeyValue.String("hostname", "h1"), KeyValue.Int64("pid", 7)]);
        var span = new Span
        {
            TraceId = new TraceId(0, 0xABC),
            SpanId = new SpanId(0x12),
            OperationName = "GET /cart",
            Process = process,
            StartTime = Start.AddTicks(1234560),
            DurationMicros = 1500,
            Flags = SpanFlags.Sampled,
            References = [new SpanRef(new TraceId(0, 0xABC), new SpanId(0x11)), new SpanRef(new TraceId(5, 6), new SpanId(7), SpanRefType.FollowsFrom)],
            Tags = [KeyValue.String("span.kind", "server"), KeyValue.Bool("error", true), KeyValue.Int64("http.status_code", 503), KeyValue.Float64("ratio", 0.25), KeyValue.Binary("raw", [1, 2, 3]), KeyValue.String("otel.scope.name", "my-lib")],
            Logs = [new Log(Time.ToUnixMicros(Start) + 5, [KeyValue.String("event", "retry"), KeyValue.Int64("attempt", 2)])],
        };

        await storage.Writer.WriteSpansAsync([span]);

        var row = ChdbEngine.Shared!.QueryText($"""
            SELECT id, trace_id, parent_span_id, name, kind, status_code, toUnixTimestamp64Nano(start_time), duration, service_name, scope_name,
                   int_attributes.key, int_attributes.value, double_attributes.key, bool_attributes.key, complex_attributes.key, complex_attributes.value,
                   str_attributes.key, resource_str_attributes.key, resource_str_attributes.value, resource_int_attributes.key,
                   events.name, events.int_attributes, links.trace_id, links.span_id, links.str_attributes, flags
            FROM {storage.Database.Name}.spans
            """).TrimEnd('\n').Split('\t');
        Assert.Equal(
            [
                "0000000000000012", "00000000000000000000000000000abc", "0000000000000011", "GET /cart", "server", "Error",
                ((Start.ToUnixTimeMilliseconds() * 1_000_000) + 123_456_000).ToString(System.Globalization.CultureInfo.InvariantCulture), "1500000", "checkout", "my-lib",
                "['http.status_code']", "[503]", "['ratio']", "[]", "['@bytes@raw']", "['AQID']",
                "[]", "['service.name','hostname']", "['checkout','h1']", "['pid']",
                "['retry']", "[[('attempt',2)]]", "['00000000000000050000000000000006']", "['0000000000000007']", "[[('opentracing.ref_type','follows_from')]]", "1",
            ],
            row);

        // The materialized views derived Jaeger's lookup tables from the insert.
        var db = storage.Database.Name;
        Assert.Equal("checkout\n", ChdbEngine.Shared.QueryText($"SELECT name FROM {db}.services FINAL"));
        Assert.Equal("checkout\tGET /cart\tserver\n", ChdbEngine.Shared.QueryText($"SELECT service_name, name, span_kind FROM {db}.operations FINAL"));
        var startNanos = (Start.ToUnixTimeMilliseconds() * 1_000_000) + 123_456_000;
        Assert.Equal($"00000000000000000000000000000abc\t{startNanos}\t{startNanos}\n", ChdbEngine.Shared.QueryText($"SELECT trace_id, toUnixTimestamp64Nano(min(start)), toUnixTimestamp64Nano(max(end)) FROM {db}.trace_id_timestamps GROUP BY trace_id"));
        Assert.Contains("raw\tbytes\tspan", ChdbEngine.Shared.QueryText($"SELECT attribute_key, type, level FROM {db}.attribute_metadata FINAL ORDER BY ALL"), StringComparison.Ordinal);
        Assert.Contains("attempt\tint\tevent", ChdbEngine.Shared.QueryText($"SELECT attribute_key, type, level FROM {db}.attribute_metadata FINAL ORDER BY ALL"), StringComparison.Ordinal);
    }

    [EngineFact]
    public async Task A_span_a_jaeger_v2_collector_wrote_reads_back_with_status_scope_kind_and_links_as_jaeger_tags()
    {
        await using var storage = await EngineStorage.CreateAsync();
        var db = storage.Database.Name;

        // A row as Jaeger v2's writer inserts it from OTLP: no Jaeger-only attributes, an OK status, a scope, a plain link.
        ChdbEngine.Shared!.Query($"""
            INSERT INTO {db}.spans (id, trace_id, parent_span_id, name, kind, start_time, status_code, status_message, duration,
                str_attributes.key, str_attributes.value, service_name, resource_str_attributes.key, resource_str_attributes.value,
                scope_name, scope_version, links.trace_id, links.span_id, links.trace_state, events.name, events.timestamp)
            VALUES ('00000000000000b2', '0af7651916cd43dd8448eb211c80319c', '00000000000000b1', 'charge', 'client', '2026-12-05 08:30:00.000001999', 'Ok', 'fine', 2000000,
                ['peer.service'], ['bank'], 'payments', ['service.name', 'host.name'], ['payments', 'pod-1'],
                'io.opentelemetry.http', '1.2.0', ['0af7651916cd43dd8448eb211c80319c'], ['00000000000000a9'], [''], ['exception'], ['2026-12-05 08:30:00.000002'])
            """, "TSV");

        var trace = await storage.Reader.GetTraceAsync(new TraceGetParameters(TraceId.Parse("0af7651916cd43dd8448eb211c80319c")));

        var span = Assert.Single(Assert.IsType<Trace>(trace).Spans);
        Assert.Equal("charge", span.OperationName);
        Assert.Equal(Time.ToUnixMicros(Start) + 1, span.StartTimeMicros);
        Assert.Equal(2000, span.DurationMicros);
        Assert.Equal("payments", span.Process.ServiceName);
        Assert.Equal([KeyValue.String("host.name", "pod-1")], span.Process.Tags.ToArray());
        Assert.Equal(
            ["otel.scope.name=io.opentelemetry.http", "otel.scope.version=1.2.0", "otel.status_code=OK", "otel.status_description=fine", "peer.service=bank", "span.kind=client"],
            span.Tags.Select(t => t.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal([new SpanRef(span.TraceId, new SpanId(0xB1)), new SpanRef(span.TraceId, new SpanId(0xA9), SpanRefType.FollowsFrom)], span.References.ToArray());
        var log = Assert.Single(span.Logs);
        Assert.Equal([KeyValue.String("event", "exception")], log.Fields.ToArray());
    }

    [EngineFact]
    public async Task Writes_that_arrive_while_an_insert_runs_share_the_next_insert()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        await using var storage = await EngineStorage.CreateAsync(o => o.MaxConcurrentInserts = 1);
        var marker = $"INSERT INTO {storage.Database.Name}.spans";
        await storage.Writer.WriteSpansAsync([Span(1, 1)]); // the driver reads the table's columns once; not part of what is counted
        var before = front.Arrived(marker);
        var hold = front.Hold(marker);

        var first = storage.Writer.WriteSpansAsync([Span(2, 1)]).AsTask();
        await Eventually.UntilAsync(() => front.Arrived(marker) == before + 1, "the first insert reached the server");
        var more = Enumerable.Range(3, 8).Select(i => storage.Writer.WriteSpansAsync([Span((ulong)i, 1), Span((ulong)i, 2)]).AsTask()).ToList();
        await Eventually.UntilAsync(() => storage.Writer.QueuedSpans == 16, "the eight writes queued behind the running insert");
        hold.SetResult();
        await Task.WhenAll([first, .. more]);

        Assert.Equal(before + 2, front.Arrived(marker));
        Assert.Equal("18\n", ChdbEngine.Shared!.QueryText($"SELECT count() FROM {storage.Database.Name}.spans"));
    }

    [EngineFact]
    public async Task A_write_larger_than_the_batch_size_is_split_into_several_inserts()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        await using var storage = await EngineStorage.CreateAsync(o => o.BatchSize = 10);
        var marker = $"INSERT INTO {storage.Database.Name}.spans";

        await storage.Writer.WriteSpansAsync([.. Enumerable.Range(1, 25).Select(i => Span(1, (ulong)i))]);

        Assert.Equal(3, front.Arrived(marker));
        Assert.Equal("25\n", ChdbEngine.Shared!.QueryText($"SELECT count() FROM {storage.Database.Name}.spans"));
    }

    [EngineFact]
    public async Task Spans_go_as_one_compressed_row_binary_insert_without_a_schema_probe()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        front.Recording = true;
        await using var storage = await EngineStorage.CreateAsync();

        await storage.Writer.WriteSpansAsync([.. Enumerable.Range(1, 50).Select(i => Span(7, (ulong)i))]);

        var requests = front.Recorded.Where(r => r.Sql.Contains($"{storage.Database.Name}.spans", StringComparison.Ordinal) && (r.Sql.StartsWith("INSERT", StringComparison.Ordinal) || r.Sql.StartsWith("SELECT", StringComparison.Ordinal))).ToList();
        var insert = Assert.Single(requests); // no SELECT probing the table's columns
        Assert.Matches(@"^INSERT INTO \S+\.spans \(id, trace_id, .*, links\.flags\) FORMAT RowBinary", insert.Sql);
        Assert.Equal("gzip", insert.ContentEncoding);
        Assert.InRange(insert.DataLength, 50 * 150, 50 * 400);
        Assert.Equal("50\n", ChdbEngine.Shared!.QueryText($"SELECT count() FROM {storage.Database.Name}.spans"));
    }

    [EngineFact]
    public async Task An_overloaded_server_fails_the_write_with_a_transient_storage_exception_and_the_retry_succeeds()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var failures = new MetricCollector<long>(meterFactory, ClickHouseStorageMetrics.MeterName, "jaeger.storage.clickhouse.insert.failures");
        using var written = new MetricCollector<long>(meterFactory, ClickHouseStorageMetrics.MeterName, "jaeger.storage.clickhouse.spans.written");
        await using var storage = await EngineStorage.CreateAsync(meterFactory: meterFactory);
        await storage.Writer.WriteSpansAsync([Span(1, 1)]);
        front.FailNext($"INSERT INTO {storage.Database.Name}.spans", 1);

        var failure = await Assert.ThrowsAsync<StorageException>(async () => await storage.Writer.WriteSpansAsync([Span(2, 1)]));

        Assert.True(failure.IsTransient);
        Assert.Equal("overloaded", failure.Reason);
        Assert.Contains("202", failure.Message, StringComparison.Ordinal);
        var counted = Assert.Single(failures.GetMeasurementSnapshot());
        Assert.Equal("overloaded", counted.Tags["reason"]);
        await storage.Writer.WriteSpansAsync([Span(2, 1)]);
        Assert.Equal("2\n", ChdbEngine.Shared!.QueryText($"SELECT count() FROM {storage.Database.Name}.spans"));
        Assert.Equal(2, written.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.All(written.GetMeasurementSnapshot(), m => Assert.Equal("writer-test", m.Tags["service"]));
    }

    [Fact]
    public async Task An_unreachable_server_fails_the_write_with_a_transient_network_error()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var storage = new ClickHouseStorage(new ClickHouseStorageOptions { Endpoint = $"http://127.0.0.1:{port}/", Timeout = TimeSpan.FromSeconds(5) });

        var failure = await Assert.ThrowsAsync<StorageException>(async () => await storage.Writer.WriteSpansAsync([Span(1, 1)]));

        Assert.True(failure.IsTransient);
        Assert.Equal("network", failure.Reason);
    }

    [EngineFact]
    public async Task A_table_that_does_not_exist_fails_the_write_as_rejected_not_transient()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        await using var storage = new ClickHouseStorage(new ClickHouseStorageOptions { Endpoint = front.Endpoint.ToString(), Database = ClickHouseTestServer.NewDatabaseName("missing") });

        var failure = await Assert.ThrowsAsync<StorageException>(async () => await storage.Writer.WriteSpansAsync([Span(1, 1)]));

        Assert.False(failure.IsTransient);
        Assert.Equal("rejected", failure.Reason);
    }

    [EngineFact]
    public async Task Writes_beyond_the_pending_limit_wait_for_a_slot()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        await using var storage = await EngineStorage.CreateAsync(o => { o.MaxPendingWrites = 1; o.MaxConcurrentInserts = 1; });
        var marker = $"INSERT INTO {storage.Database.Name}.spans";
        await storage.Writer.WriteSpansAsync([Span(1, 1)]);
        var hold = front.Hold(marker);

        var first = storage.Writer.WriteSpansAsync([Span(2, 1)]).AsTask();
        await Eventually.UntilAsync(() => storage.Writer.FreeWriteSlots == 0, "the first write took the only slot");
        var second = storage.Writer.WriteSpansAsync([Span(3, 1)]).AsTask();

        Assert.False(second.IsCompleted);
        Assert.Equal(0, storage.Writer.QueuedSpans + storage.Writer.FreeWriteSlots); // the second write has not even been mapped into a group
        hold.SetResult();
        await Task.WhenAll(first, second);
        Assert.Equal("3\n", ChdbEngine.Shared!.QueryText($"SELECT count() FROM {storage.Database.Name}.spans"));
    }

    [EngineFact]
    public async Task With_a_flush_interval_an_insert_waits_that_long_for_more_spans()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var storage = await EngineStorage.CreateAsync(o => o.FlushInterval = TimeSpan.FromSeconds(1), time);
        var marker = $"INSERT INTO {storage.Database.Name}.spans";

        var first = storage.Writer.WriteSpansAsync([Span(1, 1)]).AsTask();
        var second = storage.Writer.WriteSpansAsync([Span(2, 1)]).AsTask();
        await Eventually.UntilAsync(() => storage.Writer.QueuedSpans == 2, "both writes queued");

        Assert.Equal(0, front.Arrived(marker));
        Assert.False(first.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(first, second);
        Assert.Equal(1, front.Arrived(marker)); // one INSERT for both writes
    }

    [EngineFact]
    public async Task Disposing_the_store_sends_queued_spans_before_it_returns()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var storage = await EngineStorage.CreateAsync(o => o.FlushInterval = TimeSpan.FromMinutes(1), time);
        var write = storage.Writer.WriteSpansAsync([Span(1, 1), Span(1, 2)]).AsTask();
        await Eventually.UntilAsync(() => storage.Writer.QueuedSpans == 2, "the write queued behind the flush interval");

        await storage.DisposeAsync();

        await write;
        Assert.Equal("2\n", ChdbEngine.Shared!.QueryText($"SELECT count() FROM {storage.Database.Name}.spans"));
    }

    private static Span Span(ulong trace, ulong span) => new()
    {
        TraceId = new TraceId(7, trace),
        SpanId = new SpanId(span),
        OperationName = "op",
        Process = new Process("writer-test"),
        StartTime = Start.AddSeconds(trace),
        DurationMicros = 10,
    };
}
