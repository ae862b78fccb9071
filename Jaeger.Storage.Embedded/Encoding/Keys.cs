using System.Buffers.Binary;
using Jaeger.Model;

namespace Jaeger.Storage.Embedded.Encoding;

/// <summary>
/// The key layout. Every key of the <c>spans</c> and <c>index</c> column families starts with its time bucket (the
/// hour of the span start, or of the record's timestamp, as a big-endian u32), so retention removes a whole old
/// range with one DeleteRange and gets the space back with one CompactRange.
/// </summary>
/// <remarks>
/// <code>
/// spans:  [bucket 4][trace id 16][span id 8][content hash 4]              -> encoded span (SpanCodec)
/// index:  [bucket 4][0x01][service][~first 8][trace id 16][spread][min duration][max duration]            -> empty
///         [bucket 4][0x02][service][operation][~first][trace id][spread][min duration][max duration]  -> empty
///         [bucket 4][0x03][service][key][value][~first][trace id][spread][min duration][max duration] -> empty  span tags, log fields
///         [bucket 4][0x04][service][key][value][~first][trace id][spread][min duration][max duration] -> empty  process tags
///                  one entry per distinct service, operation or tag of a run of one trace's spans in a batch (see
///                  MaxEntrySpreadMicros), at the first start of the run's spans that have it, in that start's bucket
///         [bucket 4][0x10][service]                                        -> empty   services of the bucket
///         [bucket 4][0x11][service][span kind][operation]                  -> empty   operations of the bucket
///         [bucket 4][0x12][process hash 8]                                 -> encoded process (the bucket's process dictionary)
///         [bucket 4][0x20][timestamp 8][random 8]                          -> written dependency links
///         [bucket 4][0x21][timestamp 8][random 8]                          -> sampling throughput
/// default: [0x01]                                                          -> latest sampling probabilities
/// </code>
/// Strings are a varint byte count and UTF-8 bytes. <c>~start</c> is the span start (microseconds) made unsigned
/// and inverted, big-endian: ascending keys are newest first. Spread (the latest start minus the first of the spans the
/// entry stands for) and the shortest and longest of their durations are varints, last, so the key's length ends them.
/// The content hash tells apart two different spans with one id (Zipkin's shared client/server spans), while the
/// same span written twice (a retried write) lands on the same key.
/// </remarks>
internal static class Keys
{
    public const byte ServiceIndex = 0x01;
    public const byte OperationIndex = 0x02;
    public const byte TagIndex = 0x03;
    public const byte ProcessTagIndex = 0x04;
    public const byte ServiceName = 0x10;
    public const byte OperationName = 0x11;
    public const byte ProcessEntry = 0x12;
    public const byte Dependencies = 0x20;
    public const byte Throughput = 0x21;

    public const byte LatestProbabilities = 0x01;

    public const long BucketMicros = 3_600_000_000L;

    /// <summary>
    /// The widest run of one trace's spans (latest start minus first start) whose index entries are written once per
    /// distinct service, operation and tag, at the first start; a wider run indexes each span. A search therefore walks
    /// entries down to this much before its window: a span in the window has an entry no earlier than that.
    /// </summary>
    public const long MaxEntrySpreadMicros = BucketMicros;

    public const int TracePrefixLength = 20;

    public const int SpanKeyLength = 32;

    /// <summary>Tag keys and values longer than this (UTF-8 bytes) are not indexed; a search for one is answered by verifying spans.</summary>
    public const int MaxIndexedTagBytes = 256;

    /// <summary>The bucket (hour since the Unix epoch) of a time in microseconds, clamped to u32.</summary>
    public static uint Bucket(long micros)
    {
        if (micros <= 0)
        {
            return 0;
        }

        var hour = micros / BucketMicros;
        return hour >= uint.MaxValue ? uint.MaxValue : (uint)hour;
    }

    public static long BucketStartMicros(uint bucket) => bucket * BucketMicros;

    public static ulong InvertStart(long startMicros) => ~((ulong)startMicros ^ 0x8000_0000_0000_0000UL);

    public static long StartFromInverted(ulong inverted) => (long)(~inverted ^ 0x8000_0000_0000_0000UL);

    public static void WriteTraceId(ByteWriter writer, TraceId traceId)
    {
        writer.WriteUInt64BigEndian(traceId.High);
        writer.WriteUInt64BigEndian(traceId.Low);
    }

