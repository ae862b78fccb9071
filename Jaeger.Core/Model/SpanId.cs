using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Jaeger.Model;

/// <summary>A 64-bit Jaeger span id; its string form is 16 lower-case hex characters.</summary>
public readonly struct SpanId : IEquatable<SpanId>, IComparable<SpanId>, ISpanFormattable, IUtf8SpanFormattable
{
    /// <summary>Creates a span id.</summary>
    public SpanId(ulong value) => Value = value;

    /// <summary>The id as an unsigned number.</summary>
    public ulong Value { get; }

    /// <summary>True for zero, which means "no span" (for example no parent).</summary>
    public bool IsEmpty => Value == 0;

    /// <summary>Parses 1 to 16 hex characters.</summary>
    public static SpanId Parse(ReadOnlySpan<char> hex) =>
        TryParse(hex, out var id) ? id : throw new FormatException($"'{hex}' is not a span id: expected 1 to 16 hex characters.");

    /// <summary>Parses 1 to 16 hex characters.</summary>
    public static bool TryParse([NotNullWhen(true)] string? hex, out SpanId id)
    {
        if (hex is null)
        {
            id = default;
            return false;
        }

        return TryParse(hex.AsSpan(), out id);
    }

    /// <summary>Parses 1 to 16 hex characters.</summary>
    public static bool TryParse(ReadOnlySpan<char> hex, out SpanId id)
    {
        var ok = HexParser.TryParseUInt64(hex, out var value);
        id = new SpanId(value);
        return ok;
    }

    /// <summary>Reads the 8-byte big-endian form.</summary>
    public static bool TryReadBytes(ReadOnlySpan<byte> bytes, out SpanId id)
    {
        if (bytes.Length != 8)
        {
            id = default;
            return false;
        }

        id = new SpanId(BinaryPrimitives.ReadUInt64BigEndian(bytes));
        return true;
    }

    /// <summary>Writes the 8-byte big-endian form.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        if (destination.Length < 8)
        {
            throw new ArgumentException("A span id needs 8 bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, Value);
    }

    /// <inheritdoc />
    public bool Equals(SpanId other) => Value == other.Value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SpanId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc />
    public int CompareTo(SpanId other) => Value.CompareTo(other.Value);

    /// <summary>16 lower-case hex characters.</summary>
    public override string ToString() => Value.ToString("x16", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Writes 16 lower-case hex characters.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten) =>
        Value.TryFormat(destination, out charsWritten, "x16", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        TryFormat(destination, out charsWritten);

    /// <summary>Writes 16 lower-case hex characters as UTF-8.</summary>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten) =>
        Value.TryFormat(utf8Destination, out bytesWritten, "x16", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        TryFormat(utf8Destination, out bytesWritten);

    /// <summary>Equality.</summary>
    public static bool operator ==(SpanId left, SpanId right) => left.Value == right.Value;

    /// <summary>Inequality.</summary>
    public static bool operator !=(SpanId left, SpanId right) => left.Value != right.Value;

    /// <summary>Numeric order.</summary>
    public static bool operator <(SpanId left, SpanId right) => left.Value < right.Value;

    /// <summary>Numeric order.</summary>
    public static bool operator >(SpanId left, SpanId right) => left.Value > right.Value;

    /// <summary>Numeric order.</summary>
    public static bool operator <=(SpanId left, SpanId right) => left.Value <= right.Value;

    /// <summary>Numeric order.</summary>
    public static bool operator >=(SpanId left, SpanId right) => left.Value >= right.Value;
}
