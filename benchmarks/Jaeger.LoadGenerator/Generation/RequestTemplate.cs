using System.Buffers;
using System.Buffers.Binary;
using Jaeger.Model;
using Jaeger.Thrift;
using Google.Protobuf;
using Otlp = Jaeger.Protos.Otlp;

namespace Jaeger.LoadGenerator.Generation;

/// <summary>How the 8 bytes of one patched value are laid out in the encoded request.</summary>
internal enum FieldEncoding
{
    /// <summary>Thrift binary i64, protobuf id bytes.</summary>
    BigEndian64,

    /// <summary>Protobuf fixed64 (OTLP timestamps).</summary>
    LittleEndian64,

    /// <summary>Thrift compact i64: a zigzag varint, kept at exactly 8 bytes by choosing values in [2^49, 2^55).</summary>
    CompactVarint8,
}

/// <summary>The wire format a template is encoded in.</summary>
internal enum TemplateFormat
{
    ThriftBatchBinary,
    EmitBatchCompact,
    EmitBatchBinary,
    OtlpProtobuf,
}

/// <summary>
/// One request encoded once, with the byte offsets of every trace id, span id (also where it appears as a parent) and
/// timestamp recorded, so each send only overwrites those bytes: every span of every request gets distinct ids
/// without re-encoding. Offsets are found by encoding the template with random sentinel values and searching for
/// their encoded form. Ids are <c>2^54 | worker &lt;&lt; 40 | counter</c>: positive, and always 8 bytes as a compact
/// varint, so patching never changes a length.
/// </summary>
internal sealed class RequestTemplate
{
    private const ulong IdBase = 1UL << 54;
    private const ulong CounterMask = (1UL << 40) - 1;

    private readonly byte[] _template;
    private readonly Patch[] _patches;

    private RequestTemplate(SpanShape shape, TemplateFormat format, ulong traceIdHigh, byte[] template, Patch[] patches)
    {
        Shape = shape;
        Format = format;
        TraceIdHigh = traceIdHigh;
        _template = template;
        _patches = patches;
    }

    public SpanShape Shape { get; }

    public TemplateFormat Format { get; }

    /// <summary>The high 64 bits of every trace id of this run (not patched).</summary>
    public ulong TraceIdHigh { get; }

    /// <summary>The encoded size of one request.</summary>
    public int Length => _template.Length;

    /// <summary>How many value positions the template has (for tests).</summary>
    public int PatchCount => _patches.Length;

    /// <summary>Encodes the template for <paramref name="format"/> and records where its ids and timestamps are.</summary>
    public static RequestTemplate Create(SpanShape shape, TemplateFormat format, ulong traceIdHigh)
    {
        var slots = SlotCount(shape);
        var sentinels = new ulong[slots];
        var random = new Random();
        var seen = new HashSet<ulong>();
        for (var i = 0; i < slots; i++)
        {
            var isTime = i >= shape.Traces + shape.SpansPerRequest;
            ulong value;
            do
            {
                // Ids in [2^54, 2^55); start times in [2^50, 2^51) microseconds (years 2005 to 2041), so both are 8-byte compact varints.
                value = isTime ? (1UL << 50) | ((ulong)random.NextInt64() & ((1UL << 50) - 1)) : IdBase | ((ulong)random.NextInt64() & (IdBase - 1));
            }
            while (!seen.Add(value));
            sentinels[i] = value;
        }

        var process = shape.CreateProcess();
        var spans = shape.CreateSpans(
            process,
            t => new TraceId(traceIdHigh, sentinels[t]),
            (t, j) => new SpanId(sentinels[SpanSlot(shape, t, j)]),
            (t, j) => (long)sentinels[StartSlot(shape, t, j)]);
        var bytes = Encode(format, new Batch(process, spans));

        var patches = new List<Patch>();
        for (var slot = 0; slot < slots; slot++)
        {
            var isTime = slot >= shape.Traces + shape.SpansPerRequest;
            if (format == TemplateFormat.OtlpProtobuf && isTime)
            {
                // Start and end nanoseconds as fixed64.
                var startNanos = sentinels[slot] * 1000;
                AddAll(patches, bytes, slot, FieldEncoding.LittleEndian64, startNanos, 0);
                AddAll(patches, bytes, slot, FieldEncoding.LittleEndian64, startNanos + (SpanShape.DurationMicros * 1000), SpanShape.DurationMicros * 1000);
                continue;
            }

            var encoding = format switch
            {
                TemplateFormat.EmitBatchCompact => FieldEncoding.CompactVarint8,
                _ => FieldEncoding.BigEndian64,
            };
            AddAll(patches, bytes, slot, encoding, sentinels[slot], 0);
        }

        patches.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        for (var i = 1; i < patches.Count; i++)
        {
            if (patches[i].Offset < patches[i - 1].Offset + 8)
            {
                throw new InvalidOperationException("Two patched values overlap in the encoded template; try again.");
            }
        }

        return new RequestTemplate(shape, format, traceIdHigh, bytes, [.. patches]);
    }

