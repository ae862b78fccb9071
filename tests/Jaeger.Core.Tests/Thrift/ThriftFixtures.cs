using System.Buffers;
using System.Collections.Immutable;
using Jaeger.Model;
using Jaeger.Testing;
using Jaeger.Thrift;

namespace Jaeger.Core.Tests.Thrift;

/// <summary>Batches used across the codec tests.</summary>
internal static class ThriftFixtures
{
    public static readonly ThriftProtocol[] Protocols = [ThriftProtocol.Binary, ThriftProtocol.Compact];

    /// <summary>A batch with every feature: all tag types, logs, both reference kinds, 128-bit ids, unicode, seqNo and stats.</summary>
    public static Batch Rich()
    {
        var process = new Process("frontend-ünïcødé-服务", [
            KeyValue.String("hostname", "host-1"),
            KeyValue.String("ip", "10.0.0.1"),
            KeyValue.String("jaeger.version", "Go-2.30.0"),
            KeyValue.Int64("pid", 4242),
        ]);
        var traceId = new TraceId(0x0123456789abcdefUL, 0xfedcba9876543210UL);
        var root = new Span
        {
            TraceId = traceId,
            SpanId = new SpanId(1),
            OperationName = "HTTP GET /",
            Flags = SpanFlags.Sampled | SpanFlags.Debug,
            StartTimeMicros = 1_700_000_000_000_001,
            DurationMicros = 123_456,
            Tags =
            [
                KeyValue.String("span.kind", "server"),
                KeyValue.String("emoji", "😀 — \u0000 tab\t"),
                KeyValue.Bool("error", true),
                KeyValue.Bool("cached", false),
                KeyValue.Int64("http.status_code", 200),
                KeyValue.Int64("negative", long.MinValue),
                KeyValue.Float64("ratio", 0.25),
                KeyValue.Float64("nan", double.NaN),
                KeyValue.Binary("payload", [0, 1, 2, 0xff]),
                KeyValue.Binary("empty-bytes", []),
                KeyValue.String("", ""),
            ],
            Logs =
            [
                new Log(1_700_000_000_000_100, [KeyValue.String("event", "cache miss"), KeyValue.Int64("size", 17)]),
                new Log(1_700_000_000_000_200, []),
            ],
        };
        var child = new Span
        {
            TraceId = traceId,
            SpanId = new SpanId(ulong.MaxValue),
            OperationName = new string('x', 300),
            References =
            [
                new SpanRef(traceId, new SpanId(1), SpanRefType.ChildOf),
                new SpanRef(new TraceId(7), new SpanId(8), SpanRefType.FollowsFrom),
            ],
            Flags = SpanFlags.Sampled | SpanFlags.Firehose,
            StartTimeMicros = -5,
            DurationMicros = 0,
        };
        var followsOnly = new Span
        {
            TraceId = new TraceId(42),
            SpanId = new SpanId(43),
            OperationName = string.Empty,
            References = [new SpanRef(new TraceId(42), new SpanId(41), SpanRefType.FollowsFrom)],
        };
        return new Batch(process, [root, child, followsOnly])
        {
            SeqNo = 9_000_000_000,
            Stats = new ClientStats(1, 200, 3_000_000),
        };
    }

    public static Batch Hundred(int spanCount = 100) => SampleBatches.Hundred(spanCount);

    public static byte[] Encode(Batch batch, ThriftProtocol protocol, bool emitBatch, int sequenceId = 0)
    {
        var buffer = new ArrayBufferWriter<byte>();
        if (emitBatch)
        {
            JaegerThriftSerializer.WriteEmitBatch(buffer, batch, protocol, sequenceId);
        }
        else
        {
            JaegerThriftSerializer.WriteBatch(buffer, batch, protocol);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static bool TryDecode(ReadOnlySpan<byte> input, ThriftProtocol protocol, bool emitBatch, out Batch? batch, out ThriftDecodeError error, ThriftReaderLimits? limits = null) =>
        emitBatch
            ? JaegerThriftSerializer.TryReadEmitBatch(input, protocol, out batch, out error, limits)
            : JaegerThriftSerializer.TryReadBatch(input, protocol, out batch, out error, limits);

    /// <summary>Asserts two batches hold the same data, span by span and field by field.</summary>
    public static void AssertEquivalent(Batch expected, Batch actual)
    {
        Assert.Equal(expected.Process.ServiceName, actual.Process.ServiceName);
        Assert.Equal(expected.Process.Tags.ToArray(), actual.Process.Tags.ToArray(), KeyValueComparer.Instance);
        Assert.Equal(expected.SeqNo, actual.SeqNo);
        Assert.Equal(expected.Stats, actual.Stats);
        Assert.Equal(expected.Spans.Count, actual.Spans.Count);
        for (var i = 0; i < expected.Spans.Count; i++)
        {
            var a = actual.Spans[i];
            SpanAssert.Equivalent(expected.Spans[i], a);
            Assert.Same(actual.Process, a.Process);
        }
    }

    /// <summary>KeyValue equality where NaN equals NaN (the model compares double bits, this states it explicitly).</summary>
    private sealed class KeyValueComparer : IEqualityComparer<KeyValue>
    {
        public static readonly KeyValueComparer Instance = new();

        public bool Equals(KeyValue x, KeyValue y) => x.Equals(y);

        public int GetHashCode(KeyValue obj) => obj.GetHashCode();
    }

    public static ImmutableArray<KeyValue> Tags(params KeyValue[] tags) => [.. tags];
}
