using System.Text.Json.Nodes;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;

namespace Jaeger.Storage.Cassandra.Tests.Protocol;

/// <summary>Every value type Jaeger's schema uses, encoded by us and by the Node driver's public Encoder: the bytes must be equal.</summary>
public sealed class ValueEncodingOracleTests
{
    private static readonly JaegerUdts Udts = new("jaeger_v1_test");

    private static IEnumerable<(string Name, object Value, CqlType Type)> Cases()
    {
        yield return ("text ascii", "http.status_code", CqlType.Text);
        yield return ("text empty", string.Empty, CqlType.Text);
        yield return ("text non-ascii", "sérvice-名前-🚀", CqlType.Text);
        yield return ("bigint positive", 1_714_435_200_123_456L, CqlType.Bigint);
        yield return ("bigint negative", -8_070_450_532_247_928_832L, CqlType.Bigint);
        yield return ("bigint min", long.MinValue, CqlType.Bigint);
        yield return ("bigint max", long.MaxValue, CqlType.Bigint);
        yield return ("int", 7, CqlType.Int);
        yield return ("int negative", -123_456_789, CqlType.Int);
        yield return ("boolean true", true, CqlType.Boolean);
        yield return ("boolean false", false, CqlType.Boolean);
        yield return ("double", 3.141592653589793, CqlType.Double);
        yield return ("double negative tiny", -1.5e-300, CqlType.Double);
        yield return ("blob", new byte[] { 0, 1, 0x7f, 0x80, 0xff }, CqlType.Blob);
        yield return ("blob trace id", Convert.FromHexString("5b8aa5a2d2c872e8321cf37308d69df2"), CqlType.Blob);
        yield return ("timestamp", DateTimeOffset.FromUnixTimeMilliseconds(1_714_435_200_000), CqlType.Timestamp);
        yield return ("timestamp before epoch", DateTimeOffset.FromUnixTimeMilliseconds(-86_400_001), CqlType.Timestamp);
        yield return ("timeuuid", Guid.Parse("fe2b4360-28c6-11e2-81c1-0800200c9a66"), CqlType.Timeuuid);
        yield return ("uuid", Guid.Parse("550e8400-e29b-41d4-a716-446655440000"), CqlType.Uuid);
        yield return ("list<text>", new List<object?> { "a", "bc", string.Empty }, CqlType.List(CqlType.Text));
        yield return ("set<int>", new List<object?> { 1, 2, 3 }, CqlType.Set(CqlType.Int));
        yield return ("map<text,bigint>", new Dictionary<object, object?> { ["x"] = 1L, ["y"] = -2L }, CqlType.Map(CqlType.Text, CqlType.Bigint));
        yield return ("keyvalue int64 (null binary)", KeyValue("http.status_code", "int64", string.Empty, false, 200L, 0.0, null), Udts.KeyValue);
        yield return ("keyvalue binary", KeyValue("payload", "binary", string.Empty, false, 0L, 0.0, new byte[] { 1, 2, 3 }), Udts.KeyValue);
        yield return ("keyvalue string", KeyValue("component", "string", "grpc", false, 0L, 0.0, null), Udts.KeyValue);
        yield return ("list<frozen<keyvalue>>", new List<object?>
        {
            KeyValue("error", "bool", string.Empty, true, 0L, 0.0, null),
            KeyValue("ratio", "float64", string.Empty, false, 0L, 0.25, null),
        }, Udts.KeyValueList);
        yield return ("log with fields", new CqlUdtValue(Udts.Log, [1_714_435_200_000_001L, new List<object?> { KeyValue("event", "string", "retry", false, 0L, 0.0, null) }]), Udts.Log);
        yield return ("list<frozen<span_ref>>", new List<object?>
        {
            new CqlUdtValue(Udts.SpanRef, ["child-of", Convert.FromHexString("00000000000000000000000000000abc"), -1L]),
            new CqlUdtValue(Udts.SpanRef, ["follows-from", Convert.FromHexString("0102030405060708090a0b0c0d0e0f10"), 42L]),
        }, Udts.SpanRefList);
        yield return ("process", new CqlUdtValue(Udts.Process, ["frontend", new List<object?> { KeyValue("hostname", "string", "host-1", false, 0L, 0.0, null) }]), Udts.Process);
        yield return ("list<frozen<dependency>>", new List<object?>
        {
            new CqlUdtValue(Udts.Dependency, ["frontend", "backend", 12L, "jaeger"]),
        }, Udts.DependencyList);
    }

