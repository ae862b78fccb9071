using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Jaeger.Storage.Cassandra.Protocol;

/// <summary>
/// A growable buffer that writes the protocol's notations (section 3 of the v4 spec), big-endian. Length prefixes
/// that depend on what follows are reserved first and filled in afterwards, so values are encoded in one pass.
/// Reused across frames (<see cref="Reset"/>); its array comes from the shared pool.
/// </summary>
internal sealed class CqlBufferWriter : IDisposable
{
    private byte[] _buffer;
    private int _position;

    public CqlBufferWriter(int initialCapacity = 512)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _position;

    /// <summary>The bytes written.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    /// <summary>The bytes written.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _position);

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Reset() => _position = 0;

    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Takes the next <paramref name="count"/> bytes, to be written in place by the caller.</summary>
    public Span<byte> Append(int count) => Reserve(count);

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    /// <summary>[short]: 2 bytes, unsigned.</summary>
    public void WriteShort(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    /// <summary>[int].</summary>
    public void WriteInt(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    /// <summary>[long].</summary>
    public void WriteLong(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleBigEndian(Reserve(8), value);

    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>UTF-8 text without any prefix (the cell bytes of text).</summary>
    public void WriteUtf8(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>[string]: a [short] byte count and UTF-8.</summary>
    public void WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        if (count > ushort.MaxValue)
        {
            throw new ArgumentException($"A [string] holds at most {ushort.MaxValue} UTF-8 bytes, not {count}.", nameof(value));
        }

        WriteShort((ushort)count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>[long string]: an [int] byte count and UTF-8.</summary>
    public void WriteLongString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteInt(count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>[bytes] / [value]: an [int] length and the bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt(value.Length);
        WriteRaw(value);
    }

    /// <summary>A null [bytes] / [value] (length -1).</summary>
    public void WriteNull() => WriteInt(-1);

    /// <summary>An unset [value] (length -2): the column keeps what it holds.</summary>
    public void WriteUnset() => WriteInt(-2);

    /// <summary>[short bytes].</summary>
    public void WriteShortBytes(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException("[short bytes] holds at most 65535 bytes.", nameof(value));
        }

        WriteShort((ushort)value.Length);
        WriteRaw(value);
    }

    /// <summary>[string list].</summary>
    public void WriteStringList(IReadOnlyList<string> values)
    {
        WriteShort(checked((ushort)values.Count));
        foreach (var value in values)
        {
            WriteString(value);
        }
    }

    /// <summary>[string map], in the order given.</summary>
    public void WriteStringMap(IReadOnlyList<KeyValuePair<string, string>> values)
    {
        WriteShort(checked((ushort)values.Count));
        foreach (var (key, value) in values)
        {
            WriteString(key);
            WriteString(value);
        }
    }

    /// <summary>[string multimap], in the order given.</summary>
    public void WriteStringMultimap(IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> values)
    {
        WriteShort(checked((ushort)values.Count));
        foreach (var (key, value) in values)
        {
            WriteString(key);
            WriteStringList(value);
        }
    }

    /// <summary>[inet]: address length, address bytes, [int] port.</summary>
    public void WriteInet(IPEndPoint endPoint)
    {
        Span<byte> address = stackalloc byte[16];
        endPoint.Address.TryWriteBytes(address, out var written);
        WriteByte((byte)written);
        WriteRaw(address[..written]);
        WriteInt(endPoint.Port);
    }

    /// <summary>Reserves an [int] length prefix; <see cref="EndLength"/> fills it with the count of bytes written after it.</summary>
    public int BeginLength()
    {
        var mark = _position;
        Reserve(4);
        return mark;
    }

    /// <summary>Overwrites a byte written earlier (a response's version byte, in test peers).</summary>
    public void PatchByte(int offset, byte value) => _buffer[offset] = value;

    /// <summary>Overwrites an [int] written earlier at <paramref name="offset"/>.</summary>
    public void PatchInt(int offset, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(offset, 4), value);

    /// <summary>Fills the length prefix reserved at <paramref name="mark"/>.</summary>
    public void EndLength(int mark) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(mark, 4), _position - mark - 4);

    /// <summary>Writes a v4 request header with a length placeholder; <see cref="EndFrame"/> fills the length.</summary>
    public int BeginFrame(CqlOpcode opcode, short streamId, CqlFrameFlags flags = CqlFrameFlags.None)
    {
        var start = _position;
        var header = Reserve(CqlFrame.HeaderLength);
        header[0] = CqlFrame.RequestVersion;
        header[1] = (byte)flags;
        BinaryPrimitives.WriteInt16BigEndian(header[2..], streamId);
        header[4] = (byte)opcode;
        return start;
    }

    /// <summary>Fills the body length of the frame begun at <paramref name="start"/>.</summary>
    public void EndFrame(int start)
    {
        var bodyLength = _position - start - CqlFrame.HeaderLength;
        if (bodyLength > CqlFrame.MaxBodyLength)
        {
            throw new InvalidOperationException($"A frame body of {bodyLength} bytes is over the protocol's 256 MB limit.");
        }

        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(start + 5, 4), bodyLength);
    }

    /// <summary>Overwrites the stream id of the frame at <paramref name="start"/>.</summary>
    public void SetStreamId(int start, short streamId) => BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(start + 2, 2), streamId);

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _position < count)
        {
            Grow(count);
        }

        var span = _buffer.AsSpan(_position, count);
        _position += count;
        return span;
    }

    private void Grow(int count)
    {
        var needed = (long)_position + count;
        var size = Math.Max(needed, Math.Max(_buffer.Length * 2L, 256));
        var next = ArrayPool<byte>.Shared.Rent((int)Math.Min(size, Array.MaxLength));
        _buffer.AsSpan(0, _position).CopyTo(next);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }
}
