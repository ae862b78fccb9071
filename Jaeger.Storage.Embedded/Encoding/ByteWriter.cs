using System.Buffers;
using System.Buffers.Binary;

namespace Jaeger.Storage.Embedded.Encoding;

/// <summary>A growable buffer from the shared pool, for keys and values; reused across a write call, returned on dispose.</summary>
internal sealed class ByteWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public ByteWriter(int capacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
    }

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Reset() => _length = 0;

    /// <summary>Cuts the buffer back to <paramref name="length"/> bytes (a key prefix kept for the next key).</summary>
    public void Truncate(int length) => _length = length;

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_length++] = (byte)value;
    }

    public void WriteZigZag(long value) => WriteVarint((ulong)((value << 1) ^ (value >> 63)));

    public void WriteUInt32BigEndian(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteUInt64BigEndian(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    /// <summary>A string as its UTF-8 byte count (varint) and bytes.</summary>
    public void WriteString(string value)
    {
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        Ensure(max + 5);
        var at = _length;

        // Short strings (the usual case) take a one-byte length; longer ones are measured first.
        if (max < 0x80)
        {
            var written = System.Text.Encoding.UTF8.GetBytes(value, _buffer.AsSpan(at + 1));
            _buffer[at] = (byte)written;
            _length = at + 1 + written;
            return;
        }

        var count = System.Text.Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)count);
        _length += System.Text.Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}

/// <summary>Reads what <see cref="ByteWriter"/> wrote; a malformed value throws <see cref="InvalidDataException"/>.</summary>
internal ref struct ByteReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ByteReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly bool AtEnd => _position >= _data.Length;

    public readonly ReadOnlySpan<byte> Remaining => _data[_position..];

    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw Truncated();
        }

        return _data[_position++];
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException("A varint of the embedded store is longer than 10 bytes.");
    }

    public long ReadZigZag()
    {
        var v = ReadVarint();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    public int ReadCount(int max = 1 << 24)
    {
        var v = ReadVarint();
        if (v > (ulong)max)
        {
            throw new InvalidDataException($"A count of {v} in the embedded store exceeds {max}.");
        }

        return (int)v;
    }

    public uint ReadUInt32BigEndian() => BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4));

    public ulong ReadUInt64BigEndian() => BinaryPrimitives.ReadUInt64BigEndian(ReadSpan(8));

    public ReadOnlySpan<byte> ReadSpan(int length)
    {
        if (length < 0 || _position + length > _data.Length)
        {
            throw Truncated();
        }

        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }

    public ReadOnlySpan<byte> ReadLengthPrefixed() => ReadSpan(ReadCount(_data.Length));

    public string ReadString()
    {
        var bytes = ReadLengthPrefixed();
        return Jaeger.Text.Utf8StringCache.Current.Get(bytes);
    }

    private static InvalidDataException Truncated() => new("A value of the embedded store ends early (corrupt data).");
}
