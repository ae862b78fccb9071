using Google.Protobuf;
using Jaeger.Collector.Receivers;
using Jaeger.Model;
using Jaeger.Thrift;
using Jaeger.Protos.Otlp.Collector.Trace.V1;

namespace Jaeger.Collector.Hosting.Tests.OtlpDecoding;

/// <summary>
/// The reader against hostile bytes: every outcome is spans or a typed error, never an exception, a hang (each sweep
/// runs under a deadline) or an allocation out of proportion to the input; and wherever the generated parser also
/// accepts the bytes, both give the same spans.
/// </summary>
public sealed class OtlpHostileInputTests
{
    private static readonly TimeSpan SweepDeadline = TimeSpan.FromMinutes(2);

    /// <summary>Valid inputs to mutate: every rule of the mapping, and the same with unknown fields everywhere.</summary>
    private static byte[][] Seeds()
    {
        var rich = OtlpProtobufReaderTests.Rich().ToByteArray();
        return [rich, OtlpWire.WithUnknownFields(rich, ExportTraceServiceRequest.Descriptor)];
    }

    [Fact]
    public async Task Every_truncation_fails_with_a_typed_error_exactly_when_the_generated_parser_fails()
    {
        var failures = 0;
        await RunWithDeadline(() =>
        {
            foreach (var seed in Seeds())
            {
                Assert.True(DecodeGuarded(seed, out _, out _));
                for (var length = 0; length < seed.Length; length++)
                {
                    var prefix = seed.AsSpan(0, length);
                    var ok = DecodeGuarded(prefix, out var spans, out var error);
                    var generatedOk = OtlpWire.DecodeGenerated(prefix, out var expected, out _, out _);
                    Assert.Equal(generatedOk, ok);
                    if (ok)
                    {
                        OtlpWire.AssertSameSpans(expected, spans);
                    }
                    else
                    {
                        failures++;
                        Assert.NotEqual(OtlpDecodeErrorKind.None, error.Kind);
                    }
                }
            }
        });

        Assert.True(failures > 1000, $"{failures} failures");
    }

    [Fact]
    public async Task Every_single_byte_mutation_decodes_or_fails_with_a_typed_error()
    {
        int decoded = 0, rejected = 0;
        await RunWithDeadline(() =>
        {
            foreach (var seed in Seeds())
            {
                var mutated = seed.ToArray();
                for (var i = 0; i < seed.Length; i++)
                {
                    foreach (var candidate in new byte[] { (byte)(seed[i] ^ 0x01), (byte)(seed[i] ^ 0x80), 0x00 })
                    {
                        mutated[i] = candidate;
                        _ = CrossCheck(mutated) ? decoded++ : rejected++;
                    }

                    mutated[i] = seed[i];
                }
            }
        });

        // Flips inside strings and numbers still decode; flips of headers and lengths are mostly rejected.
        Assert.True(decoded > 0);
        Assert.True(rejected > 0);
    }

    [Fact]
    public async Task Random_multi_byte_mutations_decode_or_fail_with_a_typed_error()
    {
        var random = new Random(20261124);
        var rejected = 0;
        await RunWithDeadline(() =>
        {
            foreach (var seed in Seeds())
            {
                for (var n = 0; n < 3000; n++)
                {
                    var mutated = seed.ToArray();
                    for (var c = random.Next(1, 9); c > 0; c--)
                    {
                        mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                    }

                    var input = random.Next(4) == 0 ? mutated.AsSpan(0, random.Next(mutated.Length)).ToArray() : mutated;
                    if (!CrossCheck(input))
                    {
                        rejected++;
                    }
                }
            }
        });

        Assert.True(rejected > 0);
    }

