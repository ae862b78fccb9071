using FsCheck;
using FsCheck.Xunit;
using Google.Protobuf;
using Jaeger.Collector.Receivers;
using Jaeger.Hosting.Otlp;
using Jaeger.Model;
using Jaeger.Text;
using Jaeger.Protos.Otlp.Collector.Trace.V1;
using static Jaeger.Collector.Hosting.Tests.OtlpDecoding.OtlpSamples;
using Common = Jaeger.Protos.Otlp.Common.V1;
using Resource = Jaeger.Protos.Otlp.Resource.V1;
using Trace = Jaeger.Protos.Otlp.Trace.V1;

namespace Jaeger.Collector.Hosting.Tests.OtlpDecoding;

/// <summary>
/// The direct reader against the generated path it replaces (Google.Protobuf's parser, then OtlpConverter): the same
/// bytes must give the same spans, field for field.
/// </summary>
public sealed class OtlpProtobufReaderTests
{
    public static TheoryData<string> CorpusNames() => [.. Corpus().Keys];

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public void Corpus_request_decodes_exactly_as_the_generated_parser_and_converter_do(string name)
    {
        var bytes = Corpus()[name].ToByteArray();

        var expected = OtlpWire.DecodeGeneratedOrFail(bytes);
        var actual = OtlpWire.DecodeWithReader(bytes);

        OtlpWire.AssertSameSpans(expected, actual);
    }

    [Fact]
    public void Rich_request_maps_every_rule()
    {
        var spans = OtlpWire.DecodeWithReader(Rich().ToByteArray());

        var first = spans[0];
        Assert.Equal("rich-svc", first.Process.ServiceName);
        Assert.Contains(KeyValue.Binary("raw", [1, 2, 3]), first.Process.Tags);
        Assert.Contains(KeyValue.String("list", "[1,\"a\",true,2.5,\"AQI=\",[null,{}],{\"k\":\"v\",\"none\":null,\"empty\":null}]"), first.Process.Tags);
        Assert.Equal("server", first.SpanKind);
        Assert.Equal(new SpanRef(first.TraceId, new SpanId(0x0102030405060708), SpanRefType.ChildOf), first.References[0]);
        Assert.Equal(SpanRefType.FollowsFrom, first.References[1].RefType);
        Assert.True(first.TryGetTag("error", out var error) && error.BoolValue);
        Assert.True(first.TryGetTag("otel.status_description", out var description) && description.StringValue == "boom");
        Assert.True(first.TryGetTag("otel.scope.name", out var scope) && scope.StringValue == "lib");
        Assert.True(first.TryGetTag("w3c.tracestate", out var state) && state.StringValue == "a=b");
        Assert.Equal(KeyValue.String("event", "cache miss"), first.Logs[0].Fields[0]);
        Assert.Equal(3, first.Warnings.Length);
        Assert.Equal(-1, spans.Single(s => s.OperationName == "backwards").DurationMicros);
        Assert.Equal(OtlpMapping.NoServiceName, spans.Last().Process.ServiceName);
    }

    [Property(MaxTest = 200)]
    public void Random_requests_decode_exactly_as_the_generated_parser_and_converter_do(
        int seed, NonNull<string>[] strings, long[] numbers, double[] reals, NonNull<byte[]>[] blobs)
    {
        var request = RandomRequest(new Random(seed), [.. strings.Select(s => s.Get), "service.name", ""], [.. numbers, 0, -1, long.MinValue], [.. reals, double.NaN, -0.0], [.. blobs.Select(b => b.Get), []]);
        var bytes = request.ToByteArray();

        var generatedOk = OtlpWire.DecodeGenerated(bytes, out var expected, out var generatedError, out _);
        var readerOk = OtlpProtobufReader.TryRead(bytes, new List<Span>(), out var readerError);

        Assert.Equal(generatedOk, readerOk);
        if (generatedOk)
        {
            OtlpWire.AssertSameSpans(expected, OtlpWire.DecodeWithReader(bytes));
        }
        else
        {
            Assert.Equal(OtlpDecodeErrorKind.InvalidSpan, readerError.Kind);
            Assert.Equal(generatedError, readerError.Message);
        }
    }

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public void Unknown_fields_of_every_wire_type_in_every_message_are_skipped(string name)
    {
        var bytes = Corpus()[name].ToByteArray();
        var extended = OtlpWire.WithUnknownFields(bytes, ExportTraceServiceRequest.Descriptor);
        Assert.True(extended.Length > bytes.Length + 20);

        OtlpWire.AssertSameSpans(OtlpWire.DecodeGeneratedOrFail(bytes), OtlpWire.DecodeGeneratedOrFail(extended));
        OtlpWire.AssertSameSpans(OtlpWire.DecodeWithReader(bytes), OtlpWire.DecodeWithReader(extended));
    }

