using System.Buffers;
using Jaeger.Model;
using Jaeger.Thrift;
using Thrift;
using Thrift.Protocol;
using Thrift.Protocol.Entities;
using Thrift.Transport.Client;

namespace Jaeger.Core.Tests.Thrift;

/// <summary>
/// The readers against hostile bytes: every outcome must be a valid batch or a typed error, never an exception, a
/// hang (each sweep runs under a deadline) or an allocation out of proportion to the input (64 KiB + 64 x length).
/// </summary>
public sealed class ThriftHostileInputTests
{
    private static readonly TimeSpan SweepDeadline = TimeSpan.FromMinutes(2);

    public static TheoryData<ThriftProtocol, bool> Cases() => new()
    {
        { ThriftProtocol.Binary, false },
        { ThriftProtocol.Binary, true },
        { ThriftProtocol.Compact, false },
        { ThriftProtocol.Compact, true },
    };

    /// <summary>Valid inputs to mutate: ours, and ApacheThrift's with unknown fields of every type in every struct.</summary>
    private static byte[][] Seeds(ThriftProtocol protocol, bool emitBatch) =>
    [
        ThriftFixtures.Encode(ThriftFixtures.Rich(), protocol, emitBatch),
        ApacheThriftMapping.Encode(ThriftFixtures.Rich(), protocol, emitBatch, extraFields: WriteNestedUnknownsAsync),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryTruncation_FailsWithATypedError(ThriftProtocol protocol, bool emitBatch)
    {
        var failures = 0;
        await RunWithDeadline(() =>
        {
            foreach (var seed in Seeds(protocol, emitBatch))
            {
                Assert.True(DecodeGuarded(seed, protocol, emitBatch, out _), "the seed itself must decode");
                for (var length = 0; length < seed.Length; length++)
                {
                    // The outer struct's stop byte is the last byte, so every proper prefix is incomplete.
                    Assert.False(DecodeGuarded(seed.AsSpan(0, length), protocol, emitBatch, out var error), $"prefix of {length} bytes decoded");
                    Assert.NotEqual(ThriftDecodeErrorKind.None, error.Kind);
                    failures++;
                }
            }
        });

        Assert.True(failures > 1000);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EverySingleByteMutation_DecodesOrFailsWithATypedError(ThriftProtocol protocol, bool emitBatch)
    {
        byte[] patterns = [0x01, 0x80, 0xFF];
        int decoded = 0, rejected = 0;
        await RunWithDeadline(() =>
        {
            foreach (var seed in Seeds(protocol, emitBatch))
            {
                var mutated = seed.ToArray();
                for (var i = 0; i < seed.Length; i++)
                {
                    foreach (var candidate in new byte[] { (byte)(seed[i] ^ patterns[0]), (byte)(seed[i] ^ patterns[1]), (byte)(seed[i] ^ patterns[2]), 0x00, 0x7F })
                    {
                        mutated[i] = candidate;
                        _ = DecodeGuarded(mutated, protocol, emitBatch, out var error) ? decoded++ : rejected++;
                    }

                    mutated[i] = seed[i];
                }
            }
        });

        // Flips inside string bytes or integers still decode; flips of headers and lengths are rejected.
        Assert.True(decoded > 0);
        Assert.True(rejected > 0);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RandomMultiByteMutations_DecodeOrFailWithATypedError(ThriftProtocol protocol, bool emitBatch)
    {
        var random = new Random(20261124);
        var rejected = 0;
        await RunWithDeadline(() =>
        {
            foreach (var seed in Seeds(protocol, emitBatch))
            {
                for (var n = 0; n < 3000; n++)
                {
                    var mutated = seed.ToArray();
                    var changes = random.Next(1, 9);
                    for (var c = 0; c < changes; c++)
                    {
                        mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                    }

                    var input = random.Next(4) == 0 ? mutated.AsSpan(0, random.Next(mutated.Length)) : mutated;
                    if (!DecodeGuarded(input, protocol, emitBatch, out _))
                    {
                        rejected++;
                    }
                }
            }
        });

        Assert.True(rejected > 0);
    }

    [Fact]
    public void CompactListOfTwoBillionSpans_InTwentyBytes_IsRejectedBeforeAllocating()
    {
        // Batch field 2 (list), header 0xFC = long form of a struct list, count varint 2^31-1, then padding.
        byte[] input = [0x29, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, .. new byte[13]];
        Assert.Equal(20, input.Length);

        Assert.False(DecodeGuarded(input, ThriftProtocol.Compact, emitBatch: false, out var error));
        Assert.Equal(ThriftDecodeErrorKind.LimitExceeded, error.Kind);

        var unlimited = new ThriftReaderLimits { MaxListCount = int.MaxValue, MaxSpansPerBatch = int.MaxValue };
        Assert.False(DecodeGuarded(input, ThriftProtocol.Compact, emitBatch: false, out error, unlimited));
        Assert.Equal(ThriftDecodeErrorKind.InvalidLength, error.Kind);
    }

    [Fact]
    public void BinaryListOfTwoBillionSpans_InTwentyBytes_IsRejectedBeforeAllocating()
    {
        byte[] input = [0x0F, 0x00, 0x02, 0x0C, 0x7F, 0xFF, 0xFF, 0xFF, .. new byte[12]];
        var unlimited = new ThriftReaderLimits { MaxListCount = int.MaxValue, MaxSpansPerBatch = int.MaxValue };

        Assert.False(DecodeGuarded(input, ThriftProtocol.Binary, emitBatch: false, out var error, unlimited));
        Assert.Equal(ThriftDecodeErrorKind.InvalidLength, error.Kind);
    }

    [Fact]
    public void BinaryNegativeCountsAndLengths_AreInvalidLength()
    {
        byte[] negativeList = [0x0F, 0x00, 0x02, 0x0C, 0x80, 0x00, 0x00, 0x00, 0x00];
        byte[] negativeString = [0x0C, 0x00, 0x01, 0x0B, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFE, 0x00, 0x00];
        byte[] negativeMap = [0x0D, 0x00, 0x63, 0x08, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x00];

        foreach (var input in new[] { negativeList, negativeString, negativeMap })
        {
            Assert.False(DecodeGuarded(input, ThriftProtocol.Binary, emitBatch: false, out var error));
            Assert.Equal(ThriftDecodeErrorKind.InvalidLength, error.Kind);
        }
    }

    [Theory]
    [InlineData(ThriftProtocol.Compact, new byte[] { 0x1C, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x41 })]
    [InlineData(ThriftProtocol.Binary, new byte[] { 0x0C, 0x00, 0x01, 0x0B, 0x00, 0x01, 0x7F, 0xFF, 0xFF, 0xFF, 0x41 })]
    public void HugeStringLength_IsALimitOrATruncation_NeverAnAllocation(ThriftProtocol protocol, byte[] input)
    {
        Assert.False(DecodeGuarded(input, protocol, emitBatch: false, out var error));
        Assert.Equal(ThriftDecodeErrorKind.LimitExceeded, error.Kind);

        Assert.False(DecodeGuarded(input, protocol, emitBatch: false, out error, new ThriftReaderLimits { MaxStringLength = int.MaxValue }));
        Assert.Equal(ThriftDecodeErrorKind.Truncated, error.Kind);
    }

    [Fact]
    public void HugeUnknownMap_IsRejected()
    {
        // Unknown field 15 of type map: count 2^31-1 of (i32 -> i32) in a few bytes.
        byte[] input = [0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x55, 0x00, 0x00];

        Assert.False(DecodeGuarded(input, ThriftProtocol.Compact, emitBatch: false, out var error));
        Assert.Equal(ThriftDecodeErrorKind.LimitExceeded, error.Kind);
    }

    [Fact]
    public void OverlongVarint_IsInvalidData()
    {
        // seqNo (field 3, i64) followed by eleven continuation bytes.
        byte[] input = [0x36, .. Enumerable.Repeat((byte)0xFF, 11), 0x00];

        Assert.False(DecodeGuarded(input, ThriftProtocol.Compact, emitBatch: false, out var error));
        Assert.Equal(ThriftDecodeErrorKind.InvalidData, error.Kind);
    }

    [Theory]
    [InlineData(ThriftProtocol.Compact, false)]
    [InlineData(ThriftProtocol.Compact, true)]
    [InlineData(ThriftProtocol.Binary, false)]
    [InlineData(ThriftProtocol.Binary, true)]
    public void DeeplyNestedUnknownValues_FailWithDepthExceeded(ThriftProtocol protocol, bool lists)
    {
        var input = Nested(protocol, lists, depth: 100_000, closed: false);

        Assert.False(DecodeGuarded(input, protocol, emitBatch: false, out var error));
        Assert.Equal(ThriftDecodeErrorKind.DepthExceeded, error.Kind);
    }

    [Theory]
    [InlineData(ThriftProtocol.Compact, false)]
    [InlineData(ThriftProtocol.Compact, true)]
    [InlineData(ThriftProtocol.Binary, false)]
    [InlineData(ThriftProtocol.Binary, true)]
    public void NestedUnknownValuesWithinTheLimit_AreSkipped(ThriftProtocol protocol, bool lists)
    {
        var input = Nested(protocol, lists, depth: 20, closed: true);

        Assert.True(DecodeGuarded(input, protocol, emitBatch: false, out var error), error.ToString());
        Assert.False(DecodeGuarded(input, protocol, emitBatch: false, out error, new ThriftReaderLimits { MaxDepth = 10 }));
        Assert.Equal(ThriftDecodeErrorKind.DepthExceeded, error.Kind);
    }

    [Fact]
    public void MaxDepth_BeyondTheSupportedMaximum_IsAProgrammerError()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThriftReaderLimits { MaxDepth = ThriftReaderLimits.MaxSupportedDepth + 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThriftReaderLimits { MaxListCount = 0 });
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void Limits_OnSpansInputAndStrings_AreEnforced(ThriftProtocol protocol)
    {
        var bytes = ThriftFixtures.Encode(ThriftFixtures.Rich(), protocol, emitBatch: false);

        Assert.False(JaegerThriftSerializer.TryReadBatch(bytes, protocol, out var batch, out var error, new ThriftReaderLimits { MaxSpansPerBatch = 2 }));
        Assert.Equal(ThriftDecodeErrorKind.LimitExceeded, error.Kind);
        Assert.Null(batch);
        Assert.False(JaegerThriftSerializer.TryReadBatch(bytes, protocol, out _, out error, new ThriftReaderLimits { MaxInputLength = bytes.Length - 1 }));
        Assert.Equal(ThriftDecodeErrorKind.LimitExceeded, error.Kind);
        Assert.False(JaegerThriftSerializer.TryReadBatch(bytes, protocol, out _, out error, new ThriftReaderLimits { MaxStringLength = 299 }));
        Assert.Equal(ThriftDecodeErrorKind.LimitExceeded, error.Kind);
        Assert.True(JaegerThriftSerializer.TryReadBatch(bytes, protocol, out _, out error, new ThriftReaderLimits { MaxStringLength = 300, MaxSpansPerBatch = 3, MaxInputLength = bytes.Length }), error.ToString());
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void EmptyInput_IsTruncated(ThriftProtocol protocol)
    {
        Assert.False(JaegerThriftSerializer.TryReadBatch([], protocol, out _, out var error));
        Assert.Equal(ThriftDecodeErrorKind.Truncated, error.Kind);
        Assert.False(JaegerThriftSerializer.TryReadEmitBatch([], protocol, out _, out error));
        Assert.Equal(ThriftDecodeErrorKind.Truncated, error.Kind);
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void TrailingBytes_AfterTheMessage_AreIgnored(ThriftProtocol protocol)
    {
        byte[] bytes = [.. ThriftFixtures.Encode(ThriftFixtures.Rich(), protocol, emitBatch: true), 0xDE, 0xAD];

        Assert.True(JaegerThriftSerializer.TryReadEmitBatch(bytes, protocol, out var batch, out var error), error.ToString());
        Assert.Equal(3, batch.Spans.Count);
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary, "emitZipkinBatch", TMessageType.Oneway)]
    [InlineData(ThriftProtocol.Compact, "emitZipkinBatch", TMessageType.Oneway)]
    [InlineData(ThriftProtocol.Binary, "emitBatch", TMessageType.Reply)]
    [InlineData(ThriftProtocol.Compact, "emitBatch", TMessageType.Exception)]
    public void OtherMessages_AreUnexpectedMessage(ThriftProtocol protocol, string name, TMessageType type)
    {
        var bytes = WriteWithApacheThrift(protocol, strictWrite: true, async (p, ct) =>
        {
            await p.WriteMessageBeginAsync(new TMessage(name, type, 1), ct);
            await p.WriteStructBeginAsync(new TStruct("args"), ct);
            await p.WriteFieldStopAsync(ct);
            await p.WriteStructEndAsync(ct);
        });

        Assert.False(JaegerThriftSerializer.TryReadEmitBatch(bytes, protocol, out _, out var error));
        Assert.Equal(ThriftDecodeErrorKind.UnexpectedMessage, error.Kind);
    }

    [Fact]
    public void NonStrictBinaryMessage_WithACallType_IsAccepted()
    {
        var batch = ThriftFixtures.Rich();
        var bytes = WriteWithApacheThrift(ThriftProtocol.Binary, strictWrite: false, async (p, ct) =>
        {
            await p.WriteMessageBeginAsync(new TMessage("emitBatch", TMessageType.Call, 9), ct);
            await p.WriteStructBeginAsync(new TStruct("args"), ct);
            await p.WriteFieldBeginAsync(new TField("batch", TType.Struct, 1), ct);
            await ApacheThriftMapping.WriteBatchAsync(p, batch, ct);
            await p.WriteFieldStopAsync(ct);
            await p.WriteStructEndAsync(ct);
        });
        Assert.Equal((byte)'e', bytes[4]);

        Assert.True(JaegerThriftSerializer.TryReadEmitBatch(bytes, ThriftProtocol.Binary, out var decoded, out var error), error.ToString());
        ThriftFixtures.AssertEquivalent(batch, decoded);
    }

    [Fact]
    public void WrongProtocolIdOrVersion_IsInvalidData()
    {
        var compact = ThriftFixtures.Encode(ThriftFixtures.Rich(), ThriftProtocol.Compact, emitBatch: true);
        var binary = ThriftFixtures.Encode(ThriftFixtures.Rich(), ThriftProtocol.Binary, emitBatch: true);
        compact[0] = 0x80;
        binary[1] = 0x02;

        Assert.False(JaegerThriftSerializer.TryReadEmitBatch(compact, ThriftProtocol.Compact, out _, out var error));
        Assert.Equal(ThriftDecodeErrorKind.InvalidData, error.Kind);
        Assert.False(JaegerThriftSerializer.TryReadEmitBatch(binary, ThriftProtocol.Binary, out _, out error));
        Assert.Equal(ThriftDecodeErrorKind.InvalidData, error.Kind);
    }

    [Fact]
    public void ArgumentsWithoutABatch_AreMissingRequiredField()
    {
        var bytes = WriteWithApacheThrift(ThriftProtocol.Compact, strictWrite: true, async (p, ct) =>
        {
            await p.WriteMessageBeginAsync(new TMessage("emitBatch", TMessageType.Oneway, 1), ct);
            await p.WriteStructBeginAsync(new TStruct("args"), ct);
            await p.WriteFieldStopAsync(ct);
            await p.WriteStructEndAsync(ct);
        });

        Assert.False(JaegerThriftSerializer.TryReadEmitBatch(bytes, ThriftProtocol.Compact, out _, out var error));
        Assert.Equal(ThriftDecodeErrorKind.MissingRequiredField, error.Kind);
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary, "process")]
    [InlineData(ThriftProtocol.Binary, "serviceName")]
    [InlineData(ThriftProtocol.Binary, "spanId")]
    [InlineData(ThriftProtocol.Binary, "tagType")]
    [InlineData(ThriftProtocol.Compact, "spans")]
    [InlineData(ThriftProtocol.Compact, "traceIdLow")]
    [InlineData(ThriftProtocol.Compact, "spanId")]
    [InlineData(ThriftProtocol.Compact, "refSpanId")]
    [InlineData(ThriftProtocol.Compact, "logTimestamp")]
    public void MissingRequiredFields_AreReportedByName(ThriftProtocol protocol, string omit)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new ThriftWriter(buffer, protocol);
        var batch = w.WriteStructBegin();
        if (omit != "process")
        {
            w.WriteFieldBegin(ThriftType.Struct, 1);
            var process = w.WriteStructBegin();
            if (omit != "serviceName")
            {
                w.WriteStringField(1, "svc");
            }

            w.WriteStructEnd(process);
        }

        if (omit != "spans")
        {
            w.WriteFieldBegin(ThriftType.List, 2);
            w.WriteListBegin(ThriftType.Struct, 1);
            var span = w.WriteStructBegin();
            if (omit != "traceIdLow")
            {
                w.WriteI64Field(1, 1);
            }

            w.WriteI64Field(2, 0);
            if (omit != "spanId")
            {
                w.WriteI64Field(3, 2);
            }

            w.WriteI64Field(4, 0);
            w.WriteStringField(5, "op");
            w.WriteFieldBegin(ThriftType.List, 6);
            w.WriteListBegin(ThriftType.Struct, 1);
            var reference = w.WriteStructBegin();
            w.WriteI32Field(1, 0);
            w.WriteI64Field(2, 1);
            w.WriteI64Field(3, 0);
            if (omit != "refSpanId")
            {
                w.WriteI64Field(4, 7);
            }

            w.WriteStructEnd(reference);
            w.WriteI32Field(7, 1);
            w.WriteI64Field(8, 10);
            w.WriteI64Field(9, 20);
            w.WriteFieldBegin(ThriftType.List, 10);
            w.WriteListBegin(ThriftType.Struct, 1);
            var tag = w.WriteStructBegin();
            w.WriteStringField(1, "k");
            if (omit != "tagType")
            {
                w.WriteI32Field(2, 0);
            }

            w.WriteStringField(3, "v");
            w.WriteStructEnd(tag);
            w.WriteFieldBegin(ThriftType.List, 11);
            w.WriteListBegin(ThriftType.Struct, 1);
            var log = w.WriteStructBegin();
            if (omit != "logTimestamp")
            {
                w.WriteI64Field(1, 5);
            }

            w.WriteFieldBegin(ThriftType.List, 2);
            w.WriteListBegin(ThriftType.Struct, 0);
            w.WriteStructEnd(log);
            w.WriteStructEnd(span);
        }

        w.WriteStructEnd(batch);
        w.Flush();

        Assert.False(JaegerThriftSerializer.TryReadBatch(buffer.WrittenSpan, protocol, out _, out var error));

        Assert.Equal(ThriftDecodeErrorKind.MissingRequiredField, error.Kind);
        var expectedWord = omit switch
        {
            "tagType" => "vType",
            "refSpanId" => "SpanRef",
            "logTimestamp" => "Log",
            _ => omit,
        };
        Assert.Contains(expectedWord, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ThriftProtocol.Binary)]
    [InlineData(ThriftProtocol.Compact)]
    public void InvalidUtf8_IsReplaced_NotRejected(ThriftProtocol protocol)
    {
        var bytes = ThriftFixtures.Encode(new Batch(new Process("AB-service"), []), protocol, emitBatch: false);
        var at = bytes.AsSpan().IndexOf("AB-"u8);
        bytes[at] = 0xFF;
        bytes[at + 1] = 0xC0;

        Assert.True(JaegerThriftSerializer.TryReadBatch(bytes, protocol, out var batch, out var error), error.ToString());

        Assert.Equal("\uFFFD\uFFFD-service", batch.Process.ServiceName);
    }

    [Fact]
    public void AllocationMeter_SeesTheDecodersAllocations()
    {
        // Guards the allocation bound above: if the meter read zero, the bound could never fail.
        var bytes = ThriftFixtures.Encode(ThriftFixtures.Hundred(), ThriftProtocol.Compact, emitBatch: false);
        var before = GC.GetAllocatedBytesForCurrentThread();

        Assert.True(JaegerThriftSerializer.TryReadBatch(bytes, ThriftProtocol.Compact, out _, out _));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before > bytes.Length);
    }

    /// <summary>A batch whose first field is an unknown value nested <paramref name="depth"/> times (structs or lists).</summary>
    private static byte[] Nested(ThriftProtocol protocol, bool lists, int depth, bool closed)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new ThriftWriter(buffer, protocol);
        var outer = w.WriteStructBegin();
        w.WriteFieldBegin(lists ? ThriftType.List : ThriftType.Struct, 99);
        var saved = new short[depth];
        for (var i = 0; i < depth; i++)
        {
            if (lists)
            {
                w.WriteListBegin(i == depth - 1 ? ThriftType.I32 : ThriftType.List, 1);
            }
            else
            {
                saved[i] = w.WriteStructBegin();
                if (i < depth - 1)
                {
                    w.WriteFieldBegin(ThriftType.Struct, 1);
                }
            }
        }

        if (closed)
        {
            if (lists)
            {
                w.WriteI32(5);
            }
            else
            {
                for (var i = depth - 1; i >= 0; i--)
                {
                    w.WriteStructEnd(saved[i]);
                }
            }

            w.WriteFieldBegin(ThriftType.Struct, 1);
            var process = w.WriteStructBegin();
            w.WriteStringField(1, "svc");
            w.WriteStructEnd(process);
            w.WriteFieldBegin(ThriftType.List, 2);
            w.WriteListBegin(ThriftType.Struct, 0);
            w.WriteStructEnd(outer);
        }

        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] WriteWithApacheThrift(ThriftProtocol protocol, bool strictWrite, Func<TProtocol, CancellationToken, Task> write)
    {
        using var transport = new TMemoryBufferTransport(new TConfiguration());
        using TProtocol p = protocol == ThriftProtocol.Compact ? new TCompactProtocol(transport) : new TBinaryProtocol(transport, strictRead: false, strictWrite: strictWrite);
        write(p, CancellationToken.None).GetAwaiter().GetResult();
        return transport.GetBuffer();
    }

