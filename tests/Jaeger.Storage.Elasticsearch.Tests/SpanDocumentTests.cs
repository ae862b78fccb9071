using System.Text.Json.Nodes;
using Jaeger.Model;
using Jaeger.Storage.Conformance;
using Jaeger.Storage.Elasticsearch.Documents;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>The span document, byte and shape level, against golden fixtures written from Jaeger's documented format.</summary>
public sealed class SpanDocumentTests
{
    private static readonly SpanDocument Nested = new(TagsAsFields.None);
    private static readonly SpanDocument AllAsFields = new(new TagsAsFields(true, [], "@"));

    [Fact]
    public void Document_with_nested_tags_matches_the_golden_fixture_field_by_field_and_in_Jaegers_key_order()
    {
        var written = JsonNode.Parse(TestData.Write(Nested, TestData.FixtureSpan()));

        TestData.JsonEqual(TestData.Fixture("span_nested_tags.json"), written);
    }

    [Fact]
    public void Document_with_all_tags_as_fields_puts_typed_values_in_tag_with_dots_replaced_and_keeps_binary_nested()
    {
        var written = JsonNode.Parse(TestData.Write(AllAsFields, TestData.FixtureSpan()));

        TestData.JsonEqual(TestData.Fixture("span_tags_as_fields.json"), written);
    }

