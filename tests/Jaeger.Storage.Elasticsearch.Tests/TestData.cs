using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jaeger.Model;
using Jaeger.Storage.Elasticsearch.Documents;
using Jaeger.Storage.Elasticsearch.Writing;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>Spans, fixtures and JSON helpers shared by the tests.</summary>
internal static class TestData
{
    public static readonly Process Frontend = new("frontend", [KeyValue.String("hostname", "host-1"), KeyValue.String("ip", "10.0.0.1")]);

    /// <summary>The span the golden fixtures <c>span_nested_tags.json</c> and <c>span_tags_as_fields.json</c> describe.</summary>
    public static Span FixtureSpan() => new()
    {
        TraceId = new TraceId(1, 2),
        SpanId = new SpanId(3),
        Flags = SpanFlags.Sampled,
        OperationName = "GET /api",
        References = [new SpanRef(new TraceId(1, 2), new SpanId(4), SpanRefType.ChildOf), new SpanRef(new TraceId(0, 0xff), new SpanId(0xff), SpanRefType.FollowsFrom)],
        StartTimeMicros = 1485467191639875,
        DurationMicros = 5000,
        Tags =
        [
            KeyValue.String("span.kind", "server"),
            KeyValue.Int64("peer.port", 8080),
            KeyValue.Bool("error", true),
            KeyValue.Float64("temperature", 72.5),
            KeyValue.Float64("big", 12345678901.5),
            KeyValue.Binary("blob", [0x00, 0x00, 0x30, 0x39]),
        ],
        Logs =
        [
            new Log(1485467191640000, [KeyValue.String("event", "retry"), KeyValue.Int64("attempt", 2)]),
            new Log(1485467191641000, ImmutableArray<KeyValue>.Empty),
        ],
        Process = Frontend,
    };

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static JsonNode Fixture(string name) => JsonNode.Parse(File.ReadAllText(FixturePath(name)))!;

    public static byte[] Write(SpanDocument document, Span span)
    {
        var buffer = new PooledBufferWriter(256);
        try
        {
            document.Write(new RawJsonWriter(buffer, null), span, span.Process);
            return buffer.WrittenMemory.ToArray();
        }
        finally
        {
            buffer.Return();
        }
    }

    public static Span Read(SpanDocument document, JsonNode node)
    {
        using var doc = JsonDocument.Parse(node.ToJsonString());
        return document.Read(doc.RootElement);
    }

    /// <summary>Asserts two JSON values are equal field by field, naming the first difference's path; object key order is checked when <paramref name="keyOrder"/>.</summary>
    public static void JsonEqual(JsonNode? expected, JsonNode? actual, bool keyOrder = true, string path = "$")
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual?.ToJsonString()}");
                return;
            case JsonObject eo:
            {
                var ao = Assert.IsType<JsonObject>(actual);
                Assert.True(eo.Select(p => p.Key).Order().SequenceEqual(ao.Select(p => p.Key).Order()), $"{path}: keys {string.Join(",", eo.Select(p => p.Key))} != {string.Join(",", ao.Select(p => p.Key))}");
                if (keyOrder)
                {
                    Assert.True(eo.Select(p => p.Key).SequenceEqual(ao.Select(p => p.Key)), $"{path}: key order {string.Join(",", eo.Select(p => p.Key))} != {string.Join(",", ao.Select(p => p.Key))}");
                }

                foreach (var (key, value) in eo)
                {
                    JsonEqual(value, ao[key], keyOrder, $"{path}.{key}");
                }

                return;
            }

            case JsonArray ea:
            {
                var aa = Assert.IsType<JsonArray>(actual);
                Assert.True(ea.Count == aa.Count, $"{path}: {ea.Count} elements expected, got {aa.Count}: {aa.ToJsonString()}");
                for (var i = 0; i < ea.Count; i++)
                {
                    JsonEqual(ea[i], aa[i], keyOrder, $"{path}[{i}]");
                }

                return;
            }

            default:
                Assert.True(actual is JsonValue, $"{path}: expected {expected.ToJsonString()}, got {actual?.ToJsonString()}");
                Assert.True(JsonNode.DeepEquals(expected, actual), $"{path}: expected {expected.ToJsonString()}, got {actual!.ToJsonString()}");
                return;
        }
    }
}
