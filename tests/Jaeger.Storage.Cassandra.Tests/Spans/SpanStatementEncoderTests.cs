using System.Text.Json.Nodes;
using Jaeger.Model;
using Jaeger.Storage.Cassandra.Cluster;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;
using Jaeger.Storage.Cassandra.Spans;
using Jaeger.Storage.Cassandra.Tests.Protocol;

namespace Jaeger.Storage.Cassandra.Tests.Spans;

/// <summary>The span writer's encoder: the EXECUTE frames of every insert of a span, byte for byte the Node driver's, their routing tokens, and no allocation per span.</summary>
public sealed class SpanStatementEncoderTests
{
    private static readonly JaegerUdts Udts = new("jaeger_v1_test");
    private const long Timestamp = 1_714_435_200_999_000;

    [OracleFact]
    public async Task EveryInsertOfASpanIsTheNodeDriversExecuteFrameForJaegersValues()
    {
        var span = CassandraSpanWriterTests.ExampleSpan();
        await using var store = PreparedSpanInserts.OfflineStore();
        var statements = PreparedSpanInserts.Statements();
        using var encoded = new EncodedStatements();
        new SpanStatementEncoder(store, null).Encode(span, Timestamp, statements, encoded);

        var expected = ExpectedRows(span);
        Assert.Equal(expected.Select(e => e.Statement.Query), Enumerable.Range(0, encoded.Count).Select(i => encoded[i].Statement.Query));
        var parameters = new CqlQueryParameters { Consistency = CqlConsistency.LocalOne, DefaultTimestamp = Timestamp };
        var cases = new JsonArray();
        for (var i = 0; i < expected.Count; i++)
        {
            cases.Add(RequestFrameOracleTests.ExecuteJson(expected[i].Statement.Id, expected[i].Values, [.. expected[i].Statement.VariableTypes], parameters, i + 1));
        }

        var oracle = await NodeOracle.RunAsync(cases);
        using var frame = new CqlBufferWriter();
        for (var i = 0; i < expected.Count; i++)
        {
            frame.Reset();
            CqlRequests.WriteExecute(frame, (short)(i + 1), encoded[i].Statement.Id, encoded.Parameters(i).Span);
            Assert.True(oracle[i]!.GetValue<string>() == Convert.ToHexStringLower(frame.WrittenSpan), $"{expected[i].Statement.Query} {string.Join(", ", expected[i].Values.Select(v => v?.ToString()))}");
        }
    }

    [Fact]
    public async Task RoutingTokensAreThoseOfThePartitionKeysOfTheBoundValues()
    {
        var span = CassandraSpanWriterTests.ExampleSpan();
        await using var store = PreparedSpanInserts.OfflineStore();
        using var encoded = new EncodedStatements();
        new SpanStatementEncoder(store, null).Encode(span, Timestamp, PreparedSpanInserts.Statements(), encoded);

        var expected = ExpectedRows(span);
        Assert.Equal(expected.Count, encoded.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var variables = expected[i].Statement.Prepared.Variables;
            var key = TokenRing<object>.RoutingKey(expected[i].Values, variables.PartitionKeyIndexes, variables.Columns);
            Assert.NotNull(key);
            Assert.Equal(Murmur3Token.Compute(key), encoded[i].Token);
        }

        // The composite keys differ per tag row, so the rows spread over the ring.
        Assert.Equal(7, Enumerable.Range(0, encoded.Count).Where(i => encoded[i].Statement.Query == CassandraStatements.InsertTagIndex).Select(i => encoded[i].Token).Distinct().Count());
    }

