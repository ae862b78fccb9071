using Jaeger.Model;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Spans;
using Jaeger.Storage.Cassandra.Tests.Fake;

namespace Jaeger.Storage.Cassandra.Tests.Spans;

/// <summary>The writer's statements and bound values, as a fake v4 node decodes them with the prepared types.</summary>
public sealed class CassandraSpanWriterTests
{
    private static readonly TraceId Trace = TraceId.Parse("5b8aa5a2d2c872e8321cf37308d69df2");

    internal static Span ExampleSpan(long startMicros = 1_714_435_200_123_456) => new()
    {
        TraceId = Trace,
        SpanId = new SpanId(0xfedcba9876543210),
        OperationName = "HTTP GET /dispatch",
        Flags = SpanFlags.Sampled,
        StartTimeMicros = startMicros,
        DurationMicros = 1_234,
        References = [new SpanRef(Trace, new SpanId(5)), new SpanRef(TraceId.Parse("0000000000000abc"), new SpanId(6), SpanRefType.FollowsFrom)],
        Tags = [KeyValue.String("span.kind", "server"), KeyValue.Int64("http.status_code", 200), KeyValue.Float64("ratio", 0.1), KeyValue.Bool("error", true), KeyValue.Binary("payload", [1, 2]), KeyValue.String("json", "{\"a\":1}"), KeyValue.String("long", new string('x', 300))],
        Logs = [new Log(startMicros + 10, [KeyValue.String("event", "retry"), KeyValue.Int64("http.status_code", 200)])],
        Warnings = ["clock skew"],
        Process = new Process("frontend", [KeyValue.String("hostname", "host-1"), KeyValue.String("ip", "10.0.0.1")]),
    };

    [Fact]
    public async Task ASpanIsWrittenToTheTracesTableAndEveryIndexWithJaegersValues()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await StartedBackendAsync(node);
        var span = ExampleSpan();

        await backend.Writer.WriteSpansAsync([span]);

        var executes = node.Requests.Where(r => r.Opcode == CqlOpcode.Execute).ToList();
        Assert.All(executes, r => Assert.Equal(CqlConsistency.LocalOne, r.Consistency));
        Assert.All(executes, r => Assert.Equal("jaeger_v1_test", r.Keyspace));
        var traceId = Convert.FromHexString("5b8aa5a2d2c872e8321cf37308d69df2");

        var row = Assert.Single(executes, r => r.Query == CassandraStatements.InsertSpan).Values;
        Assert.Equal(traceId, row[0]);
        Assert.Equal(unchecked((long)0xfedcba9876543210), row[1]);
        Assert.Equal(0L, row[3]);
        Assert.Equal(("HTTP GET /dispatch", 1, 1_714_435_200_123_456L, 1_234L), ((string)row[4]!, (int)row[5]!, (long)row[6]!, (long)row[7]!));
        var tags = ((List<object?>)row[8]!).Cast<CqlUdtValue>().ToList();
        Assert.Equal(["span.kind", "http.status_code", "ratio", "error", "payload", "json", "long", "$$span.warning.1"], tags.Select(t => (string)t["key"]!));
        Assert.Equal(["string", "int64", "float64", "bool", "binary", "string", "string", "string"], tags.Select(t => (string)t["value_type"]!));
        Assert.Equal(new object?[] { "http.status_code", "int64", string.Empty, false, 200L, 0.0, null }, tags[1].Values);
        Assert.Equal("clock skew", tags[7]["value_string"]);
        var refs = ((List<object?>)row[10]!).Cast<CqlUdtValue>().ToList();
        Assert.Equal(["child-of", "follows-from"], refs.Select(r => (string)r["ref_type"]!));
        Assert.Equal(Convert.FromHexString("00000000000000000000000000000abc"), refs[1]["trace_id"]);
        var process = (CqlUdtValue)row[11]!;
        Assert.Equal("frontend", process["service_name"]);

        Assert.Equal(["frontend"], Assert.Single(executes, r => r.Query == CassandraStatements.InsertServiceName).Values);
        Assert.Equal(["frontend", "server", "HTTP GET /dispatch"], Assert.Single(executes, r => r.Query == CassandraStatements.InsertOperationName).Values);
        var serviceIndex = Assert.Single(executes, r => r.Query == CassandraStatements.InsertServiceNameIndex).Values;
        Assert.Equal(["frontend", (int)((ulong)(long)row[2]! % 10), 1_714_435_200_123_456L, traceId], serviceIndex);
        Assert.Equal(["frontend", "HTTP GET /dispatch", 1_714_435_200_123_456L, traceId], Assert.Single(executes, r => r.Query == CassandraStatements.InsertServiceOperationIndex).Values);

        // Unique indexable tags of process, span and logs: binary skipped, JSON objects and 256+ byte values skipped, duplicates once.
        var tagRows = executes.Where(r => r.Query == CassandraStatements.InsertTagIndex).Select(r => ((string)r.Values[4]!, (string)r.Values[5]!)).OrderBy(t => t.Item1, StringComparer.Ordinal).ToList();
        Assert.Equal(
        [
            ("error", "true"), ("event", "retry"), ("hostname", "host-1"), ("http.status_code", "200"), ("ip", "10.0.0.1"), ("ratio", "0.1"), ("span.kind", "server"),
        ], tagRows);
        Assert.All(executes.Where(r => r.Query == CassandraStatements.InsertTagIndex), r => Assert.Equal(new object?[] { traceId, unchecked((long)0xfedcba9876543210), "frontend", 1_714_435_200_123_456L }, r.Values.Take(4)));

