using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Jaeger.Client;
using Jaeger.Client.Senders;
using Jaeger.Hosting.Protos;
using Jaeger.Model;
using Microsoft.Extensions.Configuration;
using Proto = Jaeger.Protos.ApiV2;

namespace Jaeger.EndToEnd.Tests;

/// <summary>Our client's gRPC sender (JAEGER_GRPC_TARGET): its hand-written api_v2 encoder against Google.Protobuf, and against our collector's gRPC receiver.</summary>
public sealed class ClientGrpcSenderTests
{
    private static readonly TraceId Trace128 = new(0x0123456789abcdef, 0xfedcba9876543210);

    private static Span RichSpan(Process process) => new()
    {
        TraceId = Trace128,
        SpanId = new SpanId(0x8000000000000001),
        OperationName = "checkout ✓",
        References =
        [
            new SpanRef(Trace128, new SpanId(42), SpanRefType.ChildOf),
            new SpanRef(new TraceId(7), new SpanId(ulong.MaxValue), SpanRefType.FollowsFrom),
        ],
        Flags = SpanFlags.Sampled | SpanFlags.Debug,
        StartTimeMicros = 1_700_000_000_123_456,
        DurationMicros = 3_000_789,
        Tags =
        [
            KeyValue.String("span.kind", "server"),
            KeyValue.String("empty", string.Empty),
            KeyValue.Bool("retried", true),
            KeyValue.Bool("cached", false),
            KeyValue.Int64("amount", -42),
            KeyValue.Int64("zero", 0),
            KeyValue.Float64("ratio", 0.25),
            KeyValue.Binary("blob", [0, 1, 0xfe, 0xff]),
        ],
        Logs =
        [
            new Log(1_700_000_000_200_000, [KeyValue.String("event", "charged"), KeyValue.Float64("ms", 1.5)]),
            new Log(-1_500_001, [KeyValue.Int64("before-epoch", 1)]),
        ],
        Warnings = ["clock skew"],
        Process = process,
    };

    [Fact]
    public void Encoded_PostSpansRequest_parses_with_Google_Protobuf_with_every_field_equal_and_matches_its_encoding()
    {
        var process = new Process("grpc-app", [KeyValue.String("hostname", "h1"), KeyValue.Int64("pid", 1234), KeyValue.Bool("container", true)]);
        Span minimal = new() { TraceId = new TraceId(5), SpanId = new SpanId(6), Process = process };
        List<Span> spans = [RichSpan(process), minimal];
        var buffer = new ArrayBufferWriter<byte>();

        ApiV2ProtobufWriter.WriteGrpcMessage(buffer, process, spans);

        var bytes = buffer.WrittenSpan;
        Assert.Equal(0, bytes[0]);
        Assert.Equal(bytes.Length - 5, BinaryPrimitives.ReadInt32BigEndian(bytes[1..]));
        // The splitter's estimate (overhead + span sizes) never undercounts, and overcounts only the batch length prefix.
        var estimate = ApiV2ProtobufWriter.GetRequestOverhead(process) + spans.Sum(ApiV2ProtobufWriter.GetSpanSize);
        Assert.InRange(bytes.Length, estimate - 4, estimate);
        var request = Proto.PostSpansRequest.Parser.ParseFrom(bytes[5..]);

        var batch = request.Batch;
        Assert.Equal("grpc-app", batch.Process.ServiceName);
        AssertKeyValues(process.Tags, batch.Process.Tags);
        Assert.Equal(2, batch.Spans.Count);
        var rich = batch.Spans[0];
        var expected = spans[0];
        Assert.Equal("0123456789abcdeffedcba9876543210", Convert.ToHexStringLower(rich.TraceId.Span));
        Assert.Equal("8000000000000001", Convert.ToHexStringLower(rich.SpanId.Span));
        Assert.Equal("checkout ✓", rich.OperationName);
        Assert.Equal(2, rich.References.Count);
        Assert.Equal(Convert.ToHexStringLower(rich.TraceId.Span), Convert.ToHexStringLower(rich.References[0].TraceId.Span));
        Assert.Equal("000000000000002a", Convert.ToHexStringLower(rich.References[0].SpanId.Span));
        Assert.Equal(Proto.SpanRefType.ChildOf, rich.References[0].RefType);
        Assert.Equal("00000000000000000000000000000007", Convert.ToHexStringLower(rich.References[1].TraceId.Span));
        Assert.Equal("ffffffffffffffff", Convert.ToHexStringLower(rich.References[1].SpanId.Span));
        Assert.Equal(Proto.SpanRefType.FollowsFrom, rich.References[1].RefType);
        Assert.Equal(3u, rich.Flags);
        Assert.Equal(1_700_000_000, rich.StartTime.Seconds);
        Assert.Equal(123_456_000, rich.StartTime.Nanos);
        Assert.Equal(3, rich.Duration.Seconds);
        Assert.Equal(789_000, rich.Duration.Nanos);
        AssertKeyValues(expected.Tags, rich.Tags);
        Assert.Equal(2, rich.Logs.Count);
        Assert.Equal(1_700_000_000, rich.Logs[0].Timestamp.Seconds);
        Assert.Equal(200_000_000, rich.Logs[0].Timestamp.Nanos);
        AssertKeyValues(expected.Logs[0].Fields, rich.Logs[0].Fields);
        Assert.Equal(-2, rich.Logs[1].Timestamp.Seconds); // -1.500001 s: seconds round down, nanos stay positive
        Assert.Equal(499_999_000, rich.Logs[1].Timestamp.Nanos);
        AssertKeyValues(expected.Logs[1].Fields, rich.Logs[1].Fields);
        Assert.Equal(["clock skew"], rich.Warnings);
        Assert.Null(rich.Process);
        Assert.Equal(string.Empty, rich.ProcessId);

        var bare = batch.Spans[1];
        Assert.Equal("00000000000000000000000000000005", Convert.ToHexStringLower(bare.TraceId.Span));
        Assert.Equal("0000000000000006", Convert.ToHexStringLower(bare.SpanId.Span));
        Assert.Equal(string.Empty, bare.OperationName);
        Assert.Empty(bare.References);
        Assert.Empty(bare.Tags);
        Assert.Empty(bare.Logs);
        Assert.Equal(0, bare.StartTime.Seconds);
        Assert.Equal(0, bare.Duration.Seconds);

        // Google.Protobuf writes fields in number order, as we do: the whole request is byte for byte its encoding.
        var reference = new Proto.PostSpansRequest { Batch = ApiV2Mapper.ToProto(new Batch(process, spans)) }.ToByteArray();
        Assert.Equal(Convert.ToHexString(reference), Convert.ToHexString(bytes[5..]));
    }

