using System.Globalization;
using System.Text.Json;
using Jaeger.Model;

namespace Jaeger.Agent.Hosting.Tests;

/// <summary>Compares what tests/interop-node/agent-report.js printed (what the Node client sent) with what arrived.</summary>
internal static class NodeReport
{
    public static void AssertDelivered(JsonDocument sent, Process process, IEnumerable<Span> delivered, params KeyValue[] agentTags)
    {
        var spans = delivered.ToList();
        var sentSpans = sent.RootElement.GetProperty("spans");
        Assert.Equal(sentSpans.GetArrayLength(), spans.Count);
        var sentProcess = sent.RootElement.GetProperty("process");
        Assert.Equal("node-shop", process.ServiceName);
        var expectedProcessTags = sentProcess.GetProperty("tags").EnumerateArray().Select(ToKeyValue).Concat(agentTags).ToArray();
        Assert.Equal(expectedProcessTags, process.Tags);
        Assert.Contains(process.Tags, t => t.Key == "client-uuid");

        foreach (var expected in sentSpans.EnumerateArray())
        {
            var spanId = new SpanId(ulong.Parse(expected.GetProperty("spanId").GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            var actual = Assert.Single(spans, s => s.SpanId == spanId);
            var traceId = new TraceId(Hex(expected, "traceIdHigh"), Hex(expected, "traceIdLow"));
            Assert.Equal(traceId, actual.TraceId);
            Assert.Equal(expected.GetProperty("operationName").GetString(), actual.OperationName);
            Assert.Equal((SpanFlags)expected.GetProperty("flags").GetInt32(), actual.Flags);
            Assert.Equal((long)Hex(expected, "startTime"), actual.StartTimeMicros);
            Assert.Equal((long)Hex(expected, "duration"), actual.DurationMicros);
            Assert.Equal(expected.GetProperty("tags").EnumerateArray().Select(ToKeyValue), actual.Tags);
            var logs = expected.GetProperty("logs").EnumerateArray()
                .Select(l => new Log((long)Hex(l, "timestamp"), [.. l.GetProperty("fields").EnumerateArray().Select(ToKeyValue)]));
            Assert.Equal(logs, actual.Logs);
            var parent = Hex(expected, "parentSpanId");
            Assert.Equal(parent == 0 ? [] : new[] { new SpanRef(traceId, new SpanId(parent), SpanRefType.ChildOf) }, actual.References);
        }

        // The child names the root as its parent.
        var root = Assert.Single(spans, s => s.OperationName == "checkout");
        Assert.Equal(root.SpanId, Assert.Single(spans, s => s.OperationName == "charge-card").ParentSpanId);
        Assert.Contains(KeyValue.Float64("retries", 3), root.Tags);
        Assert.Contains(KeyValue.Bool("cache.hit", false), root.Tags);
    }

    public static ulong Hex(JsonElement element, string name) =>
        ulong.Parse(element.GetProperty(name).GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    public static KeyValue ToKeyValue(JsonElement tag)
    {
        var key = tag.GetProperty("key").GetString()!;
        return tag.GetProperty("vType").GetString() switch
        {
            "STRING" => KeyValue.String(key, tag.GetProperty("vStr").GetString()!),
            "DOUBLE" => KeyValue.Float64(key, tag.GetProperty("vDouble").GetDouble()),
            "BOOL" => KeyValue.Bool(key, tag.GetProperty("vBool").GetBoolean()),
            var other => throw new InvalidOperationException("unexpected tag type " + other),
        };
    }
}
