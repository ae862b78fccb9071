using System.Text.Json.Nodes;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;

namespace Jaeger.Storage.Cassandra.Tests.Protocol;

/// <summary>RESULT Rows frames whose cells the Node driver's Encoder produced, read by our decoder to the same values.</summary>
public sealed class ResultFrameOracleTests
{
    private static readonly JaegerUdts Udts = new("jaeger_v1_test");

    [OracleFact]
    public async Task ARowsFrameOfTheTracesTableDecodesToTheValuesEncoded()
    {
        (string Name, CqlType Type)[] columns =
        [
            ("trace_id", CqlType.Blob), ("span_id", CqlType.Bigint), ("parent_id", CqlType.Bigint), ("operation_name", CqlType.Text),
            ("flags", CqlType.Int), ("start_time", CqlType.Bigint), ("duration", CqlType.Bigint), ("tags", Udts.KeyValueList),
            ("logs", Udts.LogList), ("refs", Udts.SpanRefList), ("process", Udts.Process),
        ];
        object?[][] rows =
        [
            [
                Convert.FromHexString("5b8aa5a2d2c872e8321cf37308d69df2"), 5L, 0L, "HTTP GET", 1, 1_714_435_200_123_456L, 99L,
                new List<object?> { new CqlUdtValue(Udts.KeyValue, ["error", "bool", string.Empty, true, 0L, 0.0, null]) },
                new List<object?> { new CqlUdtValue(Udts.Log, [1_714_435_200_123_457L, new List<object?> { new CqlUdtValue(Udts.KeyValue, ["event", "string", "x", false, 0L, 0.0, null]) }]) },
                new List<object?> { new CqlUdtValue(Udts.SpanRef, ["child-of", Convert.FromHexString("5b8aa5a2d2c872e8321cf37308d69df2"), 4L]) },
                new CqlUdtValue(Udts.Process, ["frontend", new List<object?> { new CqlUdtValue(Udts.KeyValue, ["ip", "string", "10.0.0.1", false, 0L, 0.0, null]) }]),
            ],
            [
                Convert.FromHexString("5b8aa5a2d2c872e8321cf37308d69df2"), -6L, 0L, "SELECT", 0, 1_714_435_200_200_000L, 1L,
                null, null, null,
                new CqlUdtValue(Udts.Process, ["mysql", new List<object?> { new CqlUdtValue(Udts.KeyValue, ["blob", "binary", string.Empty, false, 0L, 0.0, new byte[] { 9, 8 }]) }]),
            ],
        ];

        foreach (var (global, paging) in new[] { (true, (string?)null), (false, "00ff10") })
        {
            var json = new JsonObject
            {
                ["kind"] = "rows",
                ["stream"] = 12,
                ["keyspace"] = "jaeger_v1_test",
                ["table"] = "traces",
                ["global"] = global,
                ["columns"] = new JsonArray(columns.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["type"] = NodeOracle.TypeJson(c.Type) }).ToArray()),
                ["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonArray(r.Select((v, i) => NodeOracle.ValueJson(v, columns[i].Type)).ToArray())).ToArray()),
            };
            if (paging is not null)
            {
                json["pagingState"] = paging;
            }

            var frame = Convert.FromHexString(await NodeOracle.RunOneAsync(json));
            var header = CqlFrameHeader.Read(frame);
            Assert.Equal(CqlOpcode.Result, header.Opcode);
            Assert.Equal(12, header.StreamId);
            var body = frame[CqlFrame.HeaderLength..];
            Assert.Equal(header.BodyLength, body.Length);
            var reader = new CqlReader(body);
            var result = CqlResponses.ReadResult(ref reader, body);
            Assert.Equal(CqlResultKind.Rows, result.Kind);
            var decoded = result.Rows!;
            Assert.Equal(rows.Length, decoded.RowCount);
            Assert.Equal(columns.Select(c => c.Name), decoded.Columns.Select(c => c.Name));
            Assert.All(decoded.Columns, c => Assert.Equal(("jaeger_v1_test", "traces"), (c.Keyspace, c.Table)));
            Assert.Equal(columns.Select(c => c.Type.ToString()), decoded.Columns.Select(c => c.Type.ToString()));
            Assert.Equal(paging, decoded.PagingState is null ? null : Convert.ToHexStringLower(decoded.PagingState));
            for (var r = 0; r < rows.Length; r++)
            {
                for (var c = 0; c < columns.Length; c++)
                {
                    var expected = NodeOracle.ValueJson(rows[r][c], columns[c].Type)?.ToJsonString();
                    var actual = NodeOracle.ValueJson(decoded.Get(r, c), decoded.Columns[c].Type)?.ToJsonString();
                    Assert.True(expected == actual, $"row {r} column {columns[c].Name}: expected {expected}, got {actual}");
                }
            }
        }
    }

    [Fact]
    public void ARowsResultClaimingMoreCellsThanItsBytesIsRejected()
    {
        using var writer = new CqlBufferWriter();
        writer.WriteInt((int)CqlResultKind.Rows);
        writer.WriteInt(CqlRowsMetadata.GlobalTablesSpec);
        writer.WriteInt(1);
        writer.WriteString("ks");
        writer.WriteString("t");
        writer.WriteString("c");
        CqlType.Int.Write(writer);
        writer.WriteInt(1_000_000);
        var body = writer.ToArray();
        Assert.Throws<CqlProtocolException>(() =>
        {
            var reader = new CqlReader(body);
            CqlResponses.ReadResult(ref reader, body);
        });
    }

    [Fact]
    public void ErrorBodiesCarryTheirCodeSpecificFields()
    {
        using var writer = new CqlBufferWriter();
        writer.WriteInt((int)CqlErrorCode.WriteTimeout);
        writer.WriteString("timed out");
        writer.WriteShort((ushort)CqlConsistency.LocalQuorum);
        writer.WriteInt(1);
        writer.WriteInt(2);
        writer.WriteString("SIMPLE");
        var reader = new CqlReader(writer.WrittenSpan);
        var error = CqlResponses.ReadError(ref reader);
        Assert.Equal((CqlErrorCode.WriteTimeout, CqlConsistency.LocalQuorum, 1, 2, "SIMPLE"), (error.Code, error.Consistency, error.Received, error.BlockFor, error.WriteType));

        writer.Reset();
        writer.WriteInt((int)CqlErrorCode.Unprepared);
        writer.WriteString("unknown id");
        writer.WriteShortBytes([0xca, 0xfe]);
        reader = new CqlReader(writer.WrittenSpan);
        error = CqlResponses.ReadError(ref reader);
        Assert.Equal("cafe", Convert.ToHexStringLower(error.UnpreparedId!));
    }
}