    [Fact]
    public void Document_is_compact_single_line_json_with_ids_as_lower_case_hex()
    {
        var text = System.Text.Encoding.UTF8.GetString(TestData.Write(Nested, TestData.FixtureSpan()));

        Assert.DoesNotContain('\n', text);
        Assert.StartsWith("""{"traceID":"00000000000000010000000000000002","spanID":"0000000000000003","flags":1,"operationName":"GET /api","references":[{"refType":"CHILD_OF",""", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_of_zero_are_omitted_and_a_64_bit_trace_id_has_16_characters()
    {
        var span = TestData.FixtureSpan();
        span.Flags = SpanFlags.None;
        span.TraceId = new TraceId(0, 0xabc);

        var doc = JsonNode.Parse(TestData.Write(Nested, span))!.AsObject();

        Assert.False(doc.ContainsKey("flags"));
        Assert.Equal("0000000000000abc", doc["traceID"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(72.5, "72.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(3.0, "3")]
    [InlineData(12345678901.5, "1.23456789e+10")]
    [InlineData(1234567890, "1234567890")]
    [InlineData(0.00001234, "1.234e-05")]
    [InlineData(0.0001234, "0.0001234")]
    [InlineData(-2.5e-300, "-2.5e-300")]
    [InlineData(1.0 / 3, "0.3333333333")]
    public void Float_values_are_written_as_Gos_10_significant_digit_g_format(double value, string text) =>
        Assert.Equal(text, SpanDocument.FormatFloat(value));

    // Strings the document writer must escape exactly as Utf8JsonWriter does with the bulk's encoder.
    private static readonly string[] AwkwardStrings =
    [
        "plain ascii",
        "quote \" and backslash \\",
        "control \u0001, tab \t, newline \n",
        "accents é ü, CJK 漢字, <html> & 'apostrophes' +",
        "outside the BMP: \U0001F600",
        "a lone surrogate \ud800 here",
        "unassigned \u0378 and a zero-width joiner \u200d",
        new string('a', 5000),
        new string('é', 5000) + "\"",
        string.Empty,
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public void Strings_are_escaped_byte_for_byte_as_Utf8JsonWriter_escapes_them(int which)
    {
        var text = AwkwardStrings[which];
        var span = TestData.FixtureSpan();
        span.OperationName = text;
        span.Tags = [KeyValue.String(text, text)];
        span.Warnings = [text];
        span.Process = new Process(text, [KeyValue.String("k", text)]);

        var written = System.Text.Encoding.UTF8.GetString(TestData.Write(Nested, span));

        var expected = Utf8JsonWriterText(w => w.WriteStringValue(text));
        Assert.Contains($",\"operationName\":{expected},", written, StringComparison.Ordinal);
        Assert.Contains($"\"tags\":[{{\"key\":{expected},\"type\":\"string\",\"value\":{expected}}}]", written, StringComparison.Ordinal);
        Assert.Contains($"\"process\":{{\"serviceName\":{expected},\"tags\":[{{\"key\":\"k\",\"type\":\"string\",\"value\":{expected}}}]}}", written, StringComparison.Ordinal);
        Assert.EndsWith($",\"warnings\":[{expected}]}}", written, StringComparison.Ordinal);
    }

    [Fact]
    public void Tags_as_fields_are_written_byte_for_byte_as_Utf8JsonWriter_writes_their_names_and_numbers()
    {
        var span = TestData.FixtureSpan();
        span.Tags = [KeyValue.Float64("ratio \"x\"", 0.1), KeyValue.Float64("tiny", 1e-300), KeyValue.Float64("huge", -1.7976931348623157e308), KeyValue.Float64("nan", double.NaN)];

        var written = System.Text.Encoding.UTF8.GetString(TestData.Write(AllAsFields, span));

        var expected = Utf8JsonWriterText(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("huge", -1.7976931348623157e308);
            w.WriteString("nan", "NaN");
            w.WriteNumber("ratio \"x\"", 0.1);
            w.WriteNumber("tiny", 1e-300);
            w.WriteEndObject();
        });
        Assert.Contains($",\"tag\":{expected},\"logs\":", written, StringComparison.Ordinal);
    }

    private static string Utf8JsonWriterText(Action<System.Text.Json.Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(w);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Span_round_trips_through_the_nested_document()
    {
        var span = TestData.FixtureSpan();
        span.Tags = span.Tags.RemoveAll(t => t.Key == "big"); // 10 significant digits, as Jaeger: not lossless for longer floats.
        span.Warnings = ["clock skew adjusted"];

        var read = TestData.Read(Nested, JsonNode.Parse(TestData.Write(Nested, span))!);

        TraceAssert.SpanEqual(span, read);
    }

    [Fact]
    public void Span_round_trips_through_the_tags_as_fields_document()
    {
        var span = TestData.FixtureSpan();
        span.Tags = span.Tags.RemoveAll(t => t.Key == "big");

        var read = TestData.Read(AllAsFields, JsonNode.Parse(TestData.Write(AllAsFields, span))!);

        TraceAssert.SpanEqual(span, read);
    }

    [Fact]
    public void Only_the_included_keys_become_fields()
    {
        var fields = new SpanDocument(new TagsAsFields(false, ["span.kind", "hostname"], "__"));

        var doc = JsonNode.Parse(TestData.Write(fields, TestData.FixtureSpan()))!;

        Assert.Equal("""{"span__kind":"server"}""", doc["tag"]!.ToJsonString());
        Assert.Equal("""{"hostname":"host-1"}""", doc["process"]!["tag"]!.ToJsonString());
        Assert.Equal(5, doc["tags"]!.AsArray().Count);
    }

    [Fact]
    public void Document_written_by_a_Jaeger_collector_reads_into_the_model()
    {
        var span = TestData.Read(new SpanDocument(new TagsAsFields(false, [], "@")), TestData.Fixture("jaeger_collector_span.json"));

        Assert.Equal(new TraceId(0, 0x4d2), span.TraceId);
        Assert.Equal(new SpanId(0x162e), span.SpanId);
        Assert.Equal(SpanFlags.None, span.Flags);
        Assert.Equal("HTTP GET /dispatch", span.OperationName);
        Assert.Equal([new SpanRef(new TraceId(0, 0x4d2), new SpanId(0x10), SpanRefType.ChildOf)], span.References.ToArray());
        Assert.Equal(new SpanId(0x10), span.ParentSpanId);
        Assert.Equal(1714694400123456, span.StartTimeMicros);
        Assert.Equal(1532, span.DurationMicros);
        Assert.Equal(
            [
                KeyValue.String("component", "net/http"),
                KeyValue.Int64("http.status_code", 200),
                KeyValue.Bool("sampler.param", true),
                KeyValue.Float64("ratio", 0.25),
                KeyValue.String("http.method", "GET"),
                KeyValue.Int64("retries", 3),
                KeyValue.Bool("cache.hit", false),
                KeyValue.Float64("load", 0.75),
                KeyValue.Int64("whole", 2), // Jaeger too reads an integral number in tag.* as int64
            ],
            span.Tags.ToArray());
        Assert.Equal(2, span.Logs.Length);
        Assert.Equal([KeyValue.String("event", "dispatch"), KeyValue.Binary("payload", [0xca, 0xfe])], span.Logs[0].Fields.ToArray());
        Assert.Empty(span.Logs[1].Fields);
        Assert.Equal("frontend", span.Process.ServiceName);
        Assert.Equal([KeyValue.String("jaeger.version", "Go-2.1.0"), KeyValue.String("hostname", "ip-10-0-0-7")], span.Process.Tags.ToArray());
    }

    [Fact]
    public void Document_with_typed_values_as_Jaeger_v2s_native_writer_stores_them_reads_into_the_model()
    {
        var span = TestData.Read(Nested, TestData.Fixture("jaeger_v2_typed_values_span.json"));

        Assert.Equal(
            [
                KeyValue.String("peer.service", "service-y"),
                KeyValue.Int64("peer.ipv4", 23456),
                KeyValue.Bool("error", true),
                KeyValue.Float64("temperature", 72.5),
                KeyValue.Binary("blob", [0x00, 0x00, 0x30, 0x39]),
            ],
            span.Tags.ToArray());
        Assert.Equal([KeyValue.Int64("event", 123415)], span.Logs[0].Fields.ToArray());
        Assert.Equal([KeyValue.Bool("error", true)], span.Process.Tags.ToArray());
    }

    [Theory]
    [InlineData("""{"spanID":"0000000000000001","startTime":1,"duration":1}""", "traceID")]
    [InlineData("""{"traceID":"zz","spanID":"0000000000000001","startTime":1,"duration":1}""", "trace id")]
    [InlineData("""{"traceID":"01","spanID":"01","startTime":1,"duration":1,"references":[{"refType":"PARENT","traceID":"01","spanID":"02"}]}""", "PARENT")]
    [InlineData("""{"traceID":"01","spanID":"01","startTime":1,"duration":1,"tags":[{"key":"k","type":"int64","value":"x"}]}""", "int64")]
    [InlineData("""{"traceID":"01","spanID":"01","startTime":1,"duration":1,"tags":[{"key":"k","type":"uint8","value":"1"}]}""", "uint8")]
    public void Malformed_documents_are_refused_with_a_message_naming_the_problem(string json, string named)
    {
        var ex = Assert.Throws<FormatException>(() => TestData.Read(Nested, JsonNode.Parse(json)!));

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }
}