    /// <summary>The id of a trace or span: <c>2^54 | worker &lt;&lt; 40 | counter</c>.</summary>
    public static ulong Id(int worker, long counter) => IdBase | ((ulong)worker << 40) | ((ulong)counter & CounterMask);

    /// <summary>A fresh copy of the template bytes, for one worker to stamp again and again.</summary>
    public byte[] CreateBuffer() => (byte[])_template.Clone();

    /// <summary>
    /// Writes the ids of request number <paramref name="request"/> of <paramref name="worker"/> and the start time into
    /// <paramref name="buffer"/> (a <see cref="CreateBuffer"/> copy). Returns the first trace's id.
    /// </summary>
    public TraceId Stamp(byte[] buffer, int worker, long request, long startMicros)
    {
        var shape = Shape;
        var firstTrace = request * shape.Traces;
        foreach (var patch in _patches)
        {
            var slot = patch.Slot;
            ulong value;
            if (slot < shape.Traces)
            {
                value = Id(worker, firstTrace + slot);
            }
            else if (slot < shape.Traces + shape.SpansPerRequest)
            {
                var index = slot - shape.Traces;
                value = Id(worker, ((firstTrace + (index / shape.SpansPerTrace)) * shape.SpansPerTrace) + (index % shape.SpansPerTrace));
            }
            else
            {
                var index = slot - shape.Traces - shape.SpansPerRequest;
                var micros = (ulong)startMicros + (ulong)(index % shape.SpansPerTrace);
                value = patch.Encoding == FieldEncoding.LittleEndian64 ? (micros * 1000) + patch.Add : micros;
            }

            Write(buffer.AsSpan(patch.Offset, 8), patch.Encoding, value);
        }

        return new TraceId(TraceIdHigh, Id(worker, firstTrace));
    }

    /// <summary>Encodes a batch in a template format (also used to size UDP datagrams).</summary>
    public static byte[] Encode(TemplateFormat format, Batch batch)
    {
        var output = new ArrayBufferWriter<byte>();
        switch (format)
        {
            case TemplateFormat.ThriftBatchBinary:
                JaegerThriftSerializer.WriteBatch(output, batch, ThriftProtocol.Binary);
                break;
            case TemplateFormat.EmitBatchCompact:
                JaegerThriftSerializer.WriteEmitBatch(output, batch, ThriftProtocol.Compact);
                break;
            case TemplateFormat.EmitBatchBinary:
                JaegerThriftSerializer.WriteEmitBatch(output, batch, ThriftProtocol.Binary);
                break;
            default:
                return ToOtlp(batch).ToByteArray();
        }

        return output.WrittenSpan.ToArray();
    }

    private static int SlotCount(SpanShape shape) => shape.Traces + (2 * shape.SpansPerRequest);

    private static int SpanSlot(SpanShape shape, int trace, int span) => shape.Traces + (trace * shape.SpansPerTrace) + span;

    private static int StartSlot(SpanShape shape, int trace, int span) => shape.Traces + shape.SpansPerRequest + (trace * shape.SpansPerTrace) + span;

