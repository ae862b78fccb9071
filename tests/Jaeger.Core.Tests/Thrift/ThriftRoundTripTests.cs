using Jaeger.Model;
using Jaeger.Thrift;

namespace Jaeger.Core.Tests.Thrift;

public sealed class ThriftRoundTripTests
{
    public static TheoryData<ThriftProtocol, bool> Cases() => new()
    {
        { ThriftProtocol.Binary, false },
        { ThriftProtocol.Binary, true },
        { ThriftProtocol.Compact, false },
        { ThriftProtocol.Compact, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RichBatch_RoundTrips_WithEveryFieldIntact(ThriftProtocol protocol, bool emitBatch)
    {
        var batch = ThriftFixtures.Rich();
        var bytes = ThriftFixtures.Encode(batch, protocol, emitBatch);

        Assert.True(ThriftFixtures.TryDecode(bytes, protocol, emitBatch, out var decoded, out var error), error.ToString());

        ThriftFixtures.AssertEquivalent(batch, decoded!);
        Assert.Equal(default, error);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HundredSpanBatch_RoundTrips(ThriftProtocol protocol, bool emitBatch)
    {
        var batch = ThriftFixtures.Hundred();
        var bytes = ThriftFixtures.Encode(batch, protocol, emitBatch);

        Assert.True(ThriftFixtures.TryDecode(bytes, protocol, emitBatch, out var decoded, out var error), error.ToString());

        ThriftFixtures.AssertEquivalent(batch, decoded!);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EmptyBatch_WithoutOptionalFields_RoundTrips(ThriftProtocol protocol, bool emitBatch)
    {
        var batch = new Batch(new Process("svc"), []);
        var bytes = ThriftFixtures.Encode(batch, protocol, emitBatch);

        Assert.True(ThriftFixtures.TryDecode(bytes, protocol, emitBatch, out var decoded, out var error), error.ToString());

        Assert.Equal("svc", decoded!.Process.ServiceName);
        Assert.Empty(decoded.Process.Tags);
        Assert.Empty(decoded.Spans);
        Assert.Null(decoded.SeqNo);
        Assert.Null(decoded.Stats);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodedSpans_ShareTheBatchProcessInstance(ThriftProtocol protocol, bool emitBatch)
    {
        var bytes = ThriftFixtures.Encode(ThriftFixtures.Hundred(5), protocol, emitBatch);

        Assert.True(ThriftFixtures.TryDecode(bytes, protocol, emitBatch, out var decoded, out _));

        Assert.All(decoded!.Spans, s => Assert.Same(decoded.Process, s.Process));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Repeated_short_strings_decode_to_one_instance(ThriftProtocol protocol, bool emitBatch)
    {
        var bytes = ThriftFixtures.Encode(ThriftFixtures.Hundred(5), protocol, emitBatch);

        Assert.True(ThriftFixtures.TryDecode(bytes, protocol, emitBatch, out var first, out _));
        Assert.True(ThriftFixtures.TryDecode(bytes, protocol, emitBatch, out var second, out _));

        var key = first!.Spans[0].Tags[0].Key;
        Assert.True(key.Length <= Jaeger.Text.Utf8StringCache.MaxCachedLength);
        Assert.Same(key, second!.Spans[0].Tags[0].Key);
        Assert.Same(first.Spans[0].Tags[1].StringValue, second.Spans[1].Tags[1].StringValue);
        Assert.Same(first.Process.ServiceName, second.Process.ServiceName);
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void SequenceId_IsWrittenIntoTheEnvelope(ThriftProtocol protocol)
    {
        var a = ThriftFixtures.Encode(ThriftFixtures.Rich(), protocol, emitBatch: true, sequenceId: 0);
        var b = ThriftFixtures.Encode(ThriftFixtures.Rich(), protocol, emitBatch: true, sequenceId: 300);

        Assert.NotEqual(a, b);
        Assert.True(JaegerThriftSerializer.TryReadEmitBatch(b, protocol, out var decoded, out _));
        Assert.Equal(3, decoded.Spans.Count);
    }

    [Fact]
    public void EnvelopeBytes_MatchTheThriftSpecification()
    {
        var compact = ThriftFixtures.Encode(new Batch(new Process("s"), []), ThriftProtocol.Compact, emitBatch: true, sequenceId: 5);
        var binary = ThriftFixtures.Encode(new Batch(new Process("s"), []), ThriftProtocol.Binary, emitBatch: true, sequenceId: 5);

        // compact: protocol id, version 1 | oneway(4) << 5, varint seqid, name length, name.
        Assert.Equal(new byte[] { 0x82, 0x81, 5, 9 }, compact[..4]);
        Assert.Equal("emitBatch"u8.ToArray(), compact[4..13]);

        // binary strict: 0x80010000 | oneway, name length, name, seqid.
        Assert.Equal(new byte[] { 0x80, 0x01, 0x00, 0x04, 0, 0, 0, 9 }, binary[..8]);
        Assert.Equal("emitBatch"u8.ToArray(), binary[8..17]);
        Assert.Equal(new byte[] { 0, 0, 0, 5 }, binary[17..21]);
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void GetSpanSize_EqualsTheBytesEachSpanAdds(ThriftProtocol protocol)
    {
        var rich = ThriftFixtures.Rich();
        foreach (var span in rich.Spans.Concat(ThriftFixtures.Hundred(1).Spans))
        {
            var without = new Batch(rich.Process, []);
            var with = new Batch(rich.Process, [span]);
            var added = ThriftFixtures.Encode(with, protocol, emitBatch: false).Length - ThriftFixtures.Encode(without, protocol, emitBatch: false).Length;

            Assert.Equal(added, JaegerThriftSerializer.GetSpanSize(span, protocol));
        }
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary, 0)]
    [InlineData(ThriftProtocol.Binary, 1)]
    [InlineData(ThriftProtocol.Binary, 100)]
    [InlineData(ThriftProtocol.Compact, 0)]
    [InlineData(ThriftProtocol.Compact, 1)]
    [InlineData(ThriftProtocol.Compact, 14)]
    [InlineData(ThriftProtocol.Compact, 15)]
    [InlineData(ThriftProtocol.Compact, 200)]
    public void OverheadPlusSpanSizes_EqualsTheEmitBatchMessageLength(ThriftProtocol protocol, int spanCount)
    {
        var hundred = ThriftFixtures.Hundred(spanCount);
        var rich = ThriftFixtures.Rich();
        var batch = new Batch(rich.Process, hundred.Spans) { SeqNo = rich.SeqNo, Stats = rich.Stats };
        var expected = ThriftFixtures.Encode(batch, protocol, emitBatch: true).Length;

        var computed = JaegerThriftSerializer.GetEmitBatchOverhead(batch, protocol) + batch.Spans.Sum(s => JaegerThriftSerializer.GetSpanSize(s, protocol));

        Assert.Equal(expected, computed);
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary, -1, 0)]
    [InlineData(ThriftProtocol.Compact, -1, 4)]
    [InlineData(ThriftProtocol.Compact, 300, 1)]
    [InlineData(ThriftProtocol.Compact, 127, 0)]
    public void SequenceIdWidth_AddsTheDocumentedBytesToTheOverhead(ThriftProtocol protocol, int sequenceId, int extra)
    {
        var batch = ThriftFixtures.Hundred(3);
        var expected = ThriftFixtures.Encode(batch, protocol, emitBatch: true, sequenceId).Length;

        var computed = JaegerThriftSerializer.GetEmitBatchOverhead(batch, protocol) + batch.Spans.Sum(s => JaegerThriftSerializer.GetSpanSize(s, protocol));

        Assert.Equal(expected, computed + extra);
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void Overhead_OfABatchWithoutSpans_EqualsItsEncodedLength(ThriftProtocol protocol)
    {
        var batch = new Batch(ThriftFixtures.Rich().Process, []) { SeqNo = 1 };

        Assert.Equal(ThriftFixtures.Encode(batch, protocol, emitBatch: true).Length, JaegerThriftSerializer.GetEmitBatchOverhead(batch, protocol));
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void ParentSpanIdWithoutReference_BecomesAChildOfReferenceFirst(ThriftProtocol protocol)
    {
        // Our writer always lists the parent among the references, so build the wire form with ApacheThrift.
        var traceId = new TraceId(5, 6);
        var span = new Span
        {
            TraceId = traceId,
            SpanId = new SpanId(2),
            References = [new SpanRef(traceId, new SpanId(9), SpanRefType.FollowsFrom)],
        };
        var bytes = ApacheThriftMapping.Encode(new Batch(new Process("p"), [span]), protocol, emitBatch: false, parentSpanIdOverride: 1);

        Assert.True(JaegerThriftSerializer.TryReadBatch(bytes, protocol, out var decoded, out var error), error.ToString());

        Assert.Equal(
            [new SpanRef(traceId, new SpanId(1), SpanRefType.ChildOf), new SpanRef(traceId, new SpanId(9), SpanRefType.FollowsFrom)],
            decoded.Spans[0].References.ToArray());
        Assert.Equal(new SpanId(1), decoded.Spans[0].ParentSpanId);
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void ParentSpanIdAlreadyReferenced_IsNotDuplicated(ThriftProtocol protocol)
    {
        var traceId = new TraceId(5);
        var span = new Span { TraceId = traceId, SpanId = new SpanId(2), References = [new SpanRef(traceId, new SpanId(1), SpanRefType.FollowsFrom)] };
        var bytes = ApacheThriftMapping.Encode(new Batch(new Process("p"), [span]), protocol, emitBatch: false, parentSpanIdOverride: 1);

        Assert.True(JaegerThriftSerializer.TryReadBatch(bytes, protocol, out var decoded, out _));

        Assert.Equal([new SpanRef(traceId, new SpanId(1), SpanRefType.FollowsFrom)], decoded.Spans[0].References.ToArray());
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void UnknownTagType_DecodesAsUnknownVTypeString(ThriftProtocol protocol)
    {
        var bytes = ApacheThriftMapping.EncodeSingleTagBatch(protocol, "weird", vType: 9);

        Assert.True(JaegerThriftSerializer.TryReadBatch(bytes, protocol, out var decoded, out var error), error.ToString());

        Assert.Equal(KeyValue.String("weird", "Unknown VType: 9"), decoded.Spans[0].Tags[0]);
    }
}

public sealed class ThriftWriterAllocationTests
{
    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void Encoding_InSteadyState_AllocatesNothing(ThriftProtocol protocol)
    {
        var batch = ThriftFixtures.Hundred();
        var rich = ThriftFixtures.Rich();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 * 1024);
        JaegerThriftSerializer.WriteEmitBatch(buffer, batch, protocol);
        JaegerThriftSerializer.WriteBatch(buffer, rich, protocol);

        // Warm up every call the measured loop makes, so first-use initialization is not counted as steady state. The
        // runtime itself may allocate on this thread once while it promotes hot methods (tiered compilation starting
        // its worker), so the loop is measured up to five times: an encoder that allocates does so in every round.
        EncodeTen(buffer, batch, rich, protocol);
        var rounds = new List<long>();
        for (var round = 0; round < 5 && (rounds.Count == 0 || rounds[^1] != 0); round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            EncodeTen(buffer, batch, rich, protocol);
            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(rounds[^1] == 0, "bytes allocated per round of 10 encodes: " + string.Join(", ", rounds));
        Assert.True(buffer.WrittenCount > 40_000);
    }

    private static void EncodeTen(System.Buffers.ArrayBufferWriter<byte> buffer, Batch batch, Batch rich, ThriftProtocol protocol)
    {
        for (var i = 0; i < 10; i++)
        {
            buffer.ResetWrittenCount();
            JaegerThriftSerializer.WriteBatch(buffer, batch, protocol);
            JaegerThriftSerializer.WriteEmitBatch(buffer, rich, protocol, sequenceId: i);
            _ = JaegerThriftSerializer.GetSpanSize(batch.Spans[i], protocol);
        }
    }
}