    public static TheoryData<string, byte[], string> MalformedBodies => new()
    {
        // resource_spans with a length of 2^31-1 in six bytes: rejected before anything is allocated.
        { "huge length", [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07], nameof(OtlpDecodeErrorKind.Truncated) },
        { "negative length", [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], nameof(OtlpDecodeErrorKind.InvalidLength) },
        { "length past the enclosing message", [0x0A, 0x02, 0x12, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00], nameof(OtlpDecodeErrorKind.Truncated) },
        { "eleven-byte varint", [0x08, .. Enumerable.Repeat((byte)0xFF, 10), 0x01], nameof(OtlpDecodeErrorKind.InvalidData) },
        { "field number 0", [0x02, 0x00], nameof(OtlpDecodeErrorKind.InvalidTag) },
        { "wire type 6", [0x0E], nameof(OtlpDecodeErrorKind.InvalidWireType) },
        { "wire type 7", [0x0F, 0x00], nameof(OtlpDecodeErrorKind.InvalidWireType) },
        { "end-group without a start", [0x0C], nameof(OtlpDecodeErrorKind.InvalidWireType) },
        { "unclosed group", [0x0B, 0x08, 0x01], nameof(OtlpDecodeErrorKind.Truncated) },
        { "group closed by another field", [0x0B, 0x14], nameof(OtlpDecodeErrorKind.InvalidWireType) },
        { "fixed64 cut short", [0x09, 0x01, 0x02], nameof(OtlpDecodeErrorKind.Truncated) },
        { "fixed32 cut short", [0x0D, 0x01], nameof(OtlpDecodeErrorKind.Truncated) },
        { "varint cut short", [0x08, 0x80], nameof(OtlpDecodeErrorKind.Truncated) },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void Malformed_wire_data_fails_with_its_kind(string because, byte[] input, string kind)
    {
        Assert.False(DecodeGuarded(input, out _, out var error), because);
        Assert.Equal(kind, error.Kind.ToString());
        Assert.Contains("(at byte ", error.Message, StringComparison.Ordinal);
        Assert.False(OtlpWire.DecodeGenerated(input, out _, out _, out _), "the generated parser rejects it too");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Nesting_deeper_than_the_limit_fails_with_depth_exceeded_and_the_stack_survives(bool groups)
    {
        var input = groups ? NestedGroups(100_000) : NestedArrays(2_000);

        Assert.False(DecodeGuarded(input, out _, out var error));
        Assert.Equal(OtlpDecodeErrorKind.DepthExceeded, error.Kind);
    }

    [Fact]
    public void Nesting_within_the_limit_is_read_and_a_lower_limit_refuses_it()
    {
        var input = NestedArrays(40);

        Assert.True(DecodeGuarded(input, out var spans, out var error), error.ToString());
        OtlpWire.AssertSameSpans(OtlpWire.DecodeGeneratedOrFail(input), spans);
        Assert.False(OtlpProtobufReader.TryRead(input, [], out error, new ThriftReaderLimits { MaxDepth = 20 }));
        Assert.Equal(OtlpDecodeErrorKind.DepthExceeded, error.Kind);
    }

    [Fact]
    public void Limits_on_input_strings_spans_and_repeated_fields_are_enforced()
    {
        var bytes = OtlpSamples.Realistic(10).ToByteArray();

        Assert.Equal(OtlpDecodeErrorKind.LimitExceeded, Fail(new ThriftReaderLimits { MaxInputLength = bytes.Length - 1 }));
        Assert.Equal(OtlpDecodeErrorKind.LimitExceeded, Fail(new ThriftReaderLimits { MaxSpansPerBatch = 9 }));
        Assert.Equal(OtlpDecodeErrorKind.LimitExceeded, Fail(new ThriftReaderLimits { MaxStringLength = 20 }));
        Assert.Equal(OtlpDecodeErrorKind.LimitExceeded, Fail(new ThriftReaderLimits { MaxListCount = 7 }));
        Assert.True(OtlpProtobufReader.TryRead(bytes, [], out var error, new ThriftReaderLimits { MaxInputLength = bytes.Length, MaxSpansPerBatch = 10, MaxStringLength = 40, MaxListCount = 8 }), error.ToString());
        Assert.Equal(100, OtlpProtobufReader.DefaultLimits.MaxDepth);

        OtlpDecodeErrorKind Fail(ThriftReaderLimits limits)
        {
            Assert.False(OtlpProtobufReader.TryRead(bytes, [], out var e, limits));
            return e.Kind;
        }
    }

    [Fact]
    public void Invalid_utf8_in_a_string_is_refused_as_the_generated_parser_refuses_it()
    {
        var span = new Protos.Otlp.Trace.V1.Span { TraceId = OtlpSamples.Id(16, 1), SpanId = OtlpSamples.Id(8, 1), Name = "ab" };
        var bytes = OtlpProtobufReaderTests.Wrap(span, good: 0).ToByteArray();
        var name = bytes.AsSpan().IndexOf("ab"u8);
        bytes[name] = 0xFF;
        bytes[name + 1] = 0xC3;

        Assert.False(DecodeGuarded(bytes, out _, out var error));

        Assert.Equal(OtlpDecodeErrorKind.InvalidUtf8, error.Kind);
        Assert.False(OtlpWire.DecodeGenerated(bytes, out _, out _, out _));
    }

    private static byte[] NestedArrays(int depth)
    {
        // One span whose attribute value is an array holding an array holding ... (AnyValue field 5, ArrayValue field 1).
        byte[] value = [0x08, 0x01];
        for (var i = 0; i < depth; i++)
        {
            value = OtlpWire.Field(5, OtlpWire.Field(1, value));
        }

        var attribute = OtlpWire.Field(9, OtlpWire.Field(1, "k"u8.ToArray()), OtlpWire.Field(2, value));
        var span = OtlpWire.Field(2, OtlpWire.Field(1, [.. OtlpSamples.Id(16, 1)]), OtlpWire.Field(2, [.. OtlpSamples.Id(8, 1)]), attribute);
        return OtlpWire.Field(1, OtlpWire.Field(2, span));
    }

    private static byte[] NestedGroups(int depth)
    {
        // Unknown field 15 as a group in a group in a group ... never closed.
        return [.. Enumerable.Repeat((byte)0x7B, depth)];
    }

    /// <summary>Decodes with the reader (guarded) and the generated path; where both accept, the spans must agree.</summary>
    private static bool CrossCheck(byte[] input)
    {
        var ok = DecodeGuarded(input, out var spans, out var error);
        var generatedOk = OtlpWire.DecodeGenerated(input, out var expected, out var generatedError, out var parsed);
        if (ok && generatedOk)
        {
            OtlpWire.AssertSameSpans(expected, spans);
        }
        else if (!ok && parsed && error.Kind == OtlpDecodeErrorKind.InvalidSpan)
        {
            Assert.Equal(generatedError, error.Message);
        }

        return ok;
    }

    private static bool DecodeGuarded(ReadOnlySpan<byte> input, out List<Span> spans, out OtlpDecodeError error)
    {
        spans = [];
        var before = GC.GetAllocatedBytesForCurrentThread();
        bool ok;
        try
        {
            ok = OtlpProtobufReader.TryRead(input, spans, out error);
        }
        catch (Exception ex)
        {
            Assert.Fail($"the reader threw on {input.Length} bytes: {ex}");
            throw;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var bound = (64 * 1024) + (64L * input.Length);
        Assert.True(allocated <= bound, $"decoding {input.Length} bytes allocated {allocated} bytes (bound {bound})");
        if (ok)
        {
            Assert.Equal(OtlpDecodeErrorKind.None, error.Kind);
        }
        else
        {
            Assert.Empty(spans);
            Assert.NotEqual(OtlpDecodeErrorKind.None, error.Kind);
            Assert.False(string.IsNullOrEmpty(error.Message));
        }

        return ok;
    }

    private static async Task RunWithDeadline(Action sweep)
    {
        // The decode is synchronous; running it on a worker lets the test notice a hang instead of blocking forever.
        await Task.Run(sweep).WaitAsync(SweepDeadline);
    }
}
