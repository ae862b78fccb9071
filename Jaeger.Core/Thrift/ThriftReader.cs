using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Jaeger.Text;

namespace Jaeger.Thrift;

/// <summary>
/// Reads Thrift binary or compact protocol values from untrusted bytes. Every method returns false on bad input and
/// leaves the reason in <see cref="Error"/>: lengths and counts are checked against the bytes left before anything is
/// allocated, nesting is bounded, and every loop consumes input, so a read can neither crash, hang nor over-allocate.
/// </summary>
internal ref struct ThriftReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly bool _compact;
    private readonly ThriftReaderLimits _limits;
    private int _pos;
    private short _lastFieldId;
    private int _depth;

    // The compact protocol carries a bool field's value in its header: 0 none pending, 1 false, 2 true.
    private byte _pendingBool;

    public ThriftReader(ReadOnlySpan<byte> buffer, ThriftProtocol protocol, ThriftReaderLimits limits)
    {
        _buffer = buffer;
        _compact = protocol == ThriftProtocol.Compact;
        _limits = limits;
        _pos = 0;
        _lastFieldId = 0;
        _depth = 0;
        _pendingBool = 0;
        Error = default;
    }

    public ThriftDecodeError Error { get; private set; }

    public readonly bool IsCompact => _compact;

    public readonly ThriftReaderLimits Limits => _limits;

    public readonly int Position => _pos;

    private readonly int Remaining => _buffer.Length - _pos;

    public bool Fail(ThriftDecodeErrorKind kind, string message)
    {
        if (!Error.IsError)
        {
            Error = new ThriftDecodeError(kind, $"{message} (at byte {_pos})");
        }

        return false;
    }

    public bool ReadMessageBegin(out bool nameIsEmitBatch, out byte messageType, out int sequenceId)
    {
        nameIsEmitBatch = false;
        messageType = 0;
        sequenceId = 0;
        if (_compact)
        {
            if (!ReadRawByte(out var protocolId) || !ReadRawByte(out var versionAndType))
            {
                return false;
            }

            if (protocolId != ThriftConstants.CompactProtocolId)
            {
                return Fail(ThriftDecodeErrorKind.InvalidData, $"expected the compact protocol id 0x82, found 0x{protocolId:x2}");
            }

            if ((versionAndType & ThriftConstants.CompactVersionMask) != ThriftConstants.CompactVersion)
            {
                return Fail(ThriftDecodeErrorKind.InvalidData, $"unsupported compact protocol version {versionAndType & ThriftConstants.CompactVersionMask}");
            }

            messageType = (byte)((versionAndType >> ThriftConstants.CompactTypeShift) & 0x07);
            if (!ReadVarint32(out var seq))
            {
                return false;
            }

            sequenceId = (int)seq;
            if (!ReadBytes(out var name))
            {
                return false;
            }

            nameIsEmitBatch = name.SequenceEqual("emitBatch"u8);
            return true;
        }

        if (!ReadRawI32(out var first))
        {
            return false;
        }

        if (first < 0)
        {
            if (((uint)first & ThriftConstants.BinaryVersionMask) != ThriftConstants.BinaryVersion1)
            {
                return Fail(ThriftDecodeErrorKind.InvalidData, $"unsupported binary protocol version 0x{(uint)first:x8}");
            }

            messageType = (byte)(first & 0xFF);
            if (!ReadBytes(out var name) || !ReadRawI32(out sequenceId))
            {
                return false;
            }

            nameIsEmitBatch = name.SequenceEqual("emitBatch"u8);
            return true;
        }

        // The old non-strict form: the name's length comes first, then the name, the type byte and the sequence id.
        if (!CheckLength(first, out var length))
        {
            return false;
        }

        nameIsEmitBatch = _buffer.Slice(_pos, length).SequenceEqual("emitBatch"u8);
        _pos += length;
        return ReadRawByte(out messageType) && ReadRawI32(out sequenceId);
    }

    /// <summary>Enters a struct; pass the result to <see cref="ReadStructEnd"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadStructBegin(out short saved)
    {
        saved = _lastFieldId;
        _lastFieldId = 0;
        return Enter();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReadStructEnd(short saved)
    {
        _lastFieldId = saved;
        _depth--;
    }

    /// <summary>Reads a field header; <paramref name="type"/> is <see cref="ThriftType.Stop"/> at the struct's end.</summary>
    public bool ReadFieldBegin(out ThriftType type, out short id)
    {
        id = 0;
        type = ThriftType.Stop;
        if (!ReadRawByte(out var b))
        {
            return false;
        }

        if (b == 0)
        {
            return true;
        }

        if (_compact)
        {
            var code = b & 0x0F;
            if (!ThriftConstants.TryFromCompact(code, out type))
            {
                return Fail(ThriftDecodeErrorKind.InvalidType, $"invalid compact field type {code}");
            }

            var delta = b >> 4;
            if (delta != 0)
            {
                id = (short)(_lastFieldId + delta);
            }
            else
            {
                if (!ReadVarint32(out var raw))
                {
                    return false;
                }

                id = (short)ZigZag32(raw);
            }

            if (type == ThriftType.Bool)
            {
                _pendingBool = code == ThriftConstants.CompactBooleanTrue ? (byte)2 : (byte)1;
            }

            _lastFieldId = id;
            return true;
        }

        if (!ThriftConstants.IsBinaryType(b))
        {
            return Fail(ThriftDecodeErrorKind.InvalidType, $"invalid field type {b}");
        }

        type = (ThriftType)b;
        if (Remaining < 2)
        {
            return Truncated();
        }

        id = BinaryPrimitives.ReadInt16BigEndian(_buffer[_pos..]);
        _pos += 2;
        return true;
    }

    /// <summary>
    /// Reads a list (or set) header and enters it; <paramref name="minElementSize"/> is the fewest bytes one
    /// element can take, so a count the remaining input cannot hold is rejected before anything is allocated.
    /// </summary>
    public bool ReadListBegin(out ThriftType elementType, out int count, int minElementSize)
    {
        elementType = ThriftType.Stop;
        count = 0;
        if (_compact)
        {
            if (!ReadRawByte(out var b))
            {
                return false;
            }

            var code = b & 0x0F;
            var size = b >> 4;
            if (size == 15)
            {
                if (!ReadVarint32(out var raw))
                {
                    return false;
                }

                if (raw > int.MaxValue)
                {
                    return Fail(ThriftDecodeErrorKind.InvalidLength, $"list count {raw} is out of range");
                }

                size = (int)raw;
            }

            if (!ThriftConstants.TryFromCompact(code, out elementType))
            {
                if (size != 0 || code != 0)
                {
                    return Fail(ThriftDecodeErrorKind.InvalidType, $"invalid compact list element type {code}");
                }
            }

            count = size;
        }
        else
        {
            if (!ReadRawByte(out var b) || !ReadRawI32(out count))
            {
                return false;
            }

            if (!ThriftConstants.IsBinaryType(b))
            {
                return Fail(ThriftDecodeErrorKind.InvalidType, $"invalid list element type {b}");
            }

            elementType = (ThriftType)b;
        }

        return CheckCount(count, minElementSize) && Enter();
    }

    public void ReadListEnd() => _depth--;

    public bool ReadBool(out bool value)
    {
        if (_pendingBool != 0)
        {
            value = _pendingBool == 2;
            _pendingBool = 0;
            return true;
        }

        if (!ReadRawByte(out var b))
        {
            value = false;
            return false;
        }

        value = b == 1;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadI32(out int value)
    {
        if (_compact)
        {
            var ok = ReadVarint32(out var raw);
            value = ZigZag32(raw);
            return ok;
        }

        return ReadRawI32(out value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadI64(out long value)
    {
        if (_compact)
        {
            var ok = ReadVarint64(out var raw);
            value = (long)(raw >> 1) ^ -(long)(raw & 1);
            return ok;
        }

        if (Remaining < 8)
        {
            value = 0;
            return Truncated();
        }

        value = BinaryPrimitives.ReadInt64BigEndian(_buffer[_pos..]);
        _pos += 8;
        return true;
    }

    public bool ReadDouble(out double value)
    {
        if (Remaining < 8)
        {
            value = 0;
            return Truncated();
        }

        var bytes = _buffer.Slice(_pos, 8);
        value = _compact ? BinaryPrimitives.ReadDoubleLittleEndian(bytes) : BinaryPrimitives.ReadDoubleBigEndian(bytes);
        _pos += 8;
        return true;
    }

    /// <summary>Reads a string; invalid UTF-8 is replaced with U+FFFD.</summary>
    public bool ReadString(out string value)
    {
        value = string.Empty;
        if (!ReadBytes(out var bytes))
        {
            return false;
        }

        if (!bytes.IsEmpty)
        {
            value = Utf8StringCache.Current.Get(bytes);
        }

        return true;
    }

    public bool ReadBinary(out byte[] value)
    {
        value = [];
        if (!ReadBytes(out var bytes))
        {
            return false;
        }

        if (!bytes.IsEmpty)
        {
            value = bytes.ToArray();
        }

        return true;
    }

    /// <summary>Skips a value of any type, nested containers and structs included, within the depth limit.</summary>
    public bool Skip(ThriftType type)
    {
        switch (type)
        {
            case ThriftType.Bool:
                return ReadBool(out _);
            case ThriftType.Byte:
                return ReadRawByte(out _);
            case ThriftType.I16:
            case ThriftType.I32:
                return ReadI32Or16(type);
            case ThriftType.I64:
                return ReadI64(out _);
            case ThriftType.Double:
                return ReadDouble(out _);
            case ThriftType.String:
                return ReadBytes(out _);
            case ThriftType.Struct:
                return SkipStruct();
            case ThriftType.List:
            case ThriftType.Set:
                return SkipList();
            case ThriftType.Map:
                return SkipMap();
            default:
                return Fail(ThriftDecodeErrorKind.InvalidType, $"cannot skip type {(byte)type}");
        }
    }

    private bool ReadI32Or16(ThriftType type)
    {
        if (_compact || type == ThriftType.I32)
        {
            return ReadI32(out _);
        }

        if (Remaining < 2)
        {
            return Truncated();
        }

        _pos += 2;
        return true;
    }

    private bool SkipStruct()
    {
        if (!ReadStructBegin(out var saved))
        {
            return false;
        }

        while (true)
        {
            if (!ReadFieldBegin(out var type, out _))
            {
                return false;
            }

            if (type == ThriftType.Stop)
            {
                break;
            }

            if (!Skip(type))
            {
                return false;
            }
        }

        ReadStructEnd(saved);
        return true;
    }

    private bool SkipList()
    {
        if (!ReadListBegin(out var elementType, out var count, 1))
        {
            return false;
        }

        if (count > 0 && !CheckCount(count, MinimumSize(elementType)))
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!SkipElement(elementType))
            {
                return false;
            }
        }

        ReadListEnd();
        return true;
    }

    private bool SkipMap()
    {
        int count;
        ThriftType keyType = ThriftType.Stop, valueType = ThriftType.Stop;
        if (_compact)
        {
            if (!ReadVarint32(out var raw))
            {
                return false;
            }

            if (raw > int.MaxValue)
            {
                return Fail(ThriftDecodeErrorKind.InvalidLength, $"map count {raw} is out of range");
            }

            count = (int)raw;
            if (count > 0)
            {
                if (!ReadRawByte(out var kv))
                {
                    return false;
                }

                if (!ThriftConstants.TryFromCompact(kv >> 4, out keyType) || !ThriftConstants.TryFromCompact(kv & 0x0F, out valueType))
                {
                    return Fail(ThriftDecodeErrorKind.InvalidType, $"invalid compact map types 0x{kv:x2}");
                }
            }
        }
        else
        {
            if (!ReadRawByte(out var k) || !ReadRawByte(out var v) || !ReadRawI32(out count))
            {
                return false;
            }

            if (count > 0 && (!ThriftConstants.IsBinaryType(k) || !ThriftConstants.IsBinaryType(v)))
            {
                return Fail(ThriftDecodeErrorKind.InvalidType, $"invalid map types {k}, {v}");
            }

            keyType = (ThriftType)k;
            valueType = (ThriftType)v;
        }

        if (!CheckCount(count, count > 0 ? MinimumSize(keyType) + MinimumSize(valueType) : 1) || !Enter())
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!SkipElement(keyType) || !SkipElement(valueType))
            {
                return false;
            }
        }

        _depth--;
        return true;
    }

    /// <summary>Skips a container element: a bool element is a whole byte, never a pending header value.</summary>
    private bool SkipElement(ThriftType type) => type == ThriftType.Bool ? ReadRawByte(out _) : Skip(type);

    /// <summary>The fewest bytes a value of the type takes in this protocol.</summary>
    public readonly int MinimumSize(ThriftType type)
    {
        if (_compact)
        {
            return type == ThriftType.Double ? 8 : 1;
        }

        return type switch
        {
            ThriftType.I16 => 2,
            ThriftType.I32 or ThriftType.String => 4,
            ThriftType.I64 or ThriftType.Double => 8,
            ThriftType.List or ThriftType.Set => 5,
            ThriftType.Map => 6,
            _ => 1,
        };
    }

    private bool CheckCount(int count, int minElementSize)
    {
        if (count < 0)
        {
            return Fail(ThriftDecodeErrorKind.InvalidLength, $"negative count {count}");
        }

        if (count > _limits.MaxListCount)
        {
            return Fail(ThriftDecodeErrorKind.LimitExceeded, $"count {count} exceeds the limit of {_limits.MaxListCount}");
        }

        if ((long)count * minElementSize > Remaining)
        {
            return Fail(ThriftDecodeErrorKind.InvalidLength, $"count {count} does not fit the {Remaining} bytes left");
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Enter()
    {
        if (++_depth > _limits.MaxDepth)
        {
            return Fail(ThriftDecodeErrorKind.DepthExceeded, $"nesting deeper than {_limits.MaxDepth}");
        }

        return true;
    }

    private bool ReadBytes(out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        int declared;
        if (_compact)
        {
            if (!ReadVarint32(out var raw))
            {
                return false;
            }

            if (raw > int.MaxValue)
            {
                return Fail(ThriftDecodeErrorKind.InvalidLength, $"string length {raw} is out of range");
            }

            declared = (int)raw;
        }
        else if (!ReadRawI32(out declared))
        {
            return false;
        }

        if (!CheckLength(declared, out var length))
        {
            return false;
        }

        bytes = _buffer.Slice(_pos, length);
        _pos += length;
        return true;
    }

    private bool CheckLength(int length, out int checkedLength)
    {
        checkedLength = 0;
        if (length < 0)
        {
            return Fail(ThriftDecodeErrorKind.InvalidLength, $"negative string length {length}");
        }

        if (length > _limits.MaxStringLength)
        {
            return Fail(ThriftDecodeErrorKind.LimitExceeded, $"string length {length} exceeds the limit of {_limits.MaxStringLength}");
        }

        if (length > Remaining)
        {
            return Fail(ThriftDecodeErrorKind.Truncated, $"string of {length} bytes but only {Remaining} left");
        }

        checkedLength = length;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadRawByte(out byte value)
    {
        if ((uint)_pos < (uint)_buffer.Length)
        {
            value = _buffer[_pos++];
            return true;
        }

        value = 0;
        return Truncated();
    }

    private bool ReadRawI32(out int value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return Truncated();
        }

        value = BinaryPrimitives.ReadInt32BigEndian(_buffer[_pos..]);
        _pos += 4;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadVarint32(out uint value)
    {
        var ok = ReadVarint(out var raw, 5);
        value = (uint)raw;
        if (ok && raw > uint.MaxValue)
        {
            return Fail(ThriftDecodeErrorKind.InvalidData, "32-bit varint overflows");
        }

        return ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadVarint64(out ulong value) => ReadVarint(out value, 10);

    private bool ReadVarint(out ulong value, int maxBytes)
    {
        value = 0;
        var shift = 0;
        for (var i = 0; i < maxBytes; i++)
        {
            if ((uint)_pos >= (uint)_buffer.Length)
            {
                return Truncated();
            }

            var b = _buffer[_pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }

            shift += 7;
        }

        return Fail(ThriftDecodeErrorKind.InvalidData, "varint is longer than its type allows");
    }

    private static int ZigZag32(uint raw) => (int)(raw >> 1) ^ -(int)(raw & 1);

    private bool Truncated() => Fail(ThriftDecodeErrorKind.Truncated, "input ended inside a value");
}
