using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Jaeger.Model;

namespace Jaeger.Storage.Memory;

/// <summary>
/// A 64-bit Bloom filter per span over its service, operation, and every tag, process tag and log field (key and
/// value). A search tests it first and reads the span itself only when every condition may hold, so rejecting a span
/// touches 8 contiguous bytes instead of the span's objects. Never a false negative: a value sets the bits of the
/// text it renders as (strings, bools, binary as hex), or of its number (int64, float64), and a query sets the
/// bits of every reading of its text.
/// </summary>
internal static class SpanSignature
{
    private const int TextClass = 0;
    private const int IntClass = 1;
    private const int FloatClass = 2;
    private const int ServiceClass = 3;
    private const int OperationClass = 4;

    // Canonical NaN, so every NaN sets the same bits; the search compares NaN with NaN as equal text ("NaN").
    private static readonly long NaNBits = BitConverter.DoubleToInt64Bits(double.NaN);

    /// <summary>The <see cref="Text"/> hash of "true".</summary>
    public static readonly int TrueHash = Text("true");

    /// <summary>The <see cref="Text"/> hash of "false".</summary>
    public static readonly int FalseHash = Text("false");

    public static ulong ForProcess(Process process)
    {
        var mask = Item(ServiceClass, 0, Text(process.ServiceName));
        return mask | ForTags(process.Tags);
    }

    /// <summary>The bits of a span whose tags and log fields were not encoded (tests; the store has the encoder compute them).</summary>
    public static ulong ForSpan(Span span, ulong processSignature)
    {
        var mask = processSignature | Operation(Text(span.OperationName)) | ForTags(span.Tags);
        foreach (var log in span.Logs)
        {
            mask |= ForTags(log.Fields);
        }

        return mask;
    }

    public static ulong Service(string serviceName) => Item(ServiceClass, 0, Text(serviceName));

    public static ulong Operation(string operationName) => Operation(Text(operationName));

    /// <summary>The bits of an operation name whose <see cref="Text"/> hash is <paramref name="nameHash"/>.</summary>
    public static ulong Operation(int nameHash) => Item(OperationClass, 0, nameHash);

    /// <summary>The bits a string, bool or binary value with this text sets.</summary>
    public static ulong TextValue(string key, string text) => Item(TextClass, Text(key), Text(text));

    /// <summary>The bits a string, bool or binary value sets, from the <see cref="Text"/> hashes of its key and text.</summary>
    public static ulong TextValue(int keyHash, int textHash) => Item(TextClass, keyHash, textHash);

    public static ulong IntValue(string key, long value) => IntValue(Text(key), value);

    public static ulong IntValue(int keyHash, long value) => Item(IntClass, keyHash, value.GetHashCode());

    public static ulong FloatValue(string key, double value) => FloatValue(Text(key), value);

    public static ulong FloatValue(int keyHash, double value) => Item(FloatClass, keyHash, FloatHash(value));

    /// <summary>The bits of a binary value: those of its lower-case hex text, or all bits when it is too long to render on the stack (the span is then always read).</summary>
    public static ulong BinaryValue(int keyHash, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 128)
        {
            return ulong.MaxValue;
        }

        Span<char> hex = stackalloc char[bytes.Length * 2];
        Convert.TryToHexStringLower(bytes, hex, out _);
        return Item(TextClass, keyHash, Text(hex));
    }

    /// <summary>
    /// The hash every text goes through: the same for the same characters in every process (it is kept nowhere but
    /// in memory, and a collision only makes a search read a span it did not need to). Eight bytes of UTF-16 at a time.
    /// </summary>
    public static int Text(ReadOnlySpan<char> text)
    {
        var bytes = MemoryMarshal.AsBytes(text);
        var h = 0x9E3779B97F4A7C15UL ^ (ulong)bytes.Length;
        while (bytes.Length >= 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes)) * 0xFF51AFD7ED558CCDUL;
            h ^= h >> 32;
            bytes = bytes[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            tail |= (ulong)bytes[i] << (i * 8);
        }

        h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 29;
        return unchecked((int)h ^ (int)(h >> 32));
    }

    private static ulong ForTags(ImmutableArray<KeyValue> tags)
    {
        ulong mask = 0;
        foreach (var tag in tags)
        {
            mask |= ForTag(tag);
        }

        return mask;
    }

    private static ulong ForTag(in KeyValue tag)
    {
        var key = Text(tag.Key);
        return tag.Type switch
        {
            KeyValueType.String => TextValue(key, Text(tag.StringValue)),
            KeyValueType.Bool => TextValue(key, tag.BoolValue ? TrueHash : FalseHash),
            KeyValueType.Int64 => IntValue(key, tag.Int64Value),
            KeyValueType.Float64 => FloatValue(key, tag.Float64Value),
            _ => BinaryValue(key, tag.BinaryValue.Span),
        };
    }

    private static int FloatHash(double value) =>
        (double.IsNaN(value) ? NaNBits : BitConverter.DoubleToInt64Bits(value)).GetHashCode();

    /// <summary>Two bits chosen by a mixed hash of the value's class, key and value.</summary>
    private static ulong Item(int valueClass, int key, int value)
    {
        var h = ((((ulong)(uint)key << 32) | (uint)value) ^ ((ulong)valueClass * 0x9E3779B97F4A7C15UL)) * 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 29;
        return (1UL << (int)(h & 63)) | (1UL << (int)((h >> 6) & 63));
    }
}
