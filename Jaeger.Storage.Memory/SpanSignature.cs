using System.Collections.Immutable;
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

    public static ulong ForProcess(Process process)
    {
        var mask = Item(ServiceClass, 0, Text(process.ServiceName));
        return mask | ForTags(process.Tags);
    }

    public static ulong ForSpan(Span span, ulong processSignature)
    {
        var mask = processSignature | Item(OperationClass, 0, Text(span.OperationName)) | ForTags(span.Tags);
        foreach (var log in span.Logs)
        {
            mask |= ForTags(log.Fields);
        }

        return mask;
    }

    public static ulong Service(string serviceName) => Item(ServiceClass, 0, Text(serviceName));

    public static ulong Operation(string operationName) => Item(OperationClass, 0, Text(operationName));

    /// <summary>The bits a string, bool or binary value with this text sets.</summary>
    public static ulong TextValue(string key, string text) => Item(TextClass, Text(key), Text(text));

    public static ulong IntValue(string key, long value) => Item(IntClass, Text(key), value.GetHashCode());

    public static ulong FloatValue(string key, double value) => Item(FloatClass, Text(key), FloatHash(value));

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
        switch (tag.Type)
        {
            case KeyValueType.String:
                return Item(TextClass, Text(tag.Key), Text(tag.StringValue));
            case KeyValueType.Bool:
                return Item(TextClass, Text(tag.Key), Text(tag.BoolValue ? "true" : "false"));
            case KeyValueType.Int64:
                return Item(IntClass, Text(tag.Key), tag.Int64Value.GetHashCode());
            case KeyValueType.Float64:
                return Item(FloatClass, Text(tag.Key), FloatHash(tag.Float64Value));
            default:
                var bytes = tag.BinaryValue.Span;
                if (bytes.Length > 128)
                {
                    // Too long to render on the stack: all bits, so the span is always read.
                    return ulong.MaxValue;
                }

                Span<char> hex = stackalloc char[bytes.Length * 2];
                Convert.TryToHexStringLower(bytes, hex, out _);
                return Item(TextClass, Text(tag.Key), string.GetHashCode(hex));
        }
    }

    private static int Text(string text) => string.GetHashCode(text.AsSpan());

    private static int FloatHash(double value) =>
        (double.IsNaN(value) ? NaNBits : BitConverter.DoubleToInt64Bits(value)).GetHashCode();

    /// <summary>Two bits chosen by a mixed hash of the value's class, key and value.</summary>
    private static ulong Item(int valueClass, int key, int value)
    {
        var h = (uint)HashCode.Combine(valueClass, key, value);
        return (1UL << (int)(h & 63)) | (1UL << (int)((h >> 6) & 63));
    }
}
