using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Jaeger.Model;

namespace Jaeger.Storage.Memory;

/// <summary>
/// The dense form in which the in-memory store keeps a span (in its <see cref="SpanSlabs"/>), about a tenth of the
/// model objects' size. The trace id, the process and repeated strings live outside it (in the trace entry, the
/// <see cref="ProcessTable"/> and the <see cref="StringTable"/>).
/// </summary>
/// <remarks>
/// <para>Layout, in order (varint: unsigned LEB128; zigzag: signed as varint):</para>
/// <list type="bullet">
/// <item>span id: 8 bytes little-endian;</item>
/// <item>start minus the trace entry's base time: zigzag; duration: zigzag; flags: varint; process: varint, the index in the trace entry's processes;</item>
/// <item>operation name: string;</item>
/// <item>references: varint count, then each: varint (type × 2 + 1 when in another trace), span id 8 bytes, and for another trace its high and low 8 bytes;</item>
/// <item>tags: varint count, then each key-value;</item>
/// <item>logs: varint count, then each: timestamp minus the span's start (zigzag), varint field count, the key-values;</item>
/// <item>warnings: varint count, then each string.</item>
/// </list>
/// <para>
/// A string is a varint v: v mod 4 = 0 is the <see cref="StringTable"/> entry v / 4; 1 is v / 4 bytes of UTF-8 that
/// follow; 2 is v / 4 UTF-16 code units that follow (only for strings that UTF-8 cannot carry exactly, with lone
/// surrogates). A key-value is its key (string), a type byte (<see cref="TypeString"/> ...), then the value: a string,
/// nothing for bools (the type says true or false), zigzag for int64, 8 bytes for float64, varint length and bytes
/// for binary.
/// </para>
/// </remarks>
internal static class SpanEncoding
{
    public const byte TypeString = 0;
    public const byte TypeFalse = 1;
    public const byte TypeTrue = 2;
    public const byte TypeInt64 = 3;
    public const byte TypeFloat64 = 4;
    public const byte TypeBinary = 5;

    public const int StringTableRef = 0;
    public const int StringUtf8 = 1;
    public const int StringUtf16 = 2;

    /// <summary>The UTF-8 form of <paramref name="text"/>, or null when UTF-8 cannot carry it exactly (lone surrogates), so no UTF-8 string of a span can equal it.</summary>
    public static byte[]? Utf8OrNull(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        var status = Utf8.FromUtf16(text, bytes, out _, out var written, replaceInvalidSequences: false);
        return status == System.Buffers.OperationStatus.Done && written == bytes.Length ? bytes : null;
    }

    /// <summary>Decodes a stored span back into a model span whose process is the stored one.</summary>
    public static Span Decode(ReadOnlySpan<byte> data, TraceEntry entry, StringTable strings)
    {
        var reader = new EncodedSpanReader(data);
        var header = reader.ReadHeader(entry.BaseMicros);
        var start = header.StartMicros;
        var span = new Span
        {
            TraceId = entry.Id,
            SpanId = new SpanId(header.SpanId),
            StartTimeMicros = start,
            DurationMicros = header.DurationMicros,
            Flags = header.Flags,
            Process = entry.GetProcess(header.ProcessIndex).Process,
            OperationName = reader.ReadString().ToString(strings),
        };

        var count = (int)reader.ReadVarint();
        if (count > 0)
        {
            var references = new SpanRef[count];
            for (var i = 0; i < count; i++)
            {
                var kind = reader.ReadVarint();
                var spanId = new SpanId(reader.ReadFixed64());
                var traceId = (kind & 1) == 0 ? entry.Id : new TraceId(reader.ReadFixed64(), reader.ReadFixed64());
                references[i] = new SpanRef(traceId, spanId, (SpanRefType)(kind >> 1));
            }

            span.References = ImmutableCollectionsMarshal.AsImmutableArray(references);
        }

        span.Tags = ReadKeyValues(ref reader, strings);

        count = (int)reader.ReadVarint();
        if (count > 0)
        {
            var logs = new Log[count];
            for (var i = 0; i < count; i++)
            {
                var timestamp = unchecked(start + reader.ReadZigZag());
                logs[i] = new Log(timestamp, ReadKeyValues(ref reader, strings));
            }

            span.Logs = ImmutableCollectionsMarshal.AsImmutableArray(logs);
        }

        count = (int)reader.ReadVarint();
        if (count > 0)
        {
            var warnings = new string[count];
            for (var i = 0; i < count; i++)
            {
                warnings[i] = reader.ReadString().ToString(strings);
            }

            span.Warnings = ImmutableCollectionsMarshal.AsImmutableArray(warnings);
        }

        return span;
    }