    [Theory]
    [InlineData(12)]
    [InlineData(0)]
    public async Task EncodingAllocatesNothingPerSpanOnceWarm(int writeCacheTtlHours)
    {
        // TTL 0: the service and operation names are written with every span, so their inserts are encoded too.
        await using var store = PreparedSpanInserts.OfflineStore(TimeSpan.FromHours(writeCacheTtlHours));
        var writer = new CassandraSpanWriter(store);
        var statements = PreparedSpanInserts.Statements();
        Batch[] batch = [new Batch(Process.Unknown, [.. Enumerable.Range(0, 200).Select(PreparedSpanInserts.ServerSpan)])];
        using var encoded = new EncodedStatements();
        using var frame = new CqlBufferWriter();
        for (var round = 0; round < 5; round++)
        {
            PreparedSpanInserts.EncodeAndFrame(writer, batch, Timestamp, statements, encoded, frame);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = 0;
        for (var round = 0; round < 20; round++)
        {
            count += PreparedSpanInserts.EncodeAndFrame(writer, batch, Timestamp, statements, encoded, frame);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0L, allocated);

        // Per span: the traces row, 2 service indexes, 15 tag rows (3 process tags, 9 span tags, 3 log fields), 2 duration rows; and the 2 names with TTL 0.
        Assert.Equal(20 * 200 * (writeCacheTtlHours == 0 ? 22 : 20), count);
    }

    [Fact]
    public void ABindTypeOtherThanSchemaV004sIsRefusedNamingTheColumn()
    {
        var prepared = PreparedSpanInserts.Prepared("ks", (statement, type) => statement == 3 && type == CqlType.Int ? CqlType.Bigint : type);

        var e = Assert.Throws<StorageException>(() => SpanInsertStatements.Create(prepared, SpanInsertStatements.Expected(new JaegerUdts("ks"))));

        Assert.Equal("schema_mismatch", e.Reason);
        Assert.Contains("service_name_index.bucket is bigint", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UdtsWithFieldsAfterSchemaV004sAreAccepted()
    {
        // Jaeger's v005 adds fields to span_ref; a UDT value may carry fewer fields than its type, the rest are null.
        var v005 = CqlType.Udt("ks", "span_ref", [("ref_type", CqlType.Text), ("trace_id", CqlType.Blob), ("span_id", CqlType.Bigint), ("trace_state", CqlType.Text)]);
        var prepared = PreparedSpanInserts.Prepared("ks", (statement, type) => type.Code == CqlTypeCode.List && type.Parameters[0].Name == "span_ref" ? CqlType.List(v005) : type);

        var statements = SpanInsertStatements.Create(prepared, SpanInsertStatements.Expected(new JaegerUdts("ks")));

        Assert.Equal(CqlType.List(v005).ToString(), statements.Span.VariableTypes[10].ToString());
    }

    /// <summary>What Jaeger's writer binds for <see cref="CassandraSpanWriterTests.ExampleSpan"/>, built here as plain values for the oracle.</summary>
    private static List<(CqlPreparedStatement Statement, object?[] Values)> ExpectedRows(Span span)
    {
        var s = PreparedSpanInserts.Statements();
        var traceId = SpanRows.TraceIdBytes(span.TraceId);
        var spanId = unchecked((long)span.SpanId.Value);
        var hash = SpanRows.SpanHash(span);
        var rows = new List<(CqlPreparedStatement, object?[])>
        {
            (s.Span,
            [
                traceId, spanId, hash, 0L, span.OperationName, (int)span.Flags, span.StartTimeMicros, span.DurationMicros,
                span.Tags.Select(KeyValueUdt).Append(KeyValueUdt(KeyValue.String("$$span.warning.1", "clock skew"))).ToList(),
                span.Logs.Select(l => (object?)new CqlUdtValue(Udts.Log, [l.TimestampMicros, l.Fields.Select(KeyValueUdt).ToList()])).ToList(),
                span.References.Select(r => (object?)new CqlUdtValue(Udts.SpanRef, [r.RefType == SpanRefType.FollowsFrom ? "follows-from" : "child-of", SpanRows.TraceIdBytes(r.TraceId), unchecked((long)r.SpanId.Value)])).ToList(),
                new CqlUdtValue(Udts.Process, [span.Process.ServiceName, span.Process.Tags.Select(KeyValueUdt).ToList()]),
            ]),
            (s.ServiceName, ["frontend"]),
            (s.OperationName, ["frontend", "server", "HTTP GET /dispatch"]),
            (s.ServiceNameIndex, ["frontend", (int)((ulong)hash % 10), span.StartTimeMicros, traceId]),
            (s.ServiceOperationIndex, ["frontend", "HTTP GET /dispatch", span.StartTimeMicros, traceId]),
        };

        // Process tags, span tags, log fields; binary, JSON object, 256+ bytes and repeated tags skipped.
        foreach (var (key, value) in new[] { ("hostname", "host-1"), ("ip", "10.0.0.1"), ("span.kind", "server"), ("http.status_code", "200"), ("ratio", "0.1"), ("error", "true"), ("event", "retry") })
        {
            rows.Add((s.TagIndex, [traceId, spanId, "frontend", span.StartTimeMicros, key, value]));
        }

        var bucket = DateTimeOffset.FromUnixTimeSeconds(1_714_435_200);
        rows.Add((s.DurationIndex, ["frontend", string.Empty, bucket, span.DurationMicros, span.StartTimeMicros, traceId]));
        rows.Add((s.DurationIndex, ["frontend", "HTTP GET /dispatch", bucket, span.DurationMicros, span.StartTimeMicros, traceId]));
        return rows;
    }

    private static object? KeyValueUdt(KeyValue tag) => PreparedSpanInserts.BoxedKeyValue(Udts, tag);
}