    private static async Task WriteNestedUnknownsAsync(TProtocol p, CancellationToken ct)
    {
        await p.WriteFieldBeginAsync(new TField("m", TType.Map, 120), ct);
        await p.WriteMapBeginAsync(new TMap(TType.String, TType.List, 1), ct);
        await p.WriteStringAsync("k", ct);
        await p.WriteListBeginAsync(new TList(TType.Struct, 1), ct);
        await p.WriteStructBeginAsync(new TStruct("x"), ct);
        await p.WriteFieldBeginAsync(new TField("b", TType.Bool, 3), ct);
        await p.WriteBoolAsync(true, ct);
        await p.WriteFieldBeginAsync(new TField("d", TType.Double, 40), ct);
        await p.WriteDoubleAsync(2.5, ct);
        await p.WriteFieldStopAsync(ct);
        await p.WriteStructEndAsync(ct);
        await p.WriteFieldBeginAsync(new TField("s", TType.Set, 121), ct);
        await p.WriteSetBeginAsync(new TSet(TType.I16, 2), ct);
        await p.WriteI16Async(1, ct);
        await p.WriteI16Async(2, ct);
    }

    /// <summary>Decodes under the invariants every outcome must satisfy.</summary>
    private static bool DecodeGuarded(ReadOnlySpan<byte> input, ThriftProtocol protocol, bool emitBatch, out ThriftDecodeError error, ThriftReaderLimits? limits = null)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        bool ok;
        Batch? batch;
        try
        {
            ok = ThriftFixtures.TryDecode(input, protocol, emitBatch, out batch, out error, limits);
        }
        catch (Exception ex)
        {
            Assert.Fail($"the decoder threw on {input.Length} bytes: {ex}");
            throw;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var bound = (64 * 1024) + (64L * input.Length);
        Assert.True(allocated <= bound, $"decoding {input.Length} bytes allocated {allocated} bytes (bound {bound})");
        if (ok)
        {
            Assert.NotNull(batch);
            Assert.Equal(ThriftDecodeErrorKind.None, error.Kind);
            Assert.All(batch.Spans, s => Assert.Same(batch.Process, s.Process));
        }
        else
        {
            Assert.Null(batch);
            Assert.NotEqual(ThriftDecodeErrorKind.None, error.Kind);
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