    private static ImmutableArray<KeyValue> ReadKeyValues(ref EncodedSpanReader reader, StringTable strings)
    {
        var count = (int)reader.ReadVarint();
        if (count == 0)
        {
            return [];
        }

        var values = new KeyValue[count];
        for (var i = 0; i < count; i++)
        {
            var encoded = reader.ReadKeyValue();
            var key = encoded.Key.ToString(strings);
            values[i] = encoded.Type switch
            {
                TypeString => KeyValue.String(key, encoded.Text.ToString(strings)),
                TypeFalse => KeyValue.Bool(key, false),
                TypeTrue => KeyValue.Bool(key, true),
                TypeInt64 => KeyValue.Int64(key, encoded.Bits),
                TypeFloat64 => KeyValue.Float64(key, BitConverter.Int64BitsToDouble(encoded.Bits)),
                _ => KeyValue.Binary(key, encoded.Bytes.ToArray()),
            };
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(values);
    }
}

/// <summary>Writes spans in the <see cref="SpanEncoding"/> form through one reusable buffer. Not thread-safe: the store uses it under its write lock.</summary>
internal sealed class SpanEncoder
{
    // Span tags take the first positions, log fields the rest.
    private const int RecentPositions = 32;
    private const int FirstLogPosition = 16;
    private const int RecentOperations = 8;

    // The strings met at each key-value position of the spans before, and the last operation names: a decoder hands
    // the spans of a request the same string instances, so most string-table look-ups end at a reference comparison.
    private readonly RecentString[] _recentKeys = new RecentString[RecentPositions];
    private readonly RecentString[] _recentValues = new RecentString[RecentPositions];
    private readonly RecentString[] _recentOperations = new RecentString[RecentOperations];
    private int _nextOperation;
    private int _stringsVersion;

    private byte[] _buffer = new byte[1024];
    private int _length;

    /// <summary>The span's encoded bytes, valid until the next call; and its <see cref="SpanSignature"/> bits, but for those of its process.</summary>
    /// <param name="span">The span.</param>
    /// <param name="baseMicros">The time the start is stored relative to (the trace entry's).</param>
    /// <param name="processIndex">The span's process, as an index in the trace entry's processes.</param>
    /// <param name="strings">The table repeated strings are interned in.</param>
    /// <param name="signature">The signature of the operation name, the tags and the log fields.</param>
    public ReadOnlySpan<byte> Encode(Span span, long baseMicros, int processIndex, StringTable strings, out ulong signature)
    {
        if (strings.Version != _stringsVersion)
        {
            // The table was cleared: the ids remembered are gone with it.
            Array.Clear(_recentKeys);
            Array.Clear(_recentValues);
            Array.Clear(_recentOperations);
            _stringsVersion = strings.Version;
        }

        _length = 0;
        WriteFixed64(span.SpanId.Value);
        WriteZigZag(unchecked(span.StartTimeMicros - baseMicros));
        WriteZigZag(span.DurationMicros);
        WriteVarint((uint)(int)span.Flags);
        WriteVarint((uint)processIndex);
        var operation = Operation(span.OperationName, strings);
        WriteString(operation.Id, span.OperationName);
        signature = SpanSignature.Operation(operation.Hash);

        var references = span.References;
        WriteVarint((uint)references.Length);
        foreach (var reference in references)
        {
            var otherTrace = reference.TraceId != span.TraceId;
            WriteVarint(((ulong)reference.RefType << 1) | (otherTrace ? 1UL : 0UL));
            WriteFixed64(reference.SpanId.Value);
            if (otherTrace)
            {
                WriteFixed64(reference.TraceId.High);
                WriteFixed64(reference.TraceId.Low);
            }
        }

        signature |= WriteKeyValues(span.Tags, 0, strings);

        var logs = span.Logs;
        WriteVarint((uint)logs.Length);
        foreach (var log in logs)
        {
            WriteZigZag(unchecked(log.TimestampMicros - span.StartTimeMicros));
            signature |= WriteKeyValues(log.Fields, FirstLogPosition, strings);
        }

        var warnings = span.Warnings;
        WriteVarint((uint)warnings.Length);
        foreach (var warning in warnings)
        {
            WriteString(-1, warning);
        }

        return _buffer.AsSpan(0, _length);
    }

