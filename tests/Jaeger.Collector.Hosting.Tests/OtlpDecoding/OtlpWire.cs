using Google.Protobuf;
using Google.Protobuf.Reflection;
using Jaeger.Collector.Receivers;
using Jaeger.Hosting.Otlp;
using Jaeger.Model;
using Jaeger.Protos.Otlp.Collector.Trace.V1;
using Jaeger.Testing;

namespace Jaeger.Collector.Hosting.Tests.OtlpDecoding;

/// <summary>Test helpers: decode both ways, compare the results deeply, and rewrite protobuf bytes.</summary>
internal static class OtlpWire
{
    /// <summary>The path the reader replaces: Google.Protobuf's generated parser, then <see cref="OtlpConverter"/>.</summary>
    public static bool DecodeGenerated(ReadOnlySpan<byte> bytes, out List<Span> spans, out string error, out bool parsed)
    {
        spans = [];
        parsed = false;
        ExportTraceServiceRequest request;
        try
        {
            request = ExportTraceServiceRequest.Parser.ParseFrom(bytes);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or IndexOutOfRangeException)
        {
            // Google.Protobuf 3.35 throws IndexOutOfRangeException, not its own exception, for a length prefix near
            // 2^31 over a span; the receivers' old catch let that escape as a 500.
            error = ex.Message;
            return false;
        }

        parsed = true;
        return OtlpConverter.TryConvert(request, spans, out error);
    }

    public static List<Span> DecodeWithReader(ReadOnlySpan<byte> bytes)
    {
        var spans = new List<Span>();
        Assert.True(OtlpProtobufReader.TryRead(bytes, spans, out var error), error.ToString());
        return spans;
    }

    public static List<Span> DecodeGeneratedOrFail(ReadOnlySpan<byte> bytes)
    {
        Assert.True(DecodeGenerated(bytes, out var spans, out var error, out _), error);
        return spans;
    }

    /// <summary>Every field of every span equal, and the same spans sharing one process instance.</summary>
    public static void AssertSameSpans(IReadOnlyList<Span> expected, IReadOnlyList<Span> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = actual[i];
            SpanAssert.Equivalent(e, a);
            Assert.Equal(e.Process.ServiceName, a.Process.ServiceName);
            Assert.Equal(e.Process.Tags.ToArray(), a.Process.Tags.ToArray());
            for (var j = 0; j < i; j++)
            {
                Assert.Equal(ReferenceEquals(expected[j].Process, e.Process), ReferenceEquals(actual[j].Process, a.Process));
            }
        }
    }

    /// <summary>A length-delimited field holding <paramref name="payload"/>.</summary>
    public static byte[] Field(int number, params byte[][] payload)
    {
        var body = payload.SelectMany(p => p).ToArray();
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(body));
        output.Flush();
        return stream.ToArray();
    }

    /// <summary>
    /// Rewrites a message so that every message in it, at every depth, starts and ends with fields the schema does
    /// not have (one of each wire type, groups nested) and with its own field numbers under the wrong wire type.
    /// </summary>
    public static byte[] WithUnknownFields(ReadOnlySpan<byte> message, MessageDescriptor descriptor)
    {
        var input = new CodedInputStream(message.ToArray());
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        WriteUnknowns(output, descriptor);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = descriptor.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
            output.WriteTag(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.Varint:
                    output.WriteUInt64(input.ReadUInt64());
                    break;
                case WireFormat.WireType.Fixed64:
                    output.WriteFixed64(input.ReadFixed64());
                    break;
                case WireFormat.WireType.Fixed32:
                    output.WriteFixed32(input.ReadFixed32());
                    break;
                default:
                    var payload = input.ReadBytes();
                    output.WriteBytes(field?.FieldType == FieldType.Message
                        ? ByteString.CopyFrom(WithUnknownFields(payload.Span, field.MessageType))
                        : payload);
                    break;
            }
        }

        WriteUnknowns(output, descriptor);
        output.Flush();
        return stream.ToArray();
    }

    private static void WriteUnknowns(CodedOutputStream output, MessageDescriptor descriptor)
    {
        output.WriteTag(900, WireFormat.WireType.Varint);
        output.WriteUInt64(ulong.MaxValue);
        output.WriteTag(901, WireFormat.WireType.Fixed64);
        output.WriteFixed64(0x0102030405060708);
        output.WriteTag(902, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(0x0A, 0x02, 0x08, 0x01, 0xFF));
        output.WriteTag(903, WireFormat.WireType.StartGroup);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteUInt32(7);
        output.WriteTag(2, WireFormat.WireType.StartGroup);
        output.WriteTag(1, WireFormat.WireType.Fixed32);
        output.WriteFixed32(9);
        output.WriteTag(2, WireFormat.WireType.EndGroup);
        output.WriteTag(903, WireFormat.WireType.EndGroup);
        output.WriteTag(904, WireFormat.WireType.Fixed32);
        output.WriteFixed32(0xDEADBEEF);
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            switch (field.FieldType)
            {
                case FieldType.Fixed64:
                case FieldType.Double:
                case FieldType.Fixed32:
                case FieldType.String:
                case FieldType.Bytes:
                case FieldType.Message:
                    output.WriteTag(field.FieldNumber, WireFormat.WireType.Varint);
                    output.WriteUInt32(3);
                    break;
                default:
                    output.WriteTag(field.FieldNumber, WireFormat.WireType.Fixed64);
                    output.WriteFixed64(3);
                    break;
            }
        }
    }
}
