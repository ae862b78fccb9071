using System.Globalization;
using System.Runtime.InteropServices;

namespace Jaeger.Model;

/// <summary>The type of a <see cref="KeyValue"/>. The order is the model's own; the Thrift and protobuf enums differ and are mapped by the codecs.</summary>
public enum KeyValueType : byte
{
    /// <summary>A string value.</summary>
    String = 0,

    /// <summary>A boolean value.</summary>
    Bool = 1,

    /// <summary>A 64-bit signed integer.</summary>
    Int64 = 2,

    /// <summary>A 64-bit floating-point number.</summary>
    Float64 = 3,

    /// <summary>An opaque byte array.</summary>
    Binary = 4,
}

/// <summary>
/// A typed tag or log field, in 24 bytes: the key, one reference and one 64-bit slot. A string or byte array value is
/// the reference (the slot then holds the type); a bool, int64 or float64 value is the slot, and the reference is a
/// shared marker naming the type. So an array of tags costs three words per tag.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct KeyValue : IEquatable<KeyValue>
{
    private static readonly TypeMarker BoolMarker = new(KeyValueType.Bool);
    private static readonly TypeMarker Int64Marker = new(KeyValueType.Int64);
    private static readonly TypeMarker Float64Marker = new(KeyValueType.Float64);

    private readonly object? _reference;
    private readonly long _bits;

    private KeyValue(string key, object reference, long bits)
    {
        Key = key ?? throw new ArgumentNullException(nameof(key));
        _reference = reference;
        _bits = bits;
    }

    /// <summary>The key.</summary>
    public string Key { get; }

    /// <summary>The value's type.</summary>
    public KeyValueType Type => _reference is TypeMarker marker ? marker.Type : (KeyValueType)_bits;

    /// <summary>The string value, or "" when the type is not <see cref="KeyValueType.String"/>.</summary>
    public string StringValue => _reference as string ?? string.Empty;

    /// <summary>The boolean value, or false when the type is not <see cref="KeyValueType.Bool"/>.</summary>
    public bool BoolValue => ReferenceEquals(_reference, BoolMarker) && _bits != 0;

    /// <summary>The integer value, or 0 when the type is not <see cref="KeyValueType.Int64"/>.</summary>
    public long Int64Value => ReferenceEquals(_reference, Int64Marker) ? _bits : 0;

    /// <summary>The floating-point value, or 0 when the type is not <see cref="KeyValueType.Float64"/>.</summary>
    public double Float64Value => ReferenceEquals(_reference, Float64Marker) ? BitConverter.Int64BitsToDouble(_bits) : 0;

    /// <summary>The bytes, or empty when the type is not <see cref="KeyValueType.Binary"/>.</summary>
    public ReadOnlyMemory<byte> BinaryValue => _reference is byte[] bytes ? bytes : ReadOnlyMemory<byte>.Empty;

    /// <summary>A string tag.</summary>
    public static KeyValue String(string key, string value) =>
        new(key, value ?? throw new ArgumentNullException(nameof(value)), (long)KeyValueType.String);

    /// <summary>A boolean tag.</summary>
    public static KeyValue Bool(string key, bool value) => new(key, BoolMarker, value ? 1 : 0);

    /// <summary>An integer tag.</summary>
    public static KeyValue Int64(string key, long value) => new(key, Int64Marker, value);

    /// <summary>A floating-point tag.</summary>
    public static KeyValue Float64(string key, double value) => new(key, Float64Marker, BitConverter.DoubleToInt64Bits(value));

    /// <summary>A binary tag. The array is kept, not copied.</summary>
    public static KeyValue Binary(string key, byte[] value) =>
        new(key, value ?? throw new ArgumentNullException(nameof(value)), (long)KeyValueType.Binary);

    /// <summary>The value as Jaeger renders it for tag search: strings as is, bools as true/false, numbers invariant, bytes as lower-case hex.</summary>
    public string ValueAsString() => Type switch
    {
        KeyValueType.String => (string)_reference!,
        KeyValueType.Bool => _bits != 0 ? "true" : "false",
        KeyValueType.Int64 => _bits.ToString(CultureInfo.InvariantCulture),
        KeyValueType.Float64 => BitConverter.Int64BitsToDouble(_bits).ToString("R", CultureInfo.InvariantCulture),
        KeyValueType.Binary => Convert.ToHexStringLower((byte[])_reference!),
        _ => string.Empty,
    };

    /// <summary>True when the value, rendered as by <see cref="ValueAsString"/>, equals <paramref name="text"/>; allocates nothing for strings and bools.</summary>
    public bool ValueEquals(string text) => Type switch
    {
        KeyValueType.String => string.Equals((string)_reference!, text, StringComparison.Ordinal),
        KeyValueType.Bool => string.Equals(_bits != 0 ? "true" : "false", text, StringComparison.Ordinal),
        _ => string.Equals(ValueAsString(), text, StringComparison.Ordinal),
    };

    /// <inheritdoc />
    public bool Equals(KeyValue other)
    {
        if (Type != other.Type || !string.Equals(Key, other.Key, StringComparison.Ordinal))
        {
            return false;
        }

        return Type switch
        {
            KeyValueType.String => string.Equals((string?)_reference, (string?)other._reference, StringComparison.Ordinal),
            KeyValueType.Binary => BinaryValue.Span.SequenceEqual(other.BinaryValue.Span),
            _ => _bits == other._bits,
        };
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is KeyValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Key, Type, _bits, Type == KeyValueType.String ? _reference : null);

    /// <summary>"key=value".</summary>
    public override string ToString() => $"{Key}={ValueAsString()}";

    /// <summary>Value equality.</summary>
    public static bool operator ==(KeyValue left, KeyValue right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(KeyValue left, KeyValue right) => !left.Equals(right);

    // Names the type of a value held in the 64-bit slot.
    private sealed class TypeMarker(KeyValueType type)
    {
        public KeyValueType Type { get; } = type;
    }
}