    public static TraceId ReadTraceId(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    /// <summary>[bucket][trace id]: the prefix of every span of a trace in one bucket.</summary>
    public static byte[] TracePrefix(uint bucket, TraceId traceId)
    {
        var key = new byte[TracePrefixLength];
        BinaryPrimitives.WriteUInt32BigEndian(key, bucket);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(4), traceId.High);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(12), traceId.Low);
        return key;
    }

    /// <summary>The first key of a bucket (also the end, exclusive, of the bucket before it).</summary>
    public static byte[] BucketStart(uint bucket)
    {
        var key = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(key, bucket);
        return key;
    }

    /// <summary>The key after every key of buckets up to and including <paramref name="bucket"/>.</summary>
    public static byte[] AfterBucket(uint bucket) =>
        bucket == uint.MaxValue ? [0xFF, 0xFF, 0xFF, 0xFF, 0xFF] : BucketStart(bucket + 1);

    /// <summary>The key of a bucket's record kind, with the record's string fields: the prefix a range read walks.</summary>
    public static byte[] RecordPrefix(uint bucket, byte kind, string? first = null, string? second = null, string? third = null)
    {
        using var writer = new ByteWriter(64);
        writer.WriteUInt32BigEndian(bucket);
        writer.WriteByte(kind);
        if (first is not null)
        {
            writer.WriteString(first);
        }

        if (second is not null)
        {
            writer.WriteString(second);
        }

        if (third is not null)
        {
            writer.WriteString(third);
        }

        return writer.Written.ToArray();
    }

    /// <summary>The first key after every key that starts with <paramref name="prefix"/>.</summary>
    public static byte[] PrefixEnd(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] != 0xFF)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }

        return [.. prefix, 0xFF];
    }

    /// <summary>The entry suffix after the prefix: [~first 8][trace id 16][spread][min duration][max duration] (varints).</summary>
    public static void WriteEntrySuffix(ByteWriter writer, long firstMicros, TraceId traceId, long spreadMicros, long minDurationMicros, long maxDurationMicros)
    {
        writer.WriteUInt64BigEndian(InvertStart(firstMicros));
        WriteTraceId(writer, traceId);
        writer.WriteZigZag(spreadMicros);
        writer.WriteZigZag(minDurationMicros);
        writer.WriteZigZag(maxDurationMicros);
    }

    /// <summary>A timestamp as an order-preserving unsigned number (big-endian in keys).</summary>
    public static ulong OrderedMicros(long micros) => (ulong)micros ^ 0x8000_0000_0000_0000UL;

    /// <summary>Reads an index entry's suffix; false when the key is malformed.</summary>
    public static bool TryReadEntrySuffix(ReadOnlySpan<byte> suffix, out IndexEntry entry)
    {
        if (suffix.Length < 27)
        {
            entry = default;
            return false;
        }

        var reader = new ByteReader(suffix[24..]);
        entry = new IndexEntry(
            StartFromInverted(BinaryPrimitives.ReadUInt64BigEndian(suffix)),
            ReadTraceId(suffix[8..]),
            reader.ReadZigZag(),
            reader.ReadZigZag(),
            reader.ReadZigZag());
        return true;
    }

    /// <summary>The UTF-8 byte count of a string, or -1 when it exceeds <paramref name="max"/> (checked without encoding long strings).</summary>
    public static int Utf8LengthAtMost(string value, int max)
    {
        if (value.Length > max)
        {
            return -1;
        }

        var count = System.Text.Encoding.UTF8.GetByteCount(value);
        return count > max ? -1 : count;
    }

    /// <summary>True when <paramref name="key"/> and <paramref name="value"/> are short enough to be in the tag index.</summary>
    public static bool IsIndexable(string key, string value) =>
        Utf8LengthAtMost(key, MaxIndexedTagBytes) >= 0 && Utf8LengthAtMost(value, MaxIndexedTagBytes) >= 0;
}

/// <summary>What an index entry says: a trace has spans starting from <paramref name="FirstMicros"/> to spread later, with durations in a range.</summary>
internal readonly record struct IndexEntry(long FirstMicros, TraceId TraceId, long SpreadMicros, long MinDurationMicros, long MaxDurationMicros)
{
    /// <summary>The latest start of the spans the entry stands for.</summary>
    public long LastMicros => FirstMicros > long.MaxValue - SpreadMicros ? long.MaxValue : FirstMicros + SpreadMicros;
}
