using System.Text.Json.Nodes;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;

namespace Jaeger.Storage.Cassandra.Tests.Protocol;

/// <summary>Every request frame our client sends, byte for byte equal to the frame the Node driver's lib/requests builds for the same request.</summary>
public sealed class RequestFrameOracleTests
{
    private static readonly JaegerUdts Udts = new("jaeger_v1_test");

    [OracleFact]
    public async Task StartupFrameEqualsTheNodeDriversForTheSameOptions()
    {
        var result = (await NodeOracle.RunAsync([new JsonObject { ["kind"] = "startup", ["stream"] = 0 }]))[0]!.AsObject();
        var options = result["options"]!.AsObject().Select(p => KeyValuePair.Create(p.Key, p.Value!.GetValue<string>())).ToList();
        using var writer = new CqlBufferWriter();
        CqlRequests.WriteStartup(writer, 0, options);
        Assert.Equal(result["hex"]!.GetValue<string>(), Hex(writer));
    }

    [Fact]
    public void StartupWithOnlyTheCqlVersionIsTheWorkedExampleOfTheSpec()
    {
        using var writer = new CqlBufferWriter();
        CqlRequests.WriteStartup(writer, 0, [KeyValuePair.Create("CQL_VERSION", "3.0.0")]);
        Assert.Equal("040000000100000016" + "0001000b43514c5f56455253494f4e0005332e302e30", Hex(writer));
    }

    [OracleFact]
    public async Task OptionsRegisterAuthResponseAndPrepareFramesEqualTheNodeDrivers()
    {
        var token = CqlRequests.PlainTextToken("cassandra", "pässword");
        var oracle = await NodeOracle.RunAsync(
        [
            new JsonObject { ["kind"] = "options", ["stream"] = 0 },
            new JsonObject { ["kind"] = "options", ["stream"] = 32767 },
            new JsonObject { ["kind"] = "register", ["stream"] = 3, ["events"] = new JsonArray("TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE") },
            new JsonObject { ["kind"] = "plainTextToken", ["user"] = "cassandra", ["password"] = "pässword" },
            new JsonObject { ["kind"] = "authResponse", ["stream"] = 1, ["token"] = Convert.ToHexStringLower(token) },
            new JsonObject { ["kind"] = "prepare", ["stream"] = 258, ["query"] = "INSERT INTO service_names(service_name) VALUES (?)" },
        ]);
        using var writer = new CqlBufferWriter();
        CqlRequests.WriteOptions(writer, 0);
        Assert.Equal(Str(oracle[0]), Hex(writer));
        writer.Reset();
        CqlRequests.WriteOptions(writer, 32767);
        Assert.Equal(Str(oracle[1]), Hex(writer));
        writer.Reset();
        CqlRequests.WriteRegister(writer, 3, ["TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE"]);
        Assert.Equal(Str(oracle[2]), Hex(writer));
        Assert.Equal(Str(oracle[3]), Convert.ToHexStringLower(token));
        writer.Reset();
        CqlRequests.WriteAuthResponse(writer, 1, token);
        Assert.Equal(Str(oracle[4]), Hex(writer));
        writer.Reset();
        CqlRequests.WritePrepare(writer, 258, "INSERT INTO service_names(service_name) VALUES (?)");
        Assert.Equal(Str(oracle[5]), Hex(writer));
    }

    [Fact]
    public void ThePasswordAuthenticatorTokenIsTheSpecsWorkedExample()
    {
        Assert.Equal("0063617373616e6472610063617373616e647261", Convert.ToHexStringLower(CqlRequests.PlainTextToken("cassandra", "cassandra")));
    }

    private static readonly string[] QueryVariants = ["plain", "values", "page size", "paging state", "serial", "timestamp", "all", "names"];

    [OracleFact]
    public async Task QueryFramesWithEveryParameterEqualTheNodeDrivers()
    {
        var variants = QueryVariants;
        var cases = new JsonArray();
        var ours = new List<string>();
        foreach (var variant in variants)
        {
            var (json, parameters, values, types, names) = QueryCase(variant);
            json["kind"] = "query";
            json["stream"] = 17;
            json["query"] = "SELECT trace_id FROM service_name_index WHERE bucket IN (0,1,2,3,4,5,6,7,8,9) AND service_name = ? AND start_time > ? AND start_time < ? ORDER BY start_time DESC LIMIT ?";
            cases.Add(json);
            using var writer = new CqlBufferWriter();
            CqlRequests.WriteQuery(writer, 17, json["query"]!.GetValue<string>(), values, parameters, types, names);
            ours.Add(Hex(writer));
        }

        var oracle = await NodeOracle.RunAsync(cases);
        for (var i = 0; i < variants.Length; i++)
        {
            Assert.True(Str(oracle[i]) == ours[i], $"{variants[i]}: oracle {oracle[i]} ours {ours[i]}");
        }
    }