    private static void AddAll(List<Patch> patches, byte[] bytes, int slot, FieldEncoding encoding, ulong sentinel, ulong add)
    {
        Span<byte> needle = stackalloc byte[8];
        Write(needle, encoding, sentinel);
        var found = 0;
        var start = 0;
        while (start < bytes.Length)
        {
            var index = bytes.AsSpan(start).IndexOf(needle);
            if (index < 0)
            {
                break;
            }

            patches.Add(new Patch(start + index, slot, encoding, add));
            found++;
            start += index + 8;
        }

        if (found == 0)
        {
            throw new InvalidOperationException($"Value slot {slot} was not found in the encoded template.");
        }
    }

    private static void Write(Span<byte> destination, FieldEncoding encoding, ulong value)
    {
        switch (encoding)
        {
            case FieldEncoding.BigEndian64:
                BinaryPrimitives.WriteUInt64BigEndian(destination, value);
                break;
            case FieldEncoding.LittleEndian64:
                BinaryPrimitives.WriteUInt64LittleEndian(destination, value);
                break;
            default:
                // Zigzag of a positive value is value << 1; 8 groups of 7 bits, the last without the continuation bit.
                var zigzag = value << 1;
                for (var i = 0; i < 7; i++)
                {
                    destination[i] = (byte)((zigzag & 0x7F) | 0x80);
                    zigzag >>= 7;
                }

                destination[7] = (byte)zigzag;
                break;
        }
    }

    private static Otlp.Collector.Trace.V1.ExportTraceServiceRequest ToOtlp(Batch batch)
    {
        var resource = new Otlp.Resource.V1.Resource();
        resource.Attributes.Add(Attribute(KeyValue.String("service.name", batch.Process.ServiceName)));
        foreach (var tag in batch.Process.Tags)
        {
            resource.Attributes.Add(Attribute(tag));
        }

        var scope = new Otlp.Trace.V1.ScopeSpans { Scope = new Otlp.Common.V1.InstrumentationScope { Name = "loadgen", Version = "1" } };
        Span<byte> id = stackalloc byte[16];
        foreach (var span in batch.Spans)
        {
            span.TraceId.WriteBytes(id);
            var otlp = new Otlp.Trace.V1.Span
            {
                TraceId = ByteString.CopyFrom(id),
                Name = span.OperationName,
                Kind = span.ParentSpanId.IsEmpty ? Otlp.Trace.V1.Span.Types.SpanKind.Server : Otlp.Trace.V1.Span.Types.SpanKind.Client,
                StartTimeUnixNano = (ulong)span.StartTimeMicros * 1000,
                EndTimeUnixNano = (ulong)(span.StartTimeMicros + span.DurationMicros) * 1000,
            };
            span.SpanId.WriteBytes(id);
            otlp.SpanId = ByteString.CopyFrom(id[..8]);
            if (!span.ParentSpanId.IsEmpty)
            {
                span.ParentSpanId.WriteBytes(id);
                otlp.ParentSpanId = ByteString.CopyFrom(id[..8]);
            }

            foreach (var tag in span.Tags)
            {
                if (tag.Key != "span.kind")
                {
                    otlp.Attributes.Add(Attribute(tag));
                }
            }

            scope.Spans.Add(otlp);
        }

        return new Otlp.Collector.Trace.V1.ExportTraceServiceRequest
        {
            ResourceSpans = { new Otlp.Trace.V1.ResourceSpans { Resource = resource, ScopeSpans = { scope } } },
        };
    }

    private static Otlp.Common.V1.KeyValue Attribute(KeyValue tag) => new()
    {
        Key = tag.Key,
        Value = tag.Type == KeyValueType.Int64
            ? new Otlp.Common.V1.AnyValue { IntValue = tag.Int64Value }
            : new Otlp.Common.V1.AnyValue { StringValue = tag.StringValue },
    };

    private readonly record struct Patch(int Offset, int Slot, FieldEncoding Encoding, ulong Add);
}