    /// <summary>The <see cref="SpanSignature.Text"/> hash of a string, from the table when it is interned.</summary>
    private static int Hash(int id, string text, StringTable strings) => id >= 0 ? strings.HashOf(id) : SpanSignature.Text(text);

    /// <summary>The table id (or -1) and hash of an operation name.</summary>
    private RecentString Operation(string name, StringTable strings)
    {
        var recent = _recentOperations;
        for (var i = 0; i < recent.Length; i++)
        {
            if (ReferenceEquals(recent[i].Text, name))
            {
                return recent[i];
            }
        }

        var id = strings.Intern(name);
        var found = new RecentString(name, id, Hash(id, name, strings), -1);
        recent[_nextOperation] = found;
        _nextOperation = (_nextOperation + 1) % recent.Length;
        return found;
    }

    /// <summary>The table id (or -1) and hash of the key at a key-value position.</summary>
    private RecentString Key(string key, int position, StringTable strings)
    {
        if (position < RecentPositions)
        {
            ref var recent = ref _recentKeys[position];
            if (!ReferenceEquals(recent.Text, key))
            {
                var id = strings.Intern(key);
                recent = new RecentString(key, id, Hash(id, key, strings), -1);
            }

            return recent;
        }

        var keyId = strings.Intern(key);
        return new RecentString(key, keyId, Hash(keyId, key, strings), -1);
    }

    /// <summary>The table id (or -1) and hash of a string value under a key, at a key-value position.</summary>
    private RecentString Value(string text, int keyId, int position, StringTable strings)
    {
        if (position < RecentPositions)
        {
            ref var recent = ref _recentValues[position];
            if (!ReferenceEquals(recent.Text, text) || recent.KeyId != keyId)
            {
                // The same value under the same key gets the same answer from the table as long as it is not cleared
                // (-1 only for reasons that last: too long, the table or the key's share of it full).
                var id = strings.InternValue(keyId, text);
                recent = new RecentString(text, id, Hash(id, text, strings), keyId);
            }

            return recent;
        }

        var textId = strings.InternValue(keyId, text);
        return new RecentString(text, textId, Hash(textId, text, strings), keyId);
    }

    /// <summary>Writes the key-values; returns their signature bits.</summary>
    private ulong WriteKeyValues(ImmutableArray<KeyValue> values, int firstPosition, StringTable strings)
    {
        ulong signature = 0;
        WriteVarint((uint)values.Length);
        var position = firstPosition;
        foreach (var value in values)
        {
            var key = Key(value.Key, position, strings);
            var keyId = key.Id;
            WriteString(keyId, value.Key);
            var keyHash = key.Hash;
            switch (value.Type)
            {
                case KeyValueType.String:
                    WriteByte(SpanEncoding.TypeString);
                    var text = Value(value.StringValue, keyId, position, strings);
                    WriteString(text.Id, value.StringValue);
                    signature |= SpanSignature.TextValue(keyHash, text.Hash);
                    break;
                case KeyValueType.Bool:
                    WriteByte(value.BoolValue ? SpanEncoding.TypeTrue : SpanEncoding.TypeFalse);
                    signature |= SpanSignature.TextValue(keyHash, value.BoolValue ? SpanSignature.TrueHash : SpanSignature.FalseHash);
                    break;
                case KeyValueType.Int64:
                    WriteByte(SpanEncoding.TypeInt64);
                    WriteZigZag(value.Int64Value);
                    signature |= SpanSignature.IntValue(keyHash, value.Int64Value);
                    break;
                case KeyValueType.Float64:
                    WriteByte(SpanEncoding.TypeFloat64);
                    WriteFixed64(unchecked((ulong)BitConverter.DoubleToInt64Bits(value.Float64Value)));
                    signature |= SpanSignature.FloatValue(keyHash, value.Float64Value);
                    break;
                default:
                    var bytes = value.BinaryValue.Span;
                    WriteByte(SpanEncoding.TypeBinary);
                    WriteVarint((uint)bytes.Length);
                    bytes.CopyTo(Reserve(bytes.Length));
                    _length += bytes.Length;
                    signature |= SpanSignature.BinaryValue(keyHash, bytes);
                    break;
            }

            position++;
        }

        return signature;
    }