    [Fact]
    public void Fields_in_any_order_and_singular_messages_seen_twice_merge_as_protobuf_does()
    {
        // Concatenated encodings of one message merge: ids and names last-wins, lists appended, status, scope and
        // attribute values merged (two arrays in one value concatenate).
        var a = new Trace.Span
        {
            TraceId = Id(16, 1),
            SpanId = Id(8, 1),
            Name = "first",
            Attributes = { new Common.KeyValue { Key = "arr", Value = new Common.AnyValue { ArrayValue = new Common.ArrayValue { Values = { new Common.AnyValue { IntValue = 1 } } } } } },
            Status = new Trace.Status { Code = Trace.Status.Types.StatusCode.Error },
        };
        var b = new Trace.Span { SpanId = Id(8, 2), Name = "second", Status = new Trace.Status { Message = "merged" }, Kind = Trace.Span.Types.SpanKind.Producer };
        var mergedValue = OtlpWire.Field(9, OtlpWire.Field(1, "k"u8.ToArray()), OtlpWire.Field(2, OtlpWire.Field(5, OtlpWire.Field(1, [0x18, 0x02]))), OtlpWire.Field(2, OtlpWire.Field(5, OtlpWire.Field(1, [0x10, 0x01]))));
        var scope = OtlpWire.Field(1, OtlpWire.Field(2, "v1"u8.ToArray()));
        var scopeAgain = OtlpWire.Field(1, OtlpWire.Field(1, "lib"u8.ToArray()));
        var resource = OtlpWire.Field(1, OtlpWire.Field(1, Str("service.name", "late").ToByteArray()));
        var spans = OtlpWire.Field(2, a.ToByteArray(), b.ToByteArray(), mergedValue);
        var request = OtlpWire.Field(1, OtlpWire.Field(2, spans, scope, scopeAgain), resource);

        var expected = OtlpWire.DecodeGeneratedOrFail(request);
        var actual = OtlpWire.DecodeWithReader(request);

        OtlpWire.AssertSameSpans(expected, actual);
        var span = Assert.Single(actual);
        Assert.Equal("second", span.OperationName);
        Assert.Equal("late", span.Process.ServiceName);
        Assert.Equal(KeyValue.String("arr", "[1]"), span.Tags[0]);
        Assert.Equal(KeyValue.String("k", "[2,true]"), span.Tags[1]);
        Assert.True(span.TryGetTag("otel.status_description", out var description) && description.StringValue == "merged");
        Assert.True(span.TryGetTag("otel.scope.version", out var version) && version.StringValue == "v1");
        Assert.True(span.TryGetTag("otel.scope.name", out var name) && name.StringValue == "lib");
    }

    public static TheoryData<string, int, int, int> BadIds => new()
    {
        { "short trace id", 5, 8, 0 },
        { "zero trace id", -16, 8, 0 },
        { "long span id", 16, 9, 0 },
        { "zero span id", 16, -8, 0 },
        { "parent of 3 bytes", 16, 8, 3 },
    };

