using Jaeger.Model;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;
using Jaeger.Storage.Cassandra.Spans;
using Jaeger.Storage.Cassandra.Tests.Fake;
using Jaeger.Testing;

namespace Jaeger.Storage.Cassandra.Tests.Spans;

/// <summary>The reader's statements and values, and spans read back from the rows Cassandra would return.</summary>
public sealed class CassandraSpanReaderTests
{
    private static readonly JaegerUdts Udts = new("jaeger_v1_test");

    [Fact]
    public async Task ASpanReadBackFromTheValuesTheWriterSentIsTheSpanWritten()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node);
        var span = CassandraSpanWriterTests.ExampleSpan();
        await backend.Writer.WriteSpansAsync([span]);
        var written = node.Requests.Single(r => r.Query == CassandraStatements.InsertSpan).Values;
        object?[] row = [written[0], written[1], written[3], written[4], written[5], written[6], written[7], written[8], written[9], written[10], written[11]];
        node.OnStatement = r => r.Query == CassandraStatements.SelectTrace && ((byte[])r.Values[0]!).AsSpan().SequenceEqual((byte[])written[0]!)
            ? FakeReply.Of(JaegerStatements.TraceColumns(Udts), row)
            : FakeReply.Of(JaegerStatements.TraceColumns(Udts));

        var trace = await backend.Reader.GetTraceAsync(span.TraceId);

        SpanAssert.Equivalent(span, Assert.Single(trace!.Spans));
        Assert.Equal(new[] { "clock skew" }, trace.Spans[0].Warnings.ToArray());
        var select = node.Requests.Single(r => r.Query == CassandraStatements.SelectTrace);
        Assert.Equal(5000, select.PageSize);
        Assert.Null(await backend.Reader.GetTraceAsync(TraceId.Parse("0000000000000001")));
    }

    [Fact]
    public void ANonZeroParentIdOfOldWritersBecomesALeadingChildOfReference()
    {
        using var writer = new CqlBufferWriter();
        var trace = Convert.FromHexString("000000000000000000000000000000aa");
        FakeCqlServer.WriteRows(writer, "ks", "traces", JaegerStatements.TraceColumns(Udts),
            [[trace, 2L, 1L, "op", 1, 10L, 5L, null, null, new List<object?> { new CqlUdtValue(Udts.SpanRef, ["follows-from", trace, 9L]) }, new CqlUdtValue(Udts.Process, ["svc", null])]], null);
        var body = writer.ToArray();
        var reader = new CqlReader(body);
        var rows = CqlResponses.ReadResult(ref reader, body).Rows!;

        var span = SpanRows.ReadSpan(rows, 0);

        Assert.Equal(new[] { new SpanRef(span.TraceId, new SpanId(1)), new SpanRef(span.TraceId, new SpanId(9), SpanRefType.FollowsFrom) }, span.References.ToArray());
        Assert.Empty(span.Tags);
        Assert.Equal("svc", span.Process.ServiceName);
    }

    [Fact]
    public async Task ServicesAndOperationsAreListedSortedWithSpanKindsAndV1UnspecifiedReadsAsNone()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node);
        node.OnStatement = r => r.Query switch
        {
            CassandraStatements.SelectServiceNames => FakeReply.Of([("service_name", CqlType.Text)], ["b"], ["a"]),
            CassandraStatements.SelectOperations => FakeReply.Of([("span_kind", CqlType.Text), ("operation_name", CqlType.Text)], ["server", "GET"], ["unspecified", "cron"], ["", "batch"]),
            CassandraStatements.SelectOperationsByKind => FakeReply.Of([("span_kind", CqlType.Text), ("operation_name", CqlType.Text)], ["server", "GET"]),
            _ => FakeReply.Void,
        };

        Assert.Equal(["a", "b"], await backend.Reader.GetServicesAsync());
        Assert.Equal([new Operation("GET", "server"), new Operation("batch"), new Operation("cron")], await backend.Reader.GetOperationsAsync(new OperationQueryParameters("frontend")));
        Assert.Equal([new Operation("GET", "server")], await backend.Reader.GetOperationsAsync(new OperationQueryParameters("frontend", "server")));
        Assert.Equal(["frontend", "server"], node.Requests.Single(r => r.Query == CassandraStatements.SelectOperationsByKind).Values);
    }

    [Fact]
    public async Task ASearchByServiceUsesTheServiceIndexWithoutPagingAndThreeTimesTheLimit()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node);
        var query = new TraceQueryParameters { ServiceName = "frontend", StartTimeMin = DateTimeOffset.FromUnixTimeSeconds(1_714_435_000), StartTimeMax = DateTimeOffset.FromUnixTimeSeconds(1_714_436_000), Limit = 7 };

        Assert.Empty(await backend.Reader.FindTraceIdsAsync(query));

        var select = node.Requests.Single(r => r.Query == CassandraStatements.SelectByService);
        Assert.Equal(["frontend", 1_714_435_000_000_000L, 1_714_436_000_000_000L, 21], select.Values);
        Assert.Equal(0, select.PageSize);
        Assert.Equal(0, select.Flags & 0x04);
    }

    [Fact]
    public async Task ASearchByOperationAndTagsIntersectsTheIndexesAndKeepsOnlyTracesWithAMatchingSpan()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node);
        var a = TraceId.Parse("000000000000000000000000000000a1");
        var b = TraceId.Parse("000000000000000000000000000000b2");
        var c = TraceId.Parse("000000000000000000000000000000c3");
        node.OnStatement = r => r.Query switch
        {
            CassandraStatements.SelectByServiceOperation => Ids(a, b, c),
            CassandraStatements.SelectByTag => Ids(b, c),
            CassandraStatements.SelectTrace => TraceRow((byte[])r.Values[0]!),
            _ => FakeReply.Void,
        };
        var query = new TraceQueryParameters
        {
            ServiceName = "frontend",
            OperationName = "GET",
            Tags = new Dictionary<string, string> { ["http.status_code"] = "200" },
            StartTimeMin = DateTimeOffset.FromUnixTimeSeconds(1_000),
            StartTimeMax = DateTimeOffset.FromUnixTimeSeconds(2_000),
        };

        var found = await backend.Reader.FindTraceIdsAsync(query);

        // b and c are in both indexes; c's span has the tag only on another operation, so only b matches.
        Assert.Equal([b], found);
        Assert.Equal(["frontend", "GET", 1_000_000_000L, 2_000_000_000L, 60], node.Requests.Single(r => r.Query == CassandraStatements.SelectByServiceOperation).Values);
        Assert.Equal(["frontend", "http.status_code", "200", 1_000_000_000L, 2_000_000_000L, 60], node.Requests.Single(r => r.Query == CassandraStatements.SelectByTag).Values);
        Assert.Equal(2, node.Requests.Count(r => r.Query == CassandraStatements.SelectTrace));

        FakeReply TraceRow(byte[] id)
        {
            var last = id[^1];
            object?[] Span(long spanId, string op, bool tagged) =>
            [
                id, spanId, 0L, op, 1, 1_500_000_000L, 10L,
                tagged ? new List<object?> { new CqlUdtValue(Udts.KeyValue, ["http.status_code", "int64", string.Empty, false, 200L, 0.0, null]) } : null,
                null, null, new CqlUdtValue(Udts.Process, ["frontend", null]),
            ];
            return last == 0xb2
                ? FakeReply.Of(JaegerStatements.TraceColumns(Udts), Span(1, "GET", tagged: true))
                : FakeReply.Of(JaegerStatements.TraceColumns(Udts), Span(1, "GET", tagged: false), Span(2, "POST", tagged: true));
        }
    }

    [Fact]
    public async Task ASearchByDurationQueriesEachHourBucketNewestFirstWithInclusiveMicrosecondBounds()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node);
        var query = new TraceQueryParameters
        {
            ServiceName = "frontend",
            DurationMin = TimeSpan.FromMilliseconds(5),
            StartTimeMin = DateTimeOffset.FromUnixTimeSeconds(1_714_435_200),
            StartTimeMax = DateTimeOffset.FromUnixTimeSeconds(1_714_435_200 + (2 * 3600) + 100),
        };

        await backend.Reader.FindTraceIdsAsync(query);

        var selects = node.Requests.Where(r => r.Query == CassandraStatements.SelectByDuration).Select(r => r.Values).ToList();
        Assert.Equal(
            [DateTimeOffset.FromUnixTimeSeconds(1_714_435_200 + 7200), DateTimeOffset.FromUnixTimeSeconds(1_714_435_200 + 3600), DateTimeOffset.FromUnixTimeSeconds(1_714_435_200)],
            selects.Select(v => (DateTimeOffset)v[0]!));
        Assert.All(selects, v => Assert.Equal(new object?[] { "frontend", string.Empty, 5_000L, 86_400_000_000L, 60 }, v.Skip(1)));
    }

    [Fact]
    public async Task ASearchWithoutAServiceIsRefusedAsJaegersCassandraCannotAnswerIt()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node);
        var error = await Assert.ThrowsAsync<UnsupportedSearchException>(async () => await backend.Reader.FindTracesAsync(new TraceQueryParameters { OperationName = "GET" }));
        Assert.Equal(SearchCapabilities.SearchWithoutServiceName, error.Missing);
        Assert.DoesNotContain(node.Requests, r => r.Opcode == CqlOpcode.Execute);
    }

    private static FakeReply Ids(params TraceId[] ids) => FakeReply.Of([("trace_id", CqlType.Blob)], [.. ids.Select(id => new object?[] { SpanRows.TraceIdBytes(id) })]);
}