    /// <summary>A string as the table answered for it: its id (-1 when inline), its hash, and for a value the key id it was asked under.</summary>
    private readonly record struct RecentString(string? Text, int Id, int Hash, int KeyId);

    /// <summary>A string: the table entry when <paramref name="id"/> is one, else the text inline.</summary>
    private void WriteString(int id, string text)
    {
        if (id >= 0)
        {
            WriteVarint((ulong)id << 2 | SpanEncoding.StringTableRef);
            return;
        }

        var start = _length;
        var byteCount = Encoding.UTF8.GetByteCount(text);
        WriteVarint(((ulong)(uint)byteCount << 2) | SpanEncoding.StringUtf8);
        var status = Utf8.FromUtf16(text, Reserve(byteCount), out _, out var written, replaceInvalidSequences: false);
        if (status == System.Buffers.OperationStatus.Done && written == byteCount)
        {
            _length += byteCount;
            return;
        }

        // Lone surrogates: UTF-8 would replace them, so keep the UTF-16 code units as they are.
        _length = start;
        WriteVarint(((ulong)(uint)text.Length << 2) | SpanEncoding.StringUtf16);
        var units = MemoryMarshal.AsBytes(text.AsSpan());
        units.CopyTo(Reserve(units.Length));
        _length += units.Length;
    }

    private void WriteByte(byte value)
    {
        Reserve(1)[0] = value;
        _length++;
    }

    private void WriteFixed64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);
        _length += 8;
    }

    private void WriteZigZag(long value) => WriteVarint(unchecked((ulong)((value << 1) ^ (value >> 63))));

    private void WriteVarint(ulong value)
    {
        var destination = Reserve(10);
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        _length += i;
    }

    /// <summary>Room for <paramref name="count"/> more bytes at the end; the caller advances the length by what it writes.</summary>
    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Array.Resize(ref _buffer, (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_length + count)));
        }

        return _buffer.AsSpan(_length, count);
    }
}

/// <summary>Reads a span in the <see cref="SpanEncoding"/> form front to back; searches read only as far as they need.</summary>
internal ref struct EncodedSpanReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public EncodedSpanReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>The fixed fields at the front; the operation name comes next.</summary>
    public SpanHeader ReadHeader(long baseMicros)
    {
        var spanId = ReadFixed64();
        var start = unchecked(baseMicros + ReadZigZag());
        var duration = ReadZigZag();
        var flags = (SpanFlags)(int)(uint)ReadVarint();
        return new SpanHeader(spanId, start, duration, flags, (int)ReadVarint());
    }

    public ulong ReadFixed64()
    {
        var value = BinaryPrimitives.ReadUInt64LittleEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public byte ReadByte() => _data[_position++];

    public ulong ReadVarint()
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }

            shift += 7;
        }
    }

    public long ReadZigZag()
    {
        var value = ReadVarint();
        return unchecked((long)(value >> 1) ^ -(long)(value & 1));
    }

    public EncodedString ReadString()
    {
        var value = ReadVarint();
        var kind = (int)(value & 3);
        var length = (int)(value >> 2);
        if (kind == SpanEncoding.StringTableRef)
        {
            return new EncodedString(kind, length, default);
        }

        var byteLength = kind == SpanEncoding.StringUtf16 ? length * 2 : length;
        var bytes = _data.Slice(_position, byteLength);
        _position += byteLength;
        return new EncodedString(kind, 0, bytes);
    }

    public EncodedKeyValue ReadKeyValue()
    {
        var key = ReadString();
        var type = ReadByte();
        switch (type)
        {
            case SpanEncoding.TypeString:
                return new EncodedKeyValue(key, type, ReadString(), 0, default);
            case SpanEncoding.TypeInt64:
                return new EncodedKeyValue(key, type, default, ReadZigZag(), default);
            case SpanEncoding.TypeFloat64:
                return new EncodedKeyValue(key, type, default, unchecked((long)ReadFixed64()), default);
            case SpanEncoding.TypeBinary:
                var length = (int)ReadVarint();
                var bytes = _data.Slice(_position, length);
                _position += length;
                return new EncodedKeyValue(key, type, default, 0, bytes);
            default:
                return new EncodedKeyValue(key, type, default, 0, default);
        }
    }

    public void SkipReferences()
    {
        var count = (int)ReadVarint();
        for (var i = 0; i < count; i++)
        {
            var kind = ReadVarint();
            _position += (kind & 1) == 0 ? 8 : 24;
        }
    }

    /// <summary>Skips the references, returning the parent as <see cref="Span.ParentSpanId"/> defines it (0 when none).</summary>
    public ulong ReadParentSpanId()
    {
        var count = (int)ReadVarint();
        ulong followsFrom = 0;
        var found = false;
        ulong childOf = 0;
        var foundChildOf = false;
        for (var i = 0; i < count; i++)
        {
            var kind = ReadVarint();
            var spanId = ReadFixed64();
            if ((kind & 1) != 0)
            {
                _position += 16;
                continue;
            }

            if (!foundChildOf && (SpanRefType)(kind >> 1) == SpanRefType.ChildOf)
            {
                childOf = spanId;
                foundChildOf = true;
            }
            else if (!found)
            {
                followsFrom = spanId;
                found = true;
            }
        }

        return foundChildOf ? childOf : followsFrom;
    }
}

