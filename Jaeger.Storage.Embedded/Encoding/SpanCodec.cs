using System.Collections.Immutable;
using Jaeger.Model;

namespace Jaeger.Storage.Embedded.Encoding;

/// <summary>Finds a process in a bucket's process dictionary.</summary>
internal interface IProcessResolver
{
    Process Resolve(uint bucket, ulong hash);
}

/// <summary>
/// The stored form of a span and of a process: varints, strings inline (RocksDB's block compression takes care of
/// repeated operation names and tag keys), the process by reference to the bucket's process dictionary.
/// </summary>
/// <remarks>
/// <code>
/// span:    [format 1][flags varint][start - bucket start, zigzag][duration zigzag][process hash 8][operation]
///          [references: count, each (kind | 2 when same trace)[trace id 16 unless same trace][span id 8]]
///          [tags: count, key-values][logs: count, each (timestamp - start, zigzag)[fields: count, key-values]]
///          [warnings: count, strings]
/// process: [format 1][service][tags: count, key-values]
/// key-value: [key][type][value: string | bool byte | int64 zigzag | float64 8 | binary count + bytes]
/// </code>
/// The trace and span ids are in the key.
/// </remarks>
internal static class SpanCodec
{
    public const byte Format = 1;

    public static void EncodeSpan(ByteWriter writer, Span span, ulong processHash, long bucketStartMicros)
    {
        writer.WriteByte(Format);
        writer.WriteVarint((ulong)(uint)span.Flags);
        var start = span.StartTimeMicros;
        writer.WriteZigZag(unchecked(start - bucketStartMicros));
        writer.WriteZigZag(span.DurationMicros);
        writer.WriteUInt64BigEndian(processHash);
        writer.WriteString(span.OperationName);

        var references = span.References;
        writer.WriteVarint((ulong)references.Length);
        foreach (var reference in references)
        {
            var sameTrace = reference.TraceId == span.TraceId;
            writer.WriteByte((byte)((byte)reference.RefType | (sameTrace ? 2 : 0)));
            if (!sameTrace)
            {
                Keys.WriteTraceId(writer, reference.TraceId);
            }

            writer.WriteUInt64BigEndian(reference.SpanId.Value);
        }

        WriteKeyValues(writer, span.Tags);

        var logs = span.Logs;
        writer.WriteVarint((ulong)logs.Length);
        foreach (var log in logs)
        {
            writer.WriteZigZag(unchecked(log.TimestampMicros - start));
            WriteKeyValues(writer, log.Fields);
        }

        var warnings = span.Warnings;
        writer.WriteVarint((ulong)warnings.Length);
        foreach (var warning in warnings)
        {
            writer.WriteString(warning ?? string.Empty);
        }
    }

    public static void EncodeProcess(ByteWriter writer, Process process)
    {
        writer.WriteByte(Format);
        writer.WriteString(process.ServiceName);
        WriteKeyValues(writer, process.Tags);
    }

    public static Process DecodeProcess(ReadOnlySpan<byte> value)
    {
        var reader = new ByteReader(value);
        CheckFormat(reader.ReadByte());
        var service = reader.ReadString();
        return new Process(service, ReadKeyValues(ref reader));
    }

    /// <summary>The fixed head of an encoded span: what a search can check without decoding the rest.</summary>
    public static ulong ReadProcessHash(ReadOnlySpan<byte> value)
    {
        var reader = new ByteReader(value);
        CheckFormat(reader.ReadByte());
        reader.ReadVarint();
        reader.ReadZigZag();
        reader.ReadZigZag();
        return reader.ReadUInt64BigEndian();
    }

