using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Jaeger.Storage.Cassandra.Protocol;

/// <summary>A response body or value could not be read: it is shorter than it claims, or malformed.</summary>
internal sealed class CqlProtocolException(string message) : Exception(message);

/// <summary>Reads the protocol's notations from a body; every length is checked against what is left before use.</summary>
internal ref struct CqlReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public CqlReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadShort() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public int ReadInt() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadLong() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public string ReadString() => Utf8(Take(ReadShort()));

    public string ReadLongString()
    {
        var length = ReadInt();
        if (length < 0)
        {
            throw new CqlProtocolException($"A [long string] has a negative length {length}.");
        }

        return Utf8(Take(length));
    }

    /// <summary>[bytes]; false for null (negative length).</summary>
    public bool TryReadBytes(out ReadOnlySpan<byte> bytes)
    {
        var length = ReadInt();
        if (length < 0)
        {
            bytes = default;
            return false;
        }

        bytes = Take(length);
        return true;
    }

    /// <summary>[bytes] as the offset and length inside the body; length -1 for null.</summary>
    public (int Offset, int Length) ReadBytesSlice()
    {
        var length = ReadInt();
        if (length < 0)
        {
            return (_position, -1);
        }

        var offset = _position;
        Take(length);
        return (offset, length);
    }

    public byte[]? ReadBytesOrNull() => TryReadBytes(out var bytes) ? bytes.ToArray() : null;

    public byte[] ReadShortBytes() => Take(ReadShort()).ToArray();

    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    public List<string> ReadStringList()
    {
        int count = ReadShort();
        var list = new List<string>(Math.Min(count, Remaining / 2));
        for (var i = 0; i < count; i++)
        {
            list.Add(ReadString());
        }

        return list;
    }

    public Dictionary<string, string> ReadStringMap()
    {
        int count = ReadShort();
        var map = new Dictionary<string, string>(Math.Min(count, Remaining / 4), StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var key = ReadString();
            map[key] = ReadString();
        }

        return map;
    }

    public Dictionary<string, List<string>> ReadStringMultimap()
    {
        int count = ReadShort();
        var map = new Dictionary<string, List<string>>(Math.Min(count, Remaining / 4), StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var key = ReadString();
            map[key] = ReadStringList();
        }

        return map;
    }

    public Dictionary<string, byte[]?> ReadBytesMap()
    {
        int count = ReadShort();
        var map = new Dictionary<string, byte[]?>(Math.Min(count, Remaining / 6), StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var key = ReadString();
            map[key] = ReadBytesOrNull();
        }

        return map;
    }

    public IPEndPoint ReadInet()
    {
        int size = ReadByte();
        if (size != 4 && size != 16)
        {
            throw new CqlProtocolException($"An [inet] address has {size} bytes, not 4 or 16.");
        }

        var address = new IPAddress(Take(size));
        return new IPEndPoint(address, ReadInt());
    }

    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _data.Length - _position)
        {
            throw new CqlProtocolException($"The body ends early: {count} bytes wanted at offset {_position}, {_data.Length - _position} left.");
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new CqlProtocolException("A string is not valid UTF-8.");
        }
    }
}