/// <summary>A string of an encoded span: a <see cref="StringTable"/> entry or inline text.</summary>
internal readonly ref struct EncodedString
{
    private readonly int _kind;
    private readonly int _id;
    private readonly ReadOnlySpan<byte> _bytes;

    public EncodedString(int kind, int id, ReadOnlySpan<byte> bytes)
    {
        _kind = kind;
        _id = id;
        _bytes = bytes;
    }

    public string ToString(StringTable strings) => _kind switch
    {
        SpanEncoding.StringTableRef => strings[_id],
        SpanEncoding.StringUtf8 => Encoding.UTF8.GetString(_bytes),
        _ => new string(MemoryMarshal.Cast<byte, char>(_bytes)),
    };

    /// <summary>True when the text is <paramref name="text"/>; <paramref name="utf8"/> is its UTF-8 form, or null when it has none (lone surrogates).</summary>
    public bool TextEquals(string text, byte[]? utf8, StringTable strings) => _kind switch
    {
        SpanEncoding.StringTableRef => string.Equals(strings[_id], text, StringComparison.Ordinal),
        SpanEncoding.StringUtf8 => utf8 is not null && _bytes.SequenceEqual(utf8),
        _ => MemoryMarshal.Cast<byte, char>(_bytes).SequenceEqual(text),
    };
}

/// <summary>A key-value of an encoded span, read without materializing it.</summary>
internal readonly ref struct EncodedKeyValue
{
    public EncodedKeyValue(EncodedString key, byte type, EncodedString text, long bits, ReadOnlySpan<byte> bytes)
    {
        Key = key;
        Type = type;
        Text = text;
        Bits = bits;
        Bytes = bytes;
    }

    public EncodedString Key { get; }

    /// <summary>One of the <see cref="SpanEncoding"/> type bytes.</summary>
    public byte Type { get; }

    /// <summary>The string value.</summary>
    public EncodedString Text { get; }

    /// <summary>The int64 value, or the float64 value's bits.</summary>
    public long Bits { get; }

    /// <summary>The binary value.</summary>
    public ReadOnlySpan<byte> Bytes { get; }
}

/// <summary>The fixed fields at the front of an encoded span.</summary>
/// <param name="SpanId">The span id.</param>
/// <param name="StartMicros">The start, absolute.</param>
/// <param name="DurationMicros">The duration.</param>
/// <param name="Flags">The flags.</param>
/// <param name="ProcessIndex">The index of the span's process in the trace entry's processes.</param>
internal readonly record struct SpanHeader(ulong SpanId, long StartMicros, long DurationMicros, SpanFlags Flags, int ProcessIndex);
