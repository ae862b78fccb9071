using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Jaeger.Model;

namespace Jaeger.Client.Senders;

/// <summary>
/// Encodes a jaeger.api_v2 <c>PostSpansRequest { Batch batch = 1 }</c> (model.proto, collector.proto) as protobuf, framed
/// as one gRPC message, straight from model spans: sizes are computed first, so the bytes are written once into the
/// caller's reused buffer with no intermediate objects. Field numbers are model.proto's.
/// </summary>
internal static class ApiV2ProtobufWriter
{
    /// <summary>gRPC message prefix: compressed flag and 4-byte big-endian length.</summary>
    public const int GrpcFrameHeaderSize = 5;

    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const long MicrosPerSecond = 1_000_000;

    /// <summary>Bytes of one request besides its spans: frame header, the batch field's tag and longest length prefix, and the batch's process.</summary>
    public static int GetRequestOverhead(Process process) => GrpcFrameHeaderSize + 1 + 5 + FieldSize(ProcessSize(process));

    /// <summary>Bytes one span takes inside a batch (field tag, length prefix, message).</summary>
    public static int GetSpanSize(Span span) => FieldSize(SpanSize(span));

    /// <summary>Appends one gRPC message holding <c>PostSpansRequest{batch: {spans, process}}</c>.</summary>
    public static void WriteGrpcMessage(IBufferWriter<byte> output, Process process, IReadOnlyList<Span> spans)
    {
        var batchSize = FieldSize(ProcessSize(process));
        for (var i = 0; i < spans.Count; i++) // indexing: enumerating the interface would allocate
        {
            batchSize += GetSpanSize(spans[i]);
        }

        var requestSize = FieldSize(batchSize);
        var total = GrpcFrameHeaderSize + requestSize;
        var writer = new Writer(output.GetSpan(total));
        writer.WriteFrameHeader(requestSize);
        writer.WriteHeader(1, batchSize); // PostSpansRequest.batch
        for (var i = 0; i < spans.Count; i++)
        {
            writer.WriteSpan(1, spans[i]); // Batch.spans
        }

        writer.WriteProcess(2, process); // Batch.process
        output.Advance(total);
    }

    private static int FieldSize(int messageSize) => 1 + VarintSize((ulong)messageSize) + messageSize;

    private static int VarintSize(ulong value) => (BitOperations.Log2(value | 1) / 7) + 1;

    private static int StringSize(string value) => value.Length == 0 ? 0 : FieldSize(Encoding.UTF8.GetByteCount(value));

    private static int VarintFieldSize(ulong value) => value == 0 ? 0 : 1 + VarintSize(value);

    private static int KeyValueSize(in KeyValue kv)
    {
        var size = StringSize(kv.Key) + VarintFieldSize((ulong)kv.Type);
        return size + kv.Type switch
        {
            KeyValueType.String => StringSize(kv.StringValue),
            KeyValueType.Bool => kv.BoolValue ? 2 : 0,
            KeyValueType.Int64 => VarintFieldSize((ulong)kv.Int64Value),
            KeyValueType.Float64 => BitConverter.DoubleToInt64Bits(kv.Float64Value) == 0 ? 0 : 9,
            KeyValueType.Binary => kv.BinaryValue.Length == 0 ? 0 : FieldSize(kv.BinaryValue.Length),
            _ => 0,
        };
    }

    private static int KeyValuesSize(ReadOnlySpan<KeyValue> values)
    {
        var size = 0;
        foreach (ref readonly var kv in values)
        {
            size += FieldSize(KeyValueSize(kv));
        }

        return size;
    }

    private static int ProcessSize(Process process) => StringSize(process.ServiceName) + KeyValuesSize(process.Tags.AsSpan());

    private static (long Seconds, int Nanos) ToTimestamp(long micros)
    {
        // google.protobuf.Timestamp: nanos are never negative, seconds round down.
        var seconds = Math.DivRem(micros, MicrosPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += MicrosPerSecond;
        }

        return (seconds, (int)rest * 1000);
    }

    private static (long Seconds, int Nanos) ToDuration(long micros)
    {
        // google.protobuf.Duration: seconds and nanos carry the same sign.
        var seconds = Math.DivRem(micros, MicrosPerSecond, out var rest);
        return (seconds, (int)rest * 1000);
    }

    private static int SecondsNanosSize((long Seconds, int Nanos) value) =>
        VarintFieldSize((ulong)value.Seconds) + VarintFieldSize((ulong)(long)value.Nanos);

    private static int LogSize(in Log log) => FieldSize(SecondsNanosSize(ToTimestamp(log.TimestampMicros))) + KeyValuesSize(log.Fields.AsSpan());

    private static int SpanRefSize(in SpanRef reference) => FieldSize(16) + FieldSize(8) + VarintFieldSize((ulong)reference.RefType);

