using System.Text;
using FsCheck;
using FsCheck.Xunit;
using Jaeger.Model;
using Jaeger.Thrift;

namespace Jaeger.Core.Tests.Thrift;

/// <summary>FsCheck properties: any values survive a round trip through either protocol.</summary>
public sealed class ThriftPropertyTests
{
    [Property(MaxTest = 300)]
    public void AnySpanValues_RoundTripThroughBothProtocols(
        NonNull<string> serviceName, NonNull<string> key, NonNull<string> text, long number, double real, bool flag, NonNull<byte[]> bytes,
        ulong traceHigh, ulong traceLow, ulong spanId, ulong parentId, long start, long duration, int flags, long? seqNo)
    {
        var traceId = new TraceId(traceHigh, traceLow);
        var span = new Span
        {
            TraceId = traceId,
            SpanId = new SpanId(spanId),
            OperationName = text.Get,
            References = parentId == 0 ? [] : [new SpanRef(traceId, new SpanId(parentId), SpanRefType.ChildOf)],
            Flags = (SpanFlags)flags,
            StartTimeMicros = start,
            DurationMicros = duration,
            Tags = [KeyValue.String(key.Get, text.Get), KeyValue.Int64(key.Get, number), KeyValue.Float64(key.Get, real), KeyValue.Bool(key.Get, flag), KeyValue.Binary(key.Get, bytes.Get)],
            Logs = [new Log(start, [KeyValue.String(key.Get, serviceName.Get)])],
        };
        var batch = new Batch(new Process(serviceName.Get, [KeyValue.Bool(text.Get, flag)]), [span]) { SeqNo = seqNo };

        foreach (var protocol in ThriftFixtures.Protocols)
        {
            var encoded = ThriftFixtures.Encode(batch, protocol, emitBatch: true);
            Assert.True(JaegerThriftSerializer.TryReadEmitBatch(encoded, protocol, out var decoded, out var error), error.ToString());

            // Strings come back as their UTF-8 form decodes: identical unless they held lone surrogates (then U+FFFD).
            var s = decoded.Spans[0];
            Assert.Equal(Utf8(serviceName.Get), decoded.Process.ServiceName);
            Assert.Equal(Utf8(text.Get), s.OperationName);
            Assert.Equal(KeyValue.String(Utf8(key.Get), Utf8(text.Get)), s.Tags[0]);
            Assert.Equal(KeyValue.Int64(Utf8(key.Get), number), s.Tags[1]);
            Assert.Equal(KeyValue.Float64(Utf8(key.Get), real), s.Tags[2]);
            Assert.Equal(KeyValue.Bool(Utf8(key.Get), flag), s.Tags[3]);
            Assert.Equal(KeyValue.Binary(Utf8(key.Get), bytes.Get), s.Tags[4]);
            Assert.Equal(traceId, s.TraceId);
            Assert.Equal(new SpanId(spanId), s.SpanId);
            Assert.Equal(new SpanId(parentId), s.ParentSpanId);
            Assert.Equal((SpanFlags)flags, s.Flags);
            Assert.Equal(start, s.StartTimeMicros);
            Assert.Equal(duration, s.DurationMicros);
            Assert.Equal(seqNo, decoded.SeqNo);
            Assert.Equal(encoded.Length, JaegerThriftSerializer.GetEmitBatchOverhead(batch, protocol) + JaegerThriftSerializer.GetSpanSize(span, protocol));
        }
    }

    private static string Utf8(string value) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));
}