        var durations = executes.Where(r => r.Query == CassandraStatements.InsertDurationIndex)
            .Select(r => ((string)r.Values[0]!, (string)r.Values[1]!, (DateTimeOffset)r.Values[2]!, (long)r.Values[3]!, (long)r.Values[4]!, Convert.ToHexStringLower((byte[])r.Values[5]!)))
            .OrderBy(d => d.Item2, StringComparer.Ordinal).ToList();
        var bucket = DateTimeOffset.FromUnixTimeSeconds(1_714_435_200);
        Assert.Equal(
        [
            ("frontend", string.Empty, bucket, 1_234L, 1_714_435_200_123_456L, "5b8aa5a2d2c872e8321cf37308d69df2"),
            ("frontend", "HTTP GET /dispatch", bucket, 1_234L, 1_714_435_200_123_456L, "5b8aa5a2d2c872e8321cf37308d69df2"),
        ], durations);
    }

    [Fact]
    public async Task ServiceAndOperationNamesAreWrittenOncePerCacheTtl()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await StartedBackendAsync(node);

        await backend.Writer.WriteSpansAsync([ExampleSpan()]);
        await backend.Writer.WriteSpansAsync([ExampleSpan(1_714_435_300_000_000)]);

        Assert.Single(node.Requests, r => r.Query == CassandraStatements.InsertServiceName);
        Assert.Single(node.Requests, r => r.Query == CassandraStatements.InsertOperationName);
        Assert.Equal(2, node.Requests.Count(r => r.Query == CassandraStatements.InsertSpan));
    }

    [Fact]
    public async Task AFirehoseSpanSkipsTheTagAndDurationIndexes()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await StartedBackendAsync(node);
        var span = ExampleSpan();
        span.Flags |= SpanFlags.Firehose;

        await backend.Writer.WriteSpansAsync([span]);

        Assert.Single(node.Requests, r => r.Query == CassandraStatements.InsertSpan);
        Assert.Single(node.Requests, r => r.Query == CassandraStatements.InsertServiceNameIndex);
        Assert.DoesNotContain(node.Requests, r => r.Query == CassandraStatements.InsertTagIndex || r.Query == CassandraStatements.InsertDurationIndex);
    }

    [Fact]
    public async Task TheTagFilterOptionsDecideWhatIsIndexed()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await StartedBackendAsync(node, o =>
        {
            o.Index.ProcessTags = false;
            o.Index.Logs = false;
            o.Index.TagBlacklist = "error, ratio";
        });

        await backend.Writer.WriteSpansAsync([ExampleSpan()]);

        var keys = node.Requests.Where(r => r.Query == CassandraStatements.InsertTagIndex).Select(r => (string)r.Values[4]!).Order(StringComparer.Ordinal);
        Assert.Equal(["http.status_code", "span.kind"], keys);
        Assert.False(backend.Reader.Capabilities.HasFlag(SearchCapabilities.ProcessTags));
        Assert.False(backend.Reader.Capabilities.HasFlag(SearchCapabilities.LogFields));
    }

    [Fact]
    public async Task AnOverloadedClusterIsATransientFailureAndARejectedStatementIsNot()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await StartedBackendAsync(node, o => o.MaxRetryAttempts = 1);

        node.OnStatement = r => r.Query == CassandraStatements.InsertSpan ? FakeReply.Fail(CqlErrorCode.Overloaded, "too busy") : FakeReply.Void;
        var overloaded = await Assert.ThrowsAsync<StorageException>(async () => await backend.Writer.WriteSpansAsync([ExampleSpan()]));
        Assert.Equal(("overloaded", true), (overloaded.Reason, overloaded.IsTransient));

        node.OnStatement = r => r.Query == CassandraStatements.InsertSpan ? FakeReply.Fail(CqlErrorCode.Invalid, "bad") : FakeReply.Void;
        var rejected = await Assert.ThrowsAsync<StorageException>(async () => await backend.Writer.WriteSpansAsync([ExampleSpan()]));
        Assert.Equal(("rejected", false), (rejected.Reason, rejected.IsTransient));
    }

    [Theory]
    [InlineData(1_714_435_200_000_000L, 1_714_435_200L)]
    [InlineData(1_714_437_000_000_000L, 1_714_438_800L)]
    [InlineData(1_714_436_999_999_999L, 1_714_435_200L)]
    [InlineData(-1_800_000_000L, 0L)]
    [InlineData(-1_800_000_001L, -3_600L)]
    public void DurationBucketsRoundToTheNearestHourHalfwayUp(long startMicros, long bucketSeconds)
    {
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(bucketSeconds), CassandraSpanWriter.DurationBucket(startMicros));
    }

    internal static async Task<StorageBackend> StartedBackendAsync(FakeCqlServer node, Action<CassandraStorageOptions>? configure = null)
    {
        var options = new CassandraStorageOptions
        {
            Servers = node.EndPoint.ToString(),
            HeartbeatInterval = TimeSpan.Zero,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            Timeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        var backend = CassandraBackendFactory.Create(options);
        await backend.StartAsync();
        return backend;
    }
}