    [OracleFact]
    public async Task ExecuteFramesOfJaegersInsertsEqualTheNodeDrivers()
    {
        var id = Convert.FromHexString("a1b2c3d4e5f60718293a4b5c6d7e8f90");
        object?[] traceValues =
        [
            Convert.FromHexString("5b8aa5a2d2c872e8321cf37308d69df2"), -2L, 77L, 0L, "HTTP GET /dispatch", 1,
            1_714_435_200_123_456L, 1_234L,
            new List<object?> { new CqlUdtValue(Udts.KeyValue, ["span.kind", "string", "server", false, 0L, 0.0, null]) },
            new List<object?> { new CqlUdtValue(Udts.Log, [1_714_435_200_123_457L, new List<object?> { new CqlUdtValue(Udts.KeyValue, ["event", "string", "x", false, 0L, 0.0, null]) }]) },
            new List<object?> { new CqlUdtValue(Udts.SpanRef, ["child-of", Convert.FromHexString("5b8aa5a2d2c872e8321cf37308d69df2"), 5L]) },
            new CqlUdtValue(Udts.Process, ["frontend", new List<object?> { new CqlUdtValue(Udts.KeyValue, ["ip", "string", "10.0.0.1", false, 0L, 0.0, null]) }]),
        ];
        CqlType[] traceTypes = [CqlType.Blob, CqlType.Bigint, CqlType.Bigint, CqlType.Bigint, CqlType.Text, CqlType.Int, CqlType.Bigint, CqlType.Bigint, Udts.KeyValueList, Udts.LogList, Udts.SpanRefList, Udts.Process];
        object?[] durationValues = ["frontend", string.Empty, DateTimeOffset.FromUnixTimeMilliseconds(1_714_435_200_000), 1_234L, 1_714_435_200_123_456L, Convert.FromHexString("5b8aa5a2d2c872e8321cf37308d69df2")];
        CqlType[] durationTypes = [CqlType.Text, CqlType.Text, CqlType.Timestamp, CqlType.Bigint, CqlType.Bigint, CqlType.Blob];
        var parameters = new CqlQueryParameters { Consistency = CqlConsistency.LocalOne, DefaultTimestamp = 1_714_435_200_123_999 };

        var oracle = await NodeOracle.RunAsync(
        [
            ExecuteJson(id, traceValues, traceTypes, parameters, 9),
            ExecuteJson(id, durationValues, durationTypes, parameters with { PageSize = 5000 }, 10),
            ExecuteJson(id, [], [], new CqlQueryParameters { Consistency = CqlConsistency.One }, 11),
        ]);
        using var writer = new CqlBufferWriter();
        CqlRequests.WriteExecute(writer, 9, id, traceValues, parameters, traceTypes);
        Assert.Equal(Str(oracle[0]), Hex(writer));
        writer.Reset();
        CqlRequests.WriteExecute(writer, 10, id, durationValues, parameters with { PageSize = 5000 }, durationTypes);
        Assert.Equal(Str(oracle[1]), Hex(writer));
        writer.Reset();
        CqlRequests.WriteExecute(writer, 11, id, [], new CqlQueryParameters { Consistency = CqlConsistency.One }, []);
        Assert.Equal(Str(oracle[2]), Hex(writer));
    }

    [OracleFact]
    public async Task BatchFramesOfEveryTypeEqualTheNodeDrivers()
    {
        var id = Convert.FromHexString("0badc0de");
        var statements = new List<CqlBatchStatement>
        {
            new(null, id, ["frontend", "server", "GET"], [CqlType.Text, CqlType.Text, CqlType.Text]),
            new("INSERT INTO service_names(service_name) VALUES (?)", null, ["frontend"], [CqlType.Text]),
        };
        var oracle = await NodeOracle.RunAsync(
        [
            BatchJson(statements, 0, CqlConsistency.Quorum, null, null),
            BatchJson(statements, 1, CqlConsistency.LocalOne, CqlConsistency.LocalSerial, 1_714_435_200_123_456),
            BatchJson([new("UPDATE c SET n = n + ? WHERE k = ?", null, [1L, "k"], [CqlType.Counter, CqlType.Text])], 2, CqlConsistency.One, null, 5),
        ]);
        using var writer = new CqlBufferWriter();
        CqlRequests.WriteBatch(writer, 4, CqlBatchType.Logged, statements, CqlConsistency.Quorum);
        Assert.Equal(Str(oracle[0]), Hex(writer));
        writer.Reset();
        CqlRequests.WriteBatch(writer, 4, CqlBatchType.Unlogged, statements, CqlConsistency.LocalOne, CqlConsistency.LocalSerial, 1_714_435_200_123_456);
        Assert.Equal(Str(oracle[1]), Hex(writer));
        writer.Reset();
        CqlRequests.WriteBatch(writer, 4, CqlBatchType.Counter, [new("UPDATE c SET n = n + ? WHERE k = ?", null, [1L, "k"], [CqlType.Counter, CqlType.Text])], CqlConsistency.One, null, 5);
        Assert.Equal(Str(oracle[2]), Hex(writer));
    }