    private static int SpanSize(Span span)
    {
        var size = FieldSize(16) + FieldSize(8) + StringSize(span.OperationName);
        foreach (var reference in span.References)
        {
            size += FieldSize(SpanRefSize(reference));
        }

        size += VarintFieldSize((uint)span.Flags);
        size += FieldSize(SecondsNanosSize(ToTimestamp(span.StartTimeMicros)));
        size += FieldSize(SecondsNanosSize(ToDuration(span.DurationMicros)));
        size += KeyValuesSize(span.Tags.AsSpan());
        foreach (var log in span.Logs)
        {
            size += FieldSize(LogSize(log));
        }

        foreach (var warning in span.Warnings)
        {
            size += FieldSize(Encoding.UTF8.GetByteCount(warning));
        }

        return size;
    }

    /// <summary>Writes into a span sized by the size functions above.</summary>
    private ref struct Writer(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private int _position;

        public void WriteFrameHeader(int messageSize)
        {
            _destination[_position++] = 0; // not compressed
            BinaryPrimitives.WriteInt32BigEndian(_destination[_position..], messageSize);
            _position += 4;
        }

        public void WriteHeader(int field, int length)
        {
            WriteTag(field, WireLengthDelimited);
            WriteVarint((ulong)length);
        }

        public void WriteSpan(int field, Span span)
        {
            WriteHeader(field, SpanSize(span));
            WriteIds(span.TraceId, span.SpanId);
            WriteString(3, span.OperationName);
            foreach (var reference in span.References)
            {
                WriteHeader(4, SpanRefSize(reference));
                WriteIds(reference.TraceId, reference.SpanId);
                WriteVarintField(3, (ulong)reference.RefType); // CHILD_OF = 0, FOLLOWS_FROM = 1 as in the model
            }

            WriteVarintField(5, (uint)span.Flags);
            WriteSecondsNanos(6, ToTimestamp(span.StartTimeMicros));
            WriteSecondsNanos(7, ToDuration(span.DurationMicros));
            WriteKeyValues(8, span.Tags.AsSpan());
            foreach (var log in span.Logs)
            {
                WriteHeader(9, LogSize(log));
                WriteSecondsNanos(1, ToTimestamp(log.TimestampMicros));
                WriteKeyValues(2, log.Fields.AsSpan());
            }

            foreach (var warning in span.Warnings)
            {
                WriteHeader(12, Encoding.UTF8.GetByteCount(warning));
                WriteUtf8(warning);
            }
        }

        /// <summary>trace_id = 1 (16 bytes) and span_id = 2 (8 bytes), big-endian, in Span and SpanRef alike.</summary>
        private void WriteIds(TraceId traceId, SpanId spanId)
        {
            Span<byte> id = stackalloc byte[16];
            traceId.WriteBytes(id);
            WriteBytes(1, id);
            spanId.WriteBytes(id);
            WriteBytes(2, id[..8]);
        }

        public void WriteProcess(int field, Process process)
        {
            WriteHeader(field, ProcessSize(process));
            WriteString(1, process.ServiceName);
            WriteKeyValues(2, process.Tags.AsSpan());
        }

        private void WriteKeyValues(int field, ReadOnlySpan<KeyValue> values)
        {
            foreach (ref readonly var kv in values)
            {
                WriteHeader(field, KeyValueSize(kv));
                WriteString(1, kv.Key);
                WriteVarintField(2, (ulong)kv.Type); // the model's order is api_v2's ValueType order
                switch (kv.Type)
                {
                    case KeyValueType.String:
                        WriteString(3, kv.StringValue);
                        break;
                    case KeyValueType.Bool:
                        WriteVarintField(4, kv.BoolValue ? 1UL : 0UL);
                        break;
                    case KeyValueType.Int64:
                        WriteVarintField(5, (ulong)kv.Int64Value);
                        break;
                    case KeyValueType.Float64:
                        var bits = BitConverter.DoubleToInt64Bits(kv.Float64Value);
                        if (bits != 0)
                        {
                            WriteTag(6, WireFixed64);
                            BinaryPrimitives.WriteInt64LittleEndian(_destination[_position..], bits);
                            _position += 8;
                        }

                        break;
                    case KeyValueType.Binary:
                        WriteBytes(7, kv.BinaryValue.Span);
                        break;
                }
            }
        }

        private void WriteSecondsNanos(int field, (long Seconds, int Nanos) value)
        {
            WriteHeader(field, SecondsNanosSize(value));
            WriteVarintField(1, (ulong)value.Seconds);
            WriteVarintField(2, (ulong)(long)value.Nanos);
        }

        private void WriteString(int field, string value)
        {
            if (value.Length > 0)
            {
                WriteHeader(field, Encoding.UTF8.GetByteCount(value));
                WriteUtf8(value);
            }
        }

        private void WriteUtf8(string value) => _position += Encoding.UTF8.GetBytes(value, _destination[_position..]);

        private void WriteBytes(int field, scoped ReadOnlySpan<byte> value)
        {
            if (value.Length > 0)
            {
                WriteHeader(field, value.Length);
                value.CopyTo(_destination[_position..]);
                _position += value.Length;
            }
        }

        private void WriteVarintField(int field, ulong value)
        {
            if (value != 0)
            {
                WriteTag(field, WireVarint);
                WriteVarint(value);
            }
        }

        private void WriteTag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

        private void WriteVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _destination[_position++] = (byte)(value | 0x80);
                value >>= 7;
            }

            _destination[_position++] = (byte)value;
        }
    }
}
