using Jaeger.Model;
using Jaeger.Thrift;
using Thrift.Protocol;
using Thrift.Protocol.Entities;

namespace Jaeger.Core.Tests.Thrift;

/// <summary>Our codec against ApacheThrift 0.25.0's TBinaryProtocol and TCompactProtocol, both ways.</summary>
public sealed class ApacheThriftCrossCheckTests
{
    public static TheoryData<ThriftProtocol, bool, string> Cases()
    {
        var data = new TheoryData<ThriftProtocol, bool, string>();
        foreach (var protocol in ThriftFixtures.Protocols)
        {
            foreach (var emitBatch in new[] { false, true })
            {
                foreach (var name in new[] { "rich", "hundred", "empty" })
                {
                    data.Add(protocol, emitBatch, name);
                }
            }
        }

        return data;
    }

    private static Batch Sample(string name) => name switch
    {
        "rich" => ThriftFixtures.Rich(),
        "hundred" => ThriftFixtures.Hundred(),
        _ => new Batch(new Process(string.Empty), []) { SeqNo = -1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void WrittenByApacheThrift_DecodesWithOurReader(ThriftProtocol protocol, bool emitBatch, string sample)
    {
        var batch = Sample(sample);
        var bytes = ApacheThriftMapping.Encode(batch, protocol, emitBatch, sequenceId: 77);

        Assert.True(ThriftFixtures.TryDecode(bytes, protocol, emitBatch, out var decoded, out var error), error.ToString());

        ThriftFixtures.AssertEquivalent(batch, decoded!);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WrittenByUs_DecodesWithApacheThrift(ThriftProtocol protocol, bool emitBatch, string sample)
    {
        var batch = Sample(sample);
        var bytes = ThriftFixtures.Encode(batch, protocol, emitBatch, sequenceId: 77);

        var (decoded, parentSpanIds, message) = ApacheThriftMapping.Decode(bytes, protocol, emitBatch);

        ThriftFixtures.AssertEquivalent(batch, decoded);
        Assert.Equal(batch.Spans.Select(s => (long)s.ParentSpanId.Value), parentSpanIds);
        if (emitBatch)
        {
            Assert.Equal("emitBatch", message!.Value.Name);
            Assert.Equal(TMessageType.Oneway, message.Value.Type);
            Assert.Equal(77, message.Value.SeqID);
        }
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary, false)]
    [InlineData(ThriftProtocol.Binary, true)]
    [InlineData(ThriftProtocol.Compact, false)]
    [InlineData(ThriftProtocol.Compact, true)]
    public void HundredSpanBatch_IsByteForByteWhatApacheThriftWrites(ThriftProtocol protocol, bool emitBatch)
    {
        // Every list of this batch is non-empty and it has no seqNo/stats, so both writers emit the same fields.
        var batch = ThriftFixtures.Hundred();

        Assert.Equal(ApacheThriftMapping.Encode(batch, protocol, emitBatch, sequenceId: 3), ThriftFixtures.Encode(batch, protocol, emitBatch, sequenceId: 3));
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void UnknownFieldsOfEveryType_AreSkippedInEveryStruct(ThriftProtocol protocol)
    {
        var batch = ThriftFixtures.Rich();
        foreach (var emitBatch in new[] { false, true })
        {
            var bytes = ApacheThriftMapping.Encode(batch, protocol, emitBatch, extraFields: WriteUnknownFieldsAsync);

            Assert.True(ThriftFixtures.TryDecode(bytes, protocol, emitBatch, out var decoded, out var error), error.ToString());

            ThriftFixtures.AssertEquivalent(batch, decoded!);
        }
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void ApacheThriftDecodesOurOutput_AfterOurReaderSkippedUnknowns_TheSameWay(ThriftProtocol protocol)
    {
        // ApacheThrift's own skip logic and ours agree on where each unknown field ends: both see the same batch.
        // (Without the known-id-wrong-type field: the test-side mapping dispatches on ids only.)
        var bytes = ApacheThriftMapping.Encode(ThriftFixtures.Rich(), protocol, emitBatch: false, extraFields: (p, ct) => WriteUnknownFieldsAsync(p, ct, wrongTypeForKnownId: false));

        var (theirs, _, _) = ApacheThriftMapping.Decode(bytes, protocol, emitBatch: false);
        Assert.True(JaegerThriftSerializer.TryReadBatch(bytes, protocol, out var ours, out _));

        ThriftFixtures.AssertEquivalent(theirs, ours);
    }

    private static Task WriteUnknownFieldsAsync(TProtocol p, CancellationToken ct) => WriteUnknownFieldsAsync(p, ct, wrongTypeForKnownId: true);

    /// <summary>Fields with ids no jaeger.thrift struct uses, one of every Thrift type, containers nested.</summary>
    private static async Task WriteUnknownFieldsAsync(TProtocol p, CancellationToken ct, bool wrongTypeForKnownId)
    {
        await p.WriteFieldBeginAsync(new TField("b", TType.Bool, 100), ct);
        await p.WriteBoolAsync(true, ct);
        await p.WriteFieldBeginAsync(new TField("y", TType.Byte, 101), ct);
        await p.WriteByteAsync(-7, ct);
        await p.WriteFieldBeginAsync(new TField("s", TType.I16, 102), ct);
        await p.WriteI16Async(-300, ct);
        await p.WriteFieldBeginAsync(new TField("i", TType.I32, 103), ct);
        await p.WriteI32Async(int.MinValue, ct);
        await p.WriteFieldBeginAsync(new TField("l", TType.I64, 104), ct);
        await p.WriteI64Async(long.MaxValue, ct);
        await p.WriteFieldBeginAsync(new TField("d", TType.Double, 105), ct);
        await p.WriteDoubleAsync(-1.5, ct);
        await p.WriteFieldBeginAsync(new TField("str", TType.String, 106), ct);
        await p.WriteStringAsync("unknown ünï", ct);
        await p.WriteFieldBeginAsync(new TField("st", TType.Struct, 107), ct);
        await p.WriteStructBeginAsync(new TStruct("X"), ct);
        await p.WriteFieldBeginAsync(new TField("f", TType.Bool, 1), ct);
        await p.WriteBoolAsync(false, ct);
        await p.WriteFieldBeginAsync(new TField("g", TType.List, 2), ct);
        await p.WriteListBeginAsync(new TList(TType.Bool, 3), ct);
        await p.WriteBoolAsync(true, ct);
        await p.WriteBoolAsync(false, ct);
        await p.WriteBoolAsync(true, ct);
        await p.WriteListEndAsync(ct);
        await p.WriteFieldStopAsync(ct);
        await p.WriteStructEndAsync(ct);
        await p.WriteFieldBeginAsync(new TField("li", TType.List, 108), ct);
        await p.WriteListBeginAsync(new TList(TType.List, 2), ct);
        for (var i = 0; i < 2; i++)
        {
            await p.WriteListBeginAsync(new TList(TType.String, 20), ct);
            for (var j = 0; j < 20; j++)
            {
                await p.WriteStringAsync("x", ct);
            }
        }

        await p.WriteFieldBeginAsync(new TField("se", TType.Set, 109), ct);
        await p.WriteSetBeginAsync(new TSet(TType.I64, 2), ct);
        await p.WriteI64Async(1, ct);
        await p.WriteI64Async(-1, ct);
        await p.WriteFieldBeginAsync(new TField("m", TType.Map, 110), ct);
        await p.WriteMapBeginAsync(new TMap(TType.String, TType.Double, 2), ct);
        await p.WriteStringAsync("a", ct);
        await p.WriteDoubleAsync(1, ct);
        await p.WriteStringAsync("b", ct);
        await p.WriteDoubleAsync(2, ct);
        await p.WriteFieldBeginAsync(new TField("em", TType.Map, 111), ct);
        await p.WriteMapBeginAsync(new TMap(TType.I32, TType.Struct, 0), ct);
        await p.WriteFieldBeginAsync(new TField("neg", TType.I32, -5), ct);
        await p.WriteI32Async(5, ct);

        if (wrongTypeForKnownId)
        {
            // A known id with an unexpected type is skipped too, as generated code does.
            await p.WriteFieldBeginAsync(new TField("wrong", TType.Double, 1), ct);
            await p.WriteDoubleAsync(3, ct);
        }
    }
}