    private static (JsonObject Json, CqlQueryParameters Parameters, object?[]? Values, CqlType[]? Types, string[]? Names) QueryCase(string variant)
    {
        object?[] values = ["frontend", 1_714_435_200_000_000L, 1_714_438_800_000_000L, 300];
        CqlType[] types = [CqlType.Text, CqlType.Bigint, CqlType.Bigint, CqlType.Int];
        var json = new JsonObject { ["consistency"] = (int)CqlConsistency.LocalOne };
        var parameters = new CqlQueryParameters { Consistency = CqlConsistency.LocalOne };
        string[]? names = null;
        var withValues = variant != "plain";
        switch (variant)
        {
            case "page size":
                parameters = parameters with { PageSize = 5000 };
                json["pageSize"] = 5000;
                break;
            case "paging state":
                parameters = parameters with { PageSize = 100, PagingState = [0xde, 0xad, 0xbe, 0xef] };
                json["pageSize"] = 100;
                json["pagingState"] = "deadbeef";
                break;
            case "serial":
                parameters = parameters with { SerialConsistency = CqlConsistency.LocalSerial };
                json["serialConsistency"] = (int)CqlConsistency.LocalSerial;
                break;
            case "timestamp":
                parameters = parameters with { DefaultTimestamp = 1_714_435_200_123_456 };
                json["timestamp"] = "1714435200123456";
                break;
            case "all":
                parameters = new CqlQueryParameters { Consistency = CqlConsistency.Quorum, PageSize = 20, PagingState = [1, 2], SerialConsistency = CqlConsistency.Serial, DefaultTimestamp = 42 };
                json["consistency"] = (int)CqlConsistency.Quorum;
                json["pageSize"] = 20;
                json["pagingState"] = "0102";
                json["serialConsistency"] = (int)CqlConsistency.Serial;
                json["timestamp"] = "42";
                break;
            case "names":
                names = ["service_name", "min", "max", "limit"];
                json["names"] = new JsonArray(names.Select(n => (JsonNode)n).ToArray());
                break;
        }

        if (withValues)
        {
            json["values"] = new JsonArray(values.Select((v, i) => (JsonNode)NodeOracle.Bound(v, types[i])).ToArray());
        }

        return (json, parameters, withValues ? values : null, withValues ? types : null, names);
    }

    internal static JsonObject ExecuteJson(byte[] id, object?[] values, CqlType[] types, CqlQueryParameters parameters, int stream)
    {
        var json = new JsonObject
        {
            ["kind"] = "execute",
            ["stream"] = stream,
            ["query"] = "x",
            ["id"] = Convert.ToHexStringLower(id),
            ["consistency"] = (int)parameters.Consistency,
            ["values"] = new JsonArray(values.Select((v, i) => (JsonNode)NodeOracle.Bound(v, types[i])).ToArray()),
        };
        if (parameters.PageSize > 0)
        {
            json["pageSize"] = parameters.PageSize;
        }

        if (parameters.DefaultTimestamp is { } ts)
        {
            json["timestamp"] = ts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return json;
    }

    private static JsonObject BatchJson(IReadOnlyList<CqlBatchStatement> statements, int batchType, CqlConsistency consistency, CqlConsistency? serial, long? timestamp)
    {
        var list = new JsonArray();
        foreach (var s in statements)
        {
            var item = new JsonObject { ["values"] = new JsonArray(s.Values.Select((v, i) => (JsonNode)NodeOracle.Bound(v, s.Types![i])).ToArray()) };
            if (s.PreparedId is { } pid)
            {
                item["id"] = Convert.ToHexStringLower(pid);
            }
            else
            {
                item["query"] = s.Query;
            }

            list.Add(item);
        }

        var json = new JsonObject { ["kind"] = "batch", ["stream"] = 4, ["statements"] = list, ["batchType"] = batchType, ["consistency"] = (int)consistency };
        if (serial is { } sc)
        {
            json["serialConsistency"] = (int)sc;
        }

        if (timestamp is { } ts)
        {
            json["timestamp"] = ts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return json;
    }

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static string Hex(CqlBufferWriter writer) => Convert.ToHexStringLower(writer.WrittenSpan);
}
