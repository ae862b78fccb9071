using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Jaeger.Model;

/// <summary>
/// A 128-bit Jaeger trace id. A 64-bit id has <see cref="High"/> equal to zero.
/// The string form is lower-case hex: 16 characters when <see cref="High"/> is zero, else 32.
/// </summary>
public readonly struct TraceId : IEquatable<TraceId>, IComparable<TraceId>, ISpanFormattable, IUtf8SpanFormattable
{
    /// <summary>Creates a trace id from its two halves.</summary>
    public TraceId(ulong high, ulong low)
    {
        High = high;
        Low = low;
    }

    /// <summary>Creates a 64-bit trace id.</summary>
    public TraceId(ulong low)
        : this(0, low)
    {
    }

    /// <summary>The upper 64 bits; zero for a 64-bit id.</summary>
    public ulong High { get; }

    /// <summary>The lower 64 bits.</summary>
    public ulong Low { get; }

    /// <summary>True for the all-zero id, which Jaeger treats as invalid.</summary>
    public bool IsEmpty => High == 0 && Low == 0;

    /// <summary>True when the id needs all 128 bits.</summary>
    public bool Is128Bit => High != 0;

    /// <summary>The number of characters of <see cref="ToString()"/>.</summary>
    public int HexLength => High == 0 ? 16 : 32;

    /// <summary>Parses 1 to 32 hex characters (either case); more than 16 split into high and low halves.</summary>
    public static TraceId Parse(ReadOnlySpan<char> hex) =>
        TryParse(hex, out var id) ? id : throw new FormatException($"'{hex}' is not a trace id: expected 1 to 32 hex characters.");

    /// <summary>Parses 1 to 32 hex characters (either case); more than 16 split into high and low halves.</summary>
    public static bool TryParse([NotNullWhen(true)] string? hex, out TraceId id)
    {
        if (hex is null)
        {
            id = default;
            return false;
        }

        return TryParse(hex.AsSpan(), out id);
    }

    /// <summary>Parses 1 to 32 hex characters (either case); more than 16 split into high and low halves.</summary>
    public static bool TryParse(ReadOnlySpan<char> hex, out TraceId id)
    {
        id = default;
        if (hex.IsEmpty || hex.Length > 32)
        {
            return false;
        }

        ulong high = 0;
        if (hex.Length > 16)
        {
            if (!HexParser.TryParseUInt64(hex[..^16], out high))
            {
                return false;
            }

            hex = hex[^16..];
        }

        if (!HexParser.TryParseUInt64(hex, out var low))
        {
            return false;
        }

        id = new TraceId(high, low);
        return true;
    }

    /// <summary>Reads the 16-byte big-endian form (high then low), or the 8-byte form (low only).</summary>
    public static bool TryReadBytes(ReadOnlySpan<byte> bytes, out TraceId id)
    {
        switch (bytes.Length)
        {
            case 16:
                id = new TraceId(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
                return true;
            case 8:
                id = new TraceId(BinaryPrimitives.ReadUInt64BigEndian(bytes));
                return true;
            default:
                id = default;
                return false;
        }
    }

    /// <summary>Writes the 16-byte big-endian form (high then low).</summary>
    public void WriteBytes(Span<byte> destination)
    {
        if (destination.Length < 16)
        {
            throw new ArgumentException("A trace id needs 16 bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    /// <inheritdoc />
    public bool Equals(TraceId other) => High == other.High && Low == other.Low;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TraceId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (High ^ (Low * 0x9E3779B97F4A7C15UL)).GetHashCode();

    /// <inheritdoc />
    public int CompareTo(TraceId other)
    {
        var c = High.CompareTo(other.High);
        return c != 0 ? c : Low.CompareTo(other.Low);
    }

    /// <summary>Lower-case hex: 16 characters for a 64-bit id, 32 for a 128-bit id.</summary>
    public override string ToString() => string.Create(HexLength, this, static (span, id) => id.TryFormat(span, out _));

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Writes the lower-case hex form.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        if (High == 0)
        {
            return Low.TryFormat(destination, out charsWritten, "x16", CultureInfo.InvariantCulture);
        }

        if (destination.Length < 32)
        {
            charsWritten = 0;
            return false;
        }

        High.TryFormat(destination, out _, "x16", CultureInfo.InvariantCulture);
        Low.TryFormat(destination[16..], out _, "x16", CultureInfo.InvariantCulture);
        charsWritten = 32;
        return true;
    }

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        TryFormat(destination, out charsWritten);

    /// <summary>Writes the lower-case hex form as UTF-8.</summary>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten)
    {
        if (High == 0)
        {
            return Low.TryFormat(utf8Destination, out bytesWritten, "x16", CultureInfo.InvariantCulture);
        }

        if (utf8Destination.Length < 32)
        {
            bytesWritten = 0;
            return false;
        }

        High.TryFormat(utf8Destination, out _, "x16", CultureInfo.InvariantCulture);
        Low.TryFormat(utf8Destination[16..], out _, "x16", CultureInfo.InvariantCulture);
        bytesWritten = 32;
        return true;
    }

    /// <inheritdoc />
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        TryFormat(utf8Destination, out bytesWritten);

    /// <summary>Equality of both halves.</summary>
    public static bool operator ==(TraceId left, TraceId right) => left.Equals(right);

    /// <summary>Inequality of either half.</summary>
    public static bool operator !=(TraceId left, TraceId right) => !left.Equals(right);

    /// <summary>Orders by high, then low.</summary>
    public static bool operator <(TraceId left, TraceId right) => left.CompareTo(right) < 0;

    /// <summary>Orders by high, then low.</summary>
    public static bool operator >(TraceId left, TraceId right) => left.CompareTo(right) > 0;

    /// <summary>Orders by high, then low.</summary>
    public static bool operator <=(TraceId left, TraceId right) => left.CompareTo(right) <= 0;

    /// <summary>Orders by high, then low.</summary>
    public static bool operator >=(TraceId left, TraceId right) => left.CompareTo(right) >= 0;
}