    public static Span DecodeSpan(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, IProcessResolver processes)
    {
        var bucket = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(key);
        var traceId = Keys.ReadTraceId(key[4..]);
        var spanId = new SpanId(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(key[20..]));
        var reader = new ByteReader(value);
        CheckFormat(reader.ReadByte());
        var flags = (SpanFlags)(int)reader.ReadVarint();
        var start = unchecked(Keys.BucketStartMicros(bucket) + reader.ReadZigZag());
        var duration = reader.ReadZigZag();
        var process = processes.Resolve(bucket, reader.ReadUInt64BigEndian());
        var operation = reader.ReadString();

        var referenceCount = reader.ReadCount(value.Length);
        var references = ImmutableArray<SpanRef>.Empty;
        if (referenceCount > 0)
        {
            var builder = ImmutableArray.CreateBuilder<SpanRef>(referenceCount);
            for (var i = 0; i < referenceCount; i++)
            {
                var kind = reader.ReadByte();
                var refTrace = (kind & 2) != 0 ? traceId : Keys.ReadTraceId(reader.ReadSpan(16));
                builder.Add(new SpanRef(refTrace, new SpanId(reader.ReadUInt64BigEndian()), (SpanRefType)(kind & 1)));
            }

            references = builder.MoveToImmutable();
        }

        var tags = ReadKeyValues(ref reader);
        var logCount = reader.ReadCount(value.Length);
        var logs = ImmutableArray<Log>.Empty;
        if (logCount > 0)
        {
            var builder = ImmutableArray.CreateBuilder<Log>(logCount);
            for (var i = 0; i < logCount; i++)
            {
                var timestamp = unchecked(start + reader.ReadZigZag());
                builder.Add(new Log(timestamp, ReadKeyValues(ref reader)));
            }

            logs = builder.MoveToImmutable();
        }

        var warningCount = reader.ReadCount(value.Length);
        var warnings = ImmutableArray<string>.Empty;
        if (warningCount > 0)
        {
            var builder = ImmutableArray.CreateBuilder<string>(warningCount);
            for (var i = 0; i < warningCount; i++)
            {
                builder.Add(reader.ReadString());
            }

            warnings = builder.MoveToImmutable();
        }

        var span = new Span
        {
            TraceId = traceId,
            SpanId = spanId,
            OperationName = operation,
            Flags = flags,
            StartTimeMicros = start,
            DurationMicros = duration,
            Process = process,
        };

        // Empty collections stay default: the model reads them as empty, and nothing is allocated for them.
        if (!references.IsEmpty)
        {
            span.References = references;
        }

        if (!tags.IsEmpty)
        {
            span.Tags = tags;
        }

        if (!logs.IsEmpty)
        {
            span.Logs = logs;
        }

        if (!warnings.IsEmpty)
        {
            span.Warnings = warnings;
        }

        return span;
    }

    /// <summary>FNV-1a, 64 bits: the process dictionary's key.</summary>
    public static ulong Hash64(ReadOnlySpan<byte> bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>FNV-1a, 32 bits: tells apart different spans with one id.</summary>
    public static uint Hash32(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261U;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619U;
        }

        return hash;
    }

    private static void WriteKeyValues(ByteWriter writer, ImmutableArray<KeyValue> values)
    {
        writer.WriteVarint((ulong)values.Length);
        foreach (var kv in values)
        {
            writer.WriteString(kv.Key);
            var type = kv.Type;
            writer.WriteByte((byte)type);
            switch (type)
            {
                case KeyValueType.String:
                    writer.WriteString(kv.StringValue);
                    break;
                case KeyValueType.Bool:
                    writer.WriteByte(kv.BoolValue ? (byte)1 : (byte)0);
                    break;
                case KeyValueType.Int64:
                    writer.WriteZigZag(kv.Int64Value);
                    break;
                case KeyValueType.Float64:
                    writer.WriteUInt64BigEndian((ulong)BitConverter.DoubleToInt64Bits(kv.Float64Value));
                    break;
                default:
                    var bytes = kv.BinaryValue.Span;
                    writer.WriteVarint((ulong)bytes.Length);
                    writer.WriteBytes(bytes);
                    break;
            }
        }
    }

    private static ImmutableArray<KeyValue> ReadKeyValues(ref ByteReader reader)
    {
        var count = reader.ReadCount(1 << 20);
        if (count == 0)
        {
            return ImmutableArray<KeyValue>.Empty;
        }

        var builder = ImmutableArray.CreateBuilder<KeyValue>(count);
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            var type = (KeyValueType)reader.ReadByte();
            builder.Add(type switch
            {
                KeyValueType.String => KeyValue.String(key, reader.ReadString()),
                KeyValueType.Bool => KeyValue.Bool(key, reader.ReadByte() != 0),
                KeyValueType.Int64 => KeyValue.Int64(key, reader.ReadZigZag()),
                KeyValueType.Float64 => KeyValue.Float64(key, BitConverter.Int64BitsToDouble((long)reader.ReadUInt64BigEndian())),
                KeyValueType.Binary => KeyValue.Binary(key, reader.ReadLengthPrefixed().ToArray()),
                _ => throw new InvalidDataException($"Unknown key-value type {(byte)type} in the embedded store (corrupt data)."),
            });
        }

        return builder.MoveToImmutable();
    }

    private static void CheckFormat(byte format)
    {
        if (format != Format)
        {
            throw new InvalidDataException($"A record of the embedded store has format {format}; this version reads format {Format}.");
        }
    }
}
