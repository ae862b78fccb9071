using System.Buffers;
using Jaeger.Model;
using Jaeger.Testing;
using Jaeger.Thrift;

namespace Jaeger.Agent.Hosting.Tests;

internal static class Batches
{
    /// <summary>A batch with every tag type, logs, both reference kinds and 128-bit ids.</summary>
    public static Batch Rich(string service = "compact-svc", long? seqNo = null, ClientStats? stats = null)
    {
        var process = new Process(service, [KeyValue.String("hostname", "h1"), KeyValue.String("client-uuid", "uuid-" + service), KeyValue.Int64("pid", 42)]);
        var traceId = new TraceId(0x0123456789abcdefUL, 0xfedcba9876543210UL);
        var root = new Span
        {
            TraceId = traceId,
            SpanId = new SpanId(1),
            OperationName = "GET /cart",
            Flags = SpanFlags.Sampled,
            StartTimeMicros = 1_700_000_000_000_001,
            DurationMicros = 12_345,
            Tags =
            [
                KeyValue.String("span.kind", "server"),
                KeyValue.Bool("error", true),
                KeyValue.Int64("http.status_code", 500),
                KeyValue.Float64("ratio", 0.25),
                KeyValue.Binary("payload", [0, 1, 0xff]),
            ],
            Logs = [new Log(1_700_000_000_000_100, [KeyValue.String("event", "miss"), KeyValue.Int64("size", 17)])],
            Process = process,
        };
        var child = new Span
        {
            TraceId = traceId,
            SpanId = new SpanId(ulong.MaxValue),
            OperationName = "db.query",
            References = [new SpanRef(traceId, new SpanId(1), SpanRefType.ChildOf), new SpanRef(new TraceId(7), new SpanId(8), SpanRefType.FollowsFrom)],
            Flags = SpanFlags.Sampled | SpanFlags.Debug,
            StartTimeMicros = 1_700_000_000_000_050,
            DurationMicros = 99,
            Process = process,
        };
        return new Batch(process, [root, child]) { SeqNo = seqNo, Stats = stats };
    }

    public static byte[] EmitBatch(Batch batch, ThriftProtocol protocol)
    {
        var output = new ArrayBufferWriter<byte>();
        JaegerThriftSerializer.WriteEmitBatch(output, batch, protocol);
        return output.WrittenSpan.ToArray();
    }

    public static void AssertSameSpans(IList<Span> expected, IList<Span> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            AssertSameSpan(expected[i], actual[i]);
        }
    }

    public static void AssertSameSpan(Span expected, Span actual) => SpanAssert.Equivalent(expected, actual);
}