    [Theory]
    [MemberData(nameof(BadIds))]
    public void Ids_of_the_wrong_length_fail_with_the_converters_message(string because, int traceLength, int spanLength, int parentLength)
    {
        var span = new Trace.Span
        {
            TraceId = traceLength < 0 ? ByteString.CopyFrom(new byte[-traceLength]) : Id(traceLength, 3),
            SpanId = spanLength < 0 ? ByteString.CopyFrom(new byte[-spanLength]) : Id(spanLength, 4),
            ParentSpanId = parentLength == 0 ? ByteString.Empty : Id(parentLength, 5),
        };
        var bytes = Wrap(span, good: 2).ToByteArray();

        Assert.False(OtlpWire.DecodeGenerated(bytes, out _, out var expected, out var parsed));
        var output = new List<Span>();
        Assert.False(OtlpProtobufReader.TryRead(bytes, output, out var error), because);

        Assert.True(parsed);
        Assert.Equal(OtlpDecodeErrorKind.InvalidSpan, error.Kind);
        Assert.Equal(expected, error.Message);
        Assert.StartsWith("resource_spans[0].scope_spans[0].spans[2]: ", error.Message, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Fact]
    public void A_bad_link_fails_after_the_span_ids_are_checked()
    {
        var span = new Trace.Span { TraceId = Id(16, 1), SpanId = Id(8, 1), Links = { new Trace.Span.Types.Link { TraceId = Id(16, 2), SpanId = Id(4, 2) } } };
        var bytes = Wrap(span, good: 0).ToByteArray();

        Assert.False(OtlpWire.DecodeGenerated(bytes, out _, out var expected, out _));
        Assert.False(OtlpProtobufReader.TryRead(bytes, [], out var error));

        Assert.Equal(expected, error.Message);
        Assert.Contains("a link needs a 16-byte trace_id and an 8-byte span_id, got 16 and 4 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_body_is_reported_ahead_of_an_earlier_span_with_bad_ids()
    {
        var bad = new Trace.Span { TraceId = Id(3, 1), SpanId = Id(8, 1) };
        var bytes = Wrap(bad, good: 0).ToByteArray();
        byte[] truncated = [.. bytes, 0x0A, 0x05, 0x01];

        Assert.False(OtlpProtobufReader.TryRead(truncated, [], out var error));

        Assert.Equal(OtlpDecodeErrorKind.Truncated, error.Kind);
    }

    [Fact]
    public void Output_keeps_what_it_held_and_gains_nothing_on_failure()
    {
        var keep = new Span { OperationName = "kept" };
        var output = new List<Span> { keep };
        var good = Realistic(3).ToByteArray();

        Assert.False(OtlpProtobufReader.TryRead(good.AsSpan(0, good.Length - 1), output, out _));
        Assert.Same(keep, Assert.Single(output));
        Assert.True(OtlpProtobufReader.TryRead(good, output, out _));
        Assert.Equal(4, output.Count);
    }

    [Fact]
    public void Repeated_short_strings_decode_to_one_instance_and_long_ones_do_not()
    {
        var spans = OtlpWire.DecodeWithReader(Realistic(2).ToByteArray());
        var nextRequest = OtlpWire.DecodeWithReader(Realistic(2).ToByteArray());
        var longText = System.Text.Encoding.UTF8.GetBytes(new string('x', Utf8StringCache.MaxCachedLength + 1));

        Assert.Same(spans[0].Tags[0].Key, spans[1].Tags[0].Key);
        Assert.Same(spans[0].OperationName, spans[1].OperationName);
        Assert.Equal(KeyValue.String("url.scheme", "https"), spans[0].Tags[2]);
        Assert.Same(spans[0].Tags[2].StringValue, spans[1].Tags[2].StringValue);
        Assert.Same(spans[0].Process.ServiceName, nextRequest[0].Process.ServiceName);
        Assert.NotSame(Utf8StringCache.Current.Get(longText), Utf8StringCache.Current.Get(longText));
    }

    internal static ExportTraceServiceRequest Wrap(Trace.Span bad, int good)
    {
        var scope = new Trace.ScopeSpans();
        for (var i = 0; i < good; i++)
        {
            scope.Spans.Add(new Trace.Span { TraceId = Id(16, i + 10), SpanId = Id(8, i + 10), Name = "fine" });
        }

        scope.Spans.Add(bad);
        return new ExportTraceServiceRequest { ResourceSpans = { new Trace.ResourceSpans { ScopeSpans = { scope } } } };
    }

    /// <summary>Named requests that together use every field and every mapping rule.</summary>
    internal static Dictionary<string, ExportTraceServiceRequest> Corpus() => new()
    {
        ["empty"] = new ExportTraceServiceRequest(),
        ["empty resource spans"] = new ExportTraceServiceRequest { ResourceSpans = { new Trace.ResourceSpans(), new Trace.ResourceSpans { ScopeSpans = { new Trace.ScopeSpans() } } } },
        ["realistic"] = Realistic(20),
        ["rich"] = Rich(),
        ["kinds and statuses"] = KindsAndStatuses(),
        ["deep values"] = DeepValues(),
        ["odd strings"] = OddStrings(),
    };

    internal static ExportTraceServiceRequest Rich()
    {
        var list = new Common.AnyValue
        {
            ArrayValue = new Common.ArrayValue
            {
                Values =
                {
                    new Common.AnyValue { IntValue = 1 },
                    new Common.AnyValue { StringValue = "a" },
                    new Common.AnyValue { BoolValue = true },
                    new Common.AnyValue { DoubleValue = 2.5 },
                    new Common.AnyValue { BytesValue = ByteString.CopyFrom(1, 2) },
                    new Common.AnyValue { ArrayValue = new Common.ArrayValue { Values = { new Common.AnyValue(), new Common.AnyValue { KvlistValue = new Common.KeyValueList() } } } },
                    new Common.AnyValue
                    {
                        KvlistValue = new Common.KeyValueList
                        {
                            Values = { Str("k", "v"), new Common.KeyValue { Key = "none" }, new Common.KeyValue { Key = "empty", Value = new Common.AnyValue() } },
                        },
                    },
                },
            },
        };
        var span = new Trace.Span
        {
            TraceId = Id(16, 1),
            SpanId = Id(8, 1),
            ParentSpanId = ByteString.CopyFrom(1, 2, 3, 4, 5, 6, 7, 8),
            TraceState = "a=b",
            Flags = 0x301,
            Name = "rich-op",
            Kind = Trace.Span.Types.SpanKind.Server,
            StartTimeUnixNano = 1_700_000_000_123_456_789,
            EndTimeUnixNano = 1_700_000_001_000_000_001,
            Attributes = { Str("s", "text"), Int("i", -42), Dbl("d", double.NegativeInfinity), Bool("b", false), new Common.KeyValue { Key = "list", Value = list }, new Common.KeyValue { Key = "no value" } },
            DroppedAttributesCount = 1,
            Events =
            {
                new Trace.Span.Types.Event { Name = "cache miss", TimeUnixNano = 1_700_000_000_500_000_999, Attributes = { Int("n", 1) }, DroppedAttributesCount = 4 },
                new Trace.Span.Types.Event { TimeUnixNano = 5, Attributes = { Str("message", "unnamed") } },
                new Trace.Span.Types.Event(),
            },
            DroppedEventsCount = 2,
            Links =
            {
                new Trace.Span.Types.Link { TraceId = Id(16, 9), SpanId = Id(8, 9), TraceState = "x=y", Attributes = { Str("why", "batch") }, DroppedAttributesCount = 1, Flags = 1 },
                new Trace.Span.Types.Link { TraceId = Id(16, 1), SpanId = Id(8, 2) },
            },
            DroppedLinksCount = uint.MaxValue,
            Status = new Trace.Status { Code = Trace.Status.Types.StatusCode.Error, Message = "boom" },
        };
        return new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new Trace.ResourceSpans
                {
                    Resource = new Resource.Resource
                    {
                        Attributes = { Str("service.name", "rich-svc"), new Common.KeyValue { Key = "raw", Value = new Common.AnyValue { BytesValue = ByteString.CopyFrom(1, 2, 3) } }, new Common.KeyValue { Key = "list", Value = list } },
                        DroppedAttributesCount = 3,
                    },
                    SchemaUrl = "https://opentelemetry.io/schemas/1.21.0",
                    ScopeSpans =
                    {
                        new Trace.ScopeSpans
                        {
                            Scope = new Common.InstrumentationScope { Name = "lib", Version = "1.0", Attributes = { Str("scope.attr", "x") }, DroppedAttributesCount = 1 },
                            SchemaUrl = "https://opentelemetry.io/schemas/1.21.0",
                            Spans =
                            {
                                span,
                                new Trace.Span { TraceId = Id(16, 2), SpanId = Id(8, 3), ParentSpanId = ByteString.CopyFrom(new byte[8]), Name = "backwards", StartTimeUnixNano = 2000, EndTimeUnixNano = 1000 },
                            },
                        },
                        new Trace.ScopeSpans { Spans = { new Trace.Span { TraceId = Id(16, 3), SpanId = Id(8, 4), Name = "no scope" } } },
                        new Trace.ScopeSpans { Scope = new Common.InstrumentationScope { Version = "only-version" }, Spans = { new Trace.Span { TraceId = Id(16, 3), SpanId = Id(8, 5) } } },
                    },
                },
                new Trace.ResourceSpans
                {
                    Resource = new Resource.Resource { Attributes = { Int("service.name", 7), Str("host", "h") } },
                    ScopeSpans = { new Trace.ScopeSpans { Spans = { new Trace.Span { TraceId = Id(16, 4), SpanId = Id(8, 6), Name = "no service name" } } } },
                },
            },
        };
    }

    private static ExportTraceServiceRequest KindsAndStatuses()
    {
        var scope = new Trace.ScopeSpans { Scope = new Common.InstrumentationScope { Name = "kinds" } };
        for (var kind = 0; kind <= 7; kind++)
        {
            for (var code = 0; code <= 3; code++)
            {
                scope.Spans.Add(new Trace.Span
                {
                    TraceId = Id(16, kind),
                    SpanId = Id(8, (kind * 8) + code),
                    Name = $"k{kind}c{code}",
                    Kind = (Trace.Span.Types.SpanKind)kind,
                    Status = code == 3 ? null : new Trace.Status { Code = (Trace.Status.Types.StatusCode)(code == 0 ? 0 : code), Message = code == 1 ? "fine" : string.Empty },
                });
            }
        }

        return new ExportTraceServiceRequest { ResourceSpans = { new Trace.ResourceSpans { Resource = new Resource.Resource { Attributes = { Str("service.name", "kinds") } }, ScopeSpans = { scope } } } };
    }

    private static ExportTraceServiceRequest DeepValues()
    {
        // Nested past the JSON depth of 32 (within the generated parser's recursion limit of 100): the deepest
        // members render as null on both paths.
        var value = new Common.AnyValue { StringValue = "bottom" };
        for (var depth = 0; depth < 36; depth++)
        {
            value = depth % 6 != 0
                ? new Common.AnyValue { ArrayValue = new Common.ArrayValue { Values = { value, new Common.AnyValue { IntValue = depth } } } }
                : new Common.AnyValue { KvlistValue = new Common.KeyValueList { Values = { new Common.KeyValue { Key = "d" + depth, Value = value } } } };
        }

        var span = new Trace.Span { TraceId = Id(16, 1), SpanId = Id(8, 1), Attributes = { new Common.KeyValue { Key = "deep", Value = value } } };
        return new ExportTraceServiceRequest { ResourceSpans = { new Trace.ResourceSpans { ScopeSpans = { new Trace.ScopeSpans { Spans = { span } } } } } };
    }

    private static ExportTraceServiceRequest OddStrings()
    {
        string[] odd = ["", "quote\" and \\ backslash", "tab\tnewline\n", "<html>&'", "émoji 🎉 中文", "\u0000\u001f", "\u2028"];
        var span = new Trace.Span { TraceId = Id(16, 1), SpanId = Id(8, 1), Name = odd[4] };
        foreach (var s in odd)
        {
            span.Attributes.Add(Str(s, s));
            span.Attributes.Add(new Common.KeyValue
            {
                Key = "json" + s,
                Value = new Common.AnyValue { KvlistValue = new Common.KeyValueList { Values = { Str(s, s), Dbl("nan", double.NaN), Dbl("big", 1e308), Int("min", long.MinValue) } } },
            });
        }

        return new ExportTraceServiceRequest { ResourceSpans = { new Trace.ResourceSpans { ScopeSpans = { new Trace.ScopeSpans { Spans = { span } } } } } };
    }

    private static ExportTraceServiceRequest RandomRequest(Random random, string[] strings, long[] numbers, double[] reals, byte[][] blobs)
    {
        string S() => strings[random.Next(strings.Length)];
        Common.AnyValue Value(int depth) => random.Next(depth > 3 ? 6 : 9) switch
        {
            0 => new Common.AnyValue { StringValue = S() },
            1 => new Common.AnyValue { BoolValue = random.Next(2) == 0 },
            2 => new Common.AnyValue { IntValue = numbers[random.Next(numbers.Length)] },
            3 => new Common.AnyValue { DoubleValue = reals[random.Next(reals.Length)] },
            4 => new Common.AnyValue { BytesValue = ByteString.CopyFrom(blobs[random.Next(blobs.Length)]) },
            5 => new Common.AnyValue(),
            6 => new Common.AnyValue { ArrayValue = new Common.ArrayValue { Values = { Enumerable.Range(0, random.Next(4)).Select(_ => Value(depth + 1)) } } },
            _ => new Common.AnyValue { KvlistValue = new Common.KeyValueList { Values = { Enumerable.Range(0, random.Next(4)).Select(_ => Attribute(depth + 1)) } } },
        };
        Common.KeyValue Attribute(int depth) => random.Next(10) == 0 ? new Common.KeyValue { Key = S() } : new Common.KeyValue { Key = S(), Value = Value(depth) };
        IEnumerable<Common.KeyValue> Attributes() => Enumerable.Range(0, random.Next(5)).Select(_ => Attribute(0));
        ByteString Bytes(int length) => random.Next(40) == 0
            ? ByteString.CopyFrom(new byte[random.Next(2) == 0 ? length : random.Next(20)])
            : Id(length, random.Next());
        ulong Nanos() => (ulong)random.NextInt64() * (ulong)random.Next(1, 3);

        var request = new ExportTraceServiceRequest();
        for (var r = random.Next(3); r > 0; r--)
        {
            var resourceSpans = new Trace.ResourceSpans { Resource = random.Next(4) == 0 ? null : new Resource.Resource { Attributes = { Attributes() } } };
            for (var s = random.Next(3); s > 0; s--)
            {
                var scopeSpans = new Trace.ScopeSpans { Scope = random.Next(3) == 0 ? null : new Common.InstrumentationScope { Name = S(), Version = S() } };
                for (var i = random.Next(4); i > 0; i--)
                {
                    scopeSpans.Spans.Add(new Trace.Span
                    {
                        TraceId = Bytes(16),
                        SpanId = Bytes(8),
                        ParentSpanId = random.Next(3) == 0 ? ByteString.Empty : Bytes(8),
                        TraceState = random.Next(3) == 0 ? S() : string.Empty,
                        Name = S(),
                        Kind = (Trace.Span.Types.SpanKind)random.Next(7),
                        StartTimeUnixNano = Nanos(),
                        EndTimeUnixNano = Nanos(),
                        Attributes = { Attributes() },
                        DroppedAttributesCount = (uint)random.Next(3),
                        Events = { Enumerable.Range(0, random.Next(3)).Select(_ => new Trace.Span.Types.Event { Name = S(), TimeUnixNano = Nanos(), Attributes = { Attributes() } }) },
                        DroppedEventsCount = (uint)random.Next(2),
                        Links = { Enumerable.Range(0, random.Next(3)).Select(_ => new Trace.Span.Types.Link { TraceId = Bytes(16), SpanId = Bytes(8), TraceState = S() }) },
                        DroppedLinksCount = (uint)random.Next(2),
                        Status = random.Next(3) == 0 ? null : new Trace.Status { Code = (Trace.Status.Types.StatusCode)random.Next(4), Message = S() },
                    });
                }

                resourceSpans.ScopeSpans.Add(scopeSpans);
            }

            request.ResourceSpans.Add(resourceSpans);
        }

        return request;
    }
}
