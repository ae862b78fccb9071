using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace Jaeger.Storage.ClickHouse.Writing;

/// <summary>
/// A growable buffer from <see cref="ArrayPool{T}"/> holding values in ClickHouse's RowBinary encoding: integers and
/// floats little-endian, strings and array lengths as LEB128 lengths, booleans as one byte, DateTime64(9) as Int64
/// nanoseconds. Return it with <see cref="Dispose"/>.
/// </summary>
internal sealed class RowBinaryBuffer : IDisposable
{
    private byte[] _buffer;

    public RowBinaryBuffer(int capacity = 64 * 1024) => _buffer = ArrayPool<byte>.Shared.Rent(capacity);

    /// <summary>Bytes written.</summary>
    public int Length { get; private set; }

    /// <summary>What was written.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, Length);

    /// <summary>A read-only stream over what was written (valid until the buffer changes).</summary>
    public MemoryStream ToStream() => new(_buffer, 0, Length, writable: false);

    public void Clear() => Length = 0;

    /// <summary>Appends bytes (a span another buffer encoded).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        Length += bytes.Length;
    }

    public void WriteByte(byte value)
    {
        Reserve(1)[0] = value;
        Length++;
    }

    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
        Length += 4;
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
        Length += 8;
    }

    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);
        Length += 8;
    }

    /// <summary>A length (of a string or array), LEB128.</summary>
    public void WriteLength(int value)
    {
        var span = Reserve(5);
        var n = 0;
        var v = (uint)value;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[n++] = (byte)v;
        Length += n;
    }

    public void WriteString(string value)
    {
        if (value.Length <= 42)
        {
            // At most 126 UTF-8 bytes: the length is one byte, so encode in place and write the length before it.
            var span = Reserve(1 + (value.Length * 3));
            var count = Encoding.UTF8.GetBytes(value, span[1..]);
            span[0] = (byte)count;
            Length += 1 + count;
            return;
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        WriteLength(bytes);
        Encoding.UTF8.GetBytes(value, Reserve(bytes));
        Length += bytes;
    }

    /// <summary>Two strings as one: <paramref name="prefix"/> then <paramref name="value"/>.</summary>
    public void WriteString(string prefix, string value)
    {
        var prefixBytes = Encoding.UTF8.GetByteCount(prefix);
        var valueBytes = Encoding.UTF8.GetByteCount(value);
        WriteLength(prefixBytes + valueBytes);
        Encoding.UTF8.GetBytes(prefix, Reserve(prefixBytes));
        Length += prefixBytes;
        Encoding.UTF8.GetBytes(value, Reserve(valueBytes));
        Length += valueBytes;
    }

    /// <summary>Bytes as a base64 string.</summary>
    public void WriteBase64(ReadOnlySpan<byte> value)
    {
        var encoded = Base64.GetMaxEncodedToUtf8Length(value.Length);
        WriteLength(encoded);
        Base64.EncodeToUtf8(value, Reserve(encoded), out _, out var written);
        Length += written;
    }

    /// <summary>A 64-bit value as 16 lower-case hex digits (without the length).</summary>
    public void WriteHex16(ulong value)
    {
        value.TryFormat(Reserve(16), out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        Length += 16;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        Length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Span<byte> Reserve(int size)
    {
        if (_buffer.Length - Length < size)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + size));
            _buffer.AsSpan(0, Length).CopyTo(larger);
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = larger;
        }

        return _buffer.AsSpan(Length);
    }
}