    [Fact]
    public void Encoding_into_a_reused_buffer_allocates_nothing()
    {
        var process = new Process("grpc-app", [KeyValue.String("hostname", "h1")]);
        List<Span> spans = [.. Enumerable.Range(0, 20).Select(_ => RichSpan(process))];
        var buffer = new ArrayBufferWriter<byte>();
        long allocated = -1;
        for (var round = 0; round < 5 && allocated != 0; round++) // the runtime may allocate once while tiering up
        {
            buffer.ResetWrittenCount();
            var before = GC.GetAllocatedBytesForCurrentThread();
            ApiV2ProtobufWriter.WriteGrpcMessage(buffer, process, spans);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, allocated);
        Assert.Equal(20, Proto.PostSpansRequest.Parser.ParseFrom(buffer.WrittenSpan[5..]).Batch.Spans.Count);
    }

    private static void AssertKeyValues(IReadOnlyList<KeyValue> expected, IReadOnlyList<Proto.KeyValue> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = actual[i];
            Assert.Equal(e.Key, a.Key);
            Assert.Equal((int)e.Type, (int)a.VType);
            Assert.Equal(e.StringValue, a.VStr);
            Assert.Equal(e.BoolValue, a.VBool);
            Assert.Equal(e.Int64Value, a.VInt64);
            Assert.Equal(e.Float64Value, a.VFloat64);
            Assert.Equal(Convert.ToHexString(e.BinaryValue.Span), Convert.ToHexString(a.VBinary.Span));
        }
    }

    [Fact]
    public async Task Spans_sent_by_a_tracer_configured_with_JAEGER_GRPC_TARGET_are_stored_by_the_collector_with_their_content()
    {
        await using var roundTrip = await ClientSenderRoundTrip.StartAsync(o =>
        {
            o.Grpc.Enabled = true;
            o.Grpc.Address = "127.0.0.1:0";
        });
        var grpc = roundTrip.Collector.GrpcEndpoint!;
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JAEGER_SERVICE_NAME"] = "grpc-sender-app",
            ["JAEGER_GRPC_TARGET"] = $"{grpc.Host}:{grpc.Port}",
            ["JAEGER_SAMPLER_TYPE"] = "const",
            ["JAEGER_SAMPLER_PARAM"] = "1",
            ["JAEGER_TRACEID_128BIT"] = "true",
            ["JAEGER_TAGS"] = "region=eu-1",
        }).Build();

        var ids = await ClientSenderRoundTrip.SendCheckoutTraceAsync(JaegerTracerFactory.Create(JaegerTracerFactory.OptionsFrom(settings)));

        var stored = await roundTrip.AssertCheckoutTraceStoredAsync(ids, "grpc-sender-app");
        Assert.Contains(stored.Process.Tags, t => t.Key == "region" && t.StringValue == "eu-1");
    }
}