    [OracleFact]
    public async Task EveryJaegerValueTypeEncodesToTheNodeDriversBytes()
    {
        var cases = Cases().ToList();
        var oracle = await NodeOracle.RunAsync([.. cases.Select(c => (JsonNode)new JsonObject { ["kind"] = "value", ["type"] = NodeOracle.TypeJson(c.Type), ["value"] = NodeOracle.ValueJson(c.Value, c.Type) })]);
        Assert.Equal(cases.Count, oracle.Count);
        for (var i = 0; i < cases.Count; i++)
        {
            using var writer = new CqlBufferWriter();
            CqlCodec.WriteValue(writer, cases[i].Value, cases[i].Type);
            var ours = Convert.ToHexStringLower(writer.WrittenSpan[4..]);
            Assert.True(oracle[i]!.GetValue<string>() == ours, $"{cases[i].Name}: oracle {oracle[i]} ours {ours}");
        }
    }

    [OracleFact]
    public async Task EveryJaegerValueTypeDecodesFromTheNodeDriversBytesToTheSameValue()
    {
        var cases = Cases().ToList();
        var oracle = await NodeOracle.RunAsync([.. cases.Select(c => (JsonNode)new JsonObject { ["kind"] = "value", ["type"] = NodeOracle.TypeJson(c.Type), ["value"] = NodeOracle.ValueJson(c.Value, c.Type) })]);
        for (var i = 0; i < cases.Count; i++)
        {
            var decoded = CqlCodec.Decode(Convert.FromHexString(oracle[i]!.GetValue<string>()), cases[i].Type);
            Assert.True(NodeOracle.ValueJson(decoded, cases[i].Type)!.ToJsonString() == NodeOracle.ValueJson(cases[i].Value, cases[i].Type)!.ToJsonString(), cases[i].Name);
        }
    }

    [Fact]
    public void KeyValueMatchesTheWorkedGocqlEncodingOfAnInt64Tag()
    {
        // Worked bytes of tag http.status_code=200 as gocql (Jaeger's driver) writes it: 66 bytes, null binary.
        using var writer = new CqlBufferWriter();
        CqlCodec.WriteValue(writer, new List<object?> { KeyValue("http.status_code", "int64", string.Empty, false, 200L, 0.0, null) }, Udts.KeyValueList);
        const string element = "00000010687474702e7374617475735f636f6465" + "00000005696e743634" + "00000000" + "0000000100" + "0000000800000000000000c8" + "000000080000000000000000" + "ffffffff";
        Assert.Equal("00000001" + "00000042" + element, Convert.ToHexStringLower(writer.WrittenSpan[4..]));
    }

    [Fact]
    public void AnEmptyListIsAZeroCountCollectionAsGocqlWritesIt()
    {
        // The Node driver would send null here; Jaeger's gocql sends a zero-count list, which we follow.
        using var writer = new CqlBufferWriter();
        CqlCodec.WriteValue(writer, new List<object?>(), Udts.KeyValueList);
        Assert.Equal("0000000400000000", Convert.ToHexStringLower(writer.WrittenSpan));
    }

    [Fact]
    public void AValueOfTheWrongTypeIsRefusedWithTheTypesNamed()
    {
        using var writer = new CqlBufferWriter();
        var error = Assert.Throws<ArgumentException>(() => CqlCodec.WriteValue(writer, "not a number", CqlType.Bigint));
        Assert.Contains("String", error.Message, StringComparison.Ordinal);
        Assert.Contains("bigint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACollectionClaimingMoreElementsThanItsBytesIsRejectedBeforeAllocating()
    {
        var cell = Convert.FromHexString("7fffffff00000001");
        Assert.Throws<CqlProtocolException>(() => CqlCodec.Decode(cell, CqlType.List(CqlType.Int)));
    }

    private static CqlUdtValue KeyValue(string key, string valueType, string valueString, bool valueBool, long valueLong, double valueDouble, byte[]? valueBinary) =>
        new(Udts.KeyValue, [key, valueType, valueString, valueBool, valueLong, valueDouble, valueBinary]);
}
