using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Jaeger.Thrift;

/// <summary>
/// Writes Thrift binary or compact protocol values straight into an <see cref="IBufferWriter{T}"/>: it keeps the span
/// the writer handed out and advances it only when it needs a new one (and in <see cref="Flush"/>), so encoding
/// allocates nothing.
/// </summary>
internal ref struct ThriftWriter
{
    private const int MinimumChunk = 4096;

    // A compact string up to this many UTF-16 chars has at most 126 UTF-8 bytes, so its varint length takes one byte.
    private const int ShortCompactString = 41;

    // Up to this many chars the binary protocol encodes into a buffer sized for the worst case, without counting first.
    private const int ShortBinaryString = 1024;

    private readonly IBufferWriter<byte> _output;
    private readonly bool _compact;
    private Span<byte> _span;
    private int _pos;
    private short _lastFieldId;

    public ThriftWriter(IBufferWriter<byte> output, ThriftProtocol protocol)
    {
        _output = output;
        _compact = protocol == ThriftProtocol.Compact;
        _span = default;
        _pos = 0;
        _lastFieldId = 0;
    }

    /// <summary>Commits the bytes written so far to the output.</summary>
    public void Flush()
    {
        if (_pos > 0)
        {
            _output.Advance(_pos);
        }

        _span = default;
        _pos = 0;
    }

    public void WriteMessageBegin(ReadOnlySpan<byte> utf8Name, byte messageType, int sequenceId)
    {
        if (_compact)
        {
            var d = Reserve(2 + 5 + 5 + utf8Name.Length);
            d[0] = ThriftConstants.CompactProtocolId;
            d[1] = (byte)(ThriftConstants.CompactVersion | (messageType << ThriftConstants.CompactTypeShift));
            var n = 2 + WriteVarint(d[2..], (uint)sequenceId);
            n += WriteVarint(d[n..], (uint)utf8Name.Length);
            utf8Name.CopyTo(d[n..]);
            _pos += n + utf8Name.Length;
        }
        else
        {
            var d = Reserve(4 + 4 + utf8Name.Length + 4);
            BinaryPrimitives.WriteUInt32BigEndian(d, ThriftConstants.BinaryVersion1 | messageType);
            BinaryPrimitives.WriteInt32BigEndian(d[4..], utf8Name.Length);
            utf8Name.CopyTo(d[8..]);
            BinaryPrimitives.WriteInt32BigEndian(d[(8 + utf8Name.Length)..], sequenceId);
            _pos += 12 + utf8Name.Length;
        }
    }

    /// <summary>Starts a struct; pass the result to <see cref="WriteStructEnd"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public short WriteStructBegin()
    {
        var saved = _lastFieldId;
        _lastFieldId = 0;
        return saved;
    }

    /// <summary>Writes the field stop and restores the enclosing struct's field id.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteStructEnd(short saved)
    {
        WriteRawByte(0);
        _lastFieldId = saved;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteFieldBegin(ThriftType type, short id)
    {
        if (_compact)
        {
            WriteCompactFieldHeader(ThriftConstants.ToCompact(type), id);
        }
        else
        {
            var d = Reserve(3);
            d[0] = (byte)type;
            BinaryPrimitives.WriteInt16BigEndian(d[1..], id);
            _pos += 3;
        }
    }

    public void WriteBoolField(short id, bool value)
    {
        if (_compact)
        {
            // The compact protocol folds a bool field's value into its header.
            WriteCompactFieldHeader(value ? ThriftConstants.CompactBooleanTrue : ThriftConstants.CompactBooleanFalse, id);
        }
        else
        {
            WriteFieldBegin(ThriftType.Bool, id);
            WriteRawByte(value ? (byte)1 : (byte)0);
        }
    }

    public void WriteI64Field(short id, long value)
    {
        WriteFieldBegin(ThriftType.I64, id);
        WriteI64(value);
    }

    public void WriteI32Field(short id, int value)
    {
        WriteFieldBegin(ThriftType.I32, id);
        WriteI32(value);
    }

    public void WriteStringField(short id, string value)
    {
        WriteFieldBegin(ThriftType.String, id);
        WriteString(value);
    }

    public void WriteListBegin(ThriftType elementType, int count)
    {
        if (_compact)
        {
            var d = Reserve(6);
            var code = ThriftConstants.ToCompact(elementType);
            if (count <= 14)
            {
                d[0] = (byte)((count << 4) | code);
                _pos += 1;
            }
            else
            {
                d[0] = (byte)(0xF0 | code);
                _pos += 1 + WriteVarint(d[1..], (uint)count);
            }
        }
        else
        {
            var d = Reserve(5);
            d[0] = (byte)elementType;
            BinaryPrimitives.WriteInt32BigEndian(d[1..], count);
            _pos += 5;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteI32(int value)
    {
        if (_compact)
        {
            var d = Reserve(5);
            _pos += WriteVarint(d, (uint)((value << 1) ^ (value >> 31)));
        }
        else
        {
            BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);
            _pos += 4;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteI64(long value)
    {
        if (_compact)
        {
            var d = Reserve(10);
            _pos += WriteVarint(d, (ulong)((value << 1) ^ (value >> 63)));
        }
        else
        {
            BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);
            _pos += 8;
        }
    }

    public void WriteDouble(double value)
    {
        var d = Reserve(8);
        if (_compact)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(d, value);
        }
        else
        {
            BinaryPrimitives.WriteDoubleBigEndian(d, value);
        }

        _pos += 8;
    }

    public void WriteString(string value)
    {
        if (_compact)
        {
            if (value.Length <= ShortCompactString)
            {
                var d = Reserve(1 + ((ShortCompactString + 1) * 3));
                var n = Encoding.UTF8.GetBytes(value, d[1..]);
                d[0] = (byte)n;
                _pos += 1 + n;
            }
            else
            {
                var count = Encoding.UTF8.GetByteCount(value);
                var d = Reserve(5 + count);
                var h = WriteVarint(d, (uint)count);
                Encoding.UTF8.GetBytes(value, d[h..]);
                _pos += h + count;
            }
        }
        else
        {
            var max = value.Length <= ShortBinaryString ? Encoding.UTF8.GetMaxByteCount(value.Length) : Encoding.UTF8.GetByteCount(value);
            var d = Reserve(4 + max);
            var n = Encoding.UTF8.GetBytes(value, d[4..]);
            BinaryPrimitives.WriteInt32BigEndian(d, n);
            _pos += 4 + n;
        }
    }

    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        var d = Reserve(5 + value.Length);
        int h;
        if (_compact)
        {
            h = WriteVarint(d, (uint)value.Length);
        }
        else
        {
            BinaryPrimitives.WriteInt32BigEndian(d, value.Length);
            h = 4;
        }

        value.CopyTo(d[h..]);
        _pos += h + value.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteRawByte(byte value)
    {
        Reserve(1)[0] = value;
        _pos++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteCompactFieldHeader(byte compactType, short id)
    {
        var d = Reserve(4);
        var delta = id - _lastFieldId;
        if (delta is > 0 and <= 15)
        {
            d[0] = (byte)((delta << 4) | compactType);
            _pos += 1;
        }
        else
        {
            d[0] = compactType;
            _pos += 1 + WriteVarint(d[1..], (uint)((id << 1) ^ (id >> 31)));
        }

        _lastFieldId = id;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int size)
    {
        if (_span.Length - _pos < size)
        {
            Grow(size);
        }

        return _span[_pos..];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int size)
    {
        Flush();
        _span = _output.GetSpan(Math.Max(size, MinimumChunk));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }
}
