using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Jaeger.Model;

namespace Jaeger.Collector.Receivers;

/// <summary>
/// Decodes an OTLP <c>ExportTraceServiceRequest</c> in protobuf straight into model spans, mapped by the rules of
/// <see cref="OtlpMapping"/> exactly as <see cref="OtlpConverter"/> maps the generated types, without building the
/// generated object graph first. Protobuf semantics are kept: fields in any order, the last value of a singular field
/// wins, a singular message seen twice is merged, fields it does not know (or with an unexpected wire type) are
/// skipped. Untrusted bytes cannot make it throw, hang or over-allocate: every read is bounded by the enclosing
/// message, nesting and counts are limited, and every loop consumes input.
/// </summary>
internal ref struct OtlpProtobufReader
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLength = 2;
    private const int WireStartGroup = 3;
    private const int WireEndGroup = 4;
    private const int WireFixed32 = 5;

    // AnyValue cases, by field number.
    private const int ValueNone = 0;
    private const int ValueString = 1;
    private const int ValueBool = 2;
    private const int ValueInt = 3;
    private const int ValueDouble = 4;
    private const int ValueArray = 5;
    private const int ValueKvList = 6;
    private const int ValueBytes = 7;

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly OtlpReaderLimits _limits;
    private readonly List<Span> _output;
    private readonly List<KeyValue> _tags = [];
    private readonly List<KeyValue> _fields = [];
    private readonly List<Log> _logs = [];
    private readonly List<SpanRef> _links = [];
    private readonly StringBuilder _json = new();
    private int _pos;
    private int _depth;
    private int _spans;
    private OtlpDecodeError _error;
    private string? _spanError;

    private OtlpProtobufReader(ReadOnlySpan<byte> buffer, List<Span> output, OtlpReaderLimits limits)
    {
        _buffer = buffer;
        _output = output;
        _limits = limits;
    }

    /// <summary>
    /// Appends the request's spans to <paramref name="output"/>, or leaves it as it was and says what is wrong. A
    /// malformed protobuf is reported ahead of a span that cannot be mapped, as parsing before mapping would.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> input, List<Span> output, out OtlpDecodeError error, OtlpReaderLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        limits ??= OtlpReaderLimits.Default;
        if (input.Length > limits.MaxInputLength)
        {
            error = new OtlpDecodeError(OtlpDecodeErrorKind.LimitExceeded, $"the body is {input.Length} bytes, over the limit of {limits.MaxInputLength}");
            return false;
        }

        var initialCount = output.Count;
        var reader = new OtlpProtobufReader(input, output, limits);
        var ok = reader.ReadRequest();
        error = reader._error;
        if (ok && reader._spanError is { } spanError)
        {
            error = new OtlpDecodeError(OtlpDecodeErrorKind.InvalidSpan, spanError);
            ok = false;
        }

        if (!ok)
        {
            output.RemoveRange(initialCount, output.Count - initialCount);
        }

        return ok;
    }

    /// <summary>The error as the receivers answer it: a span's mapping error as is, a wire error with what was expected.</summary>
    public static string Describe(OtlpDecodeError error) => error.Kind == OtlpDecodeErrorKind.InvalidSpan
        ? error.Message
        : $"The body is not a protobuf ExportTraceServiceRequest: {error}";

    private bool ReadRequest()
    {
        var end = _buffer.Length;
        var resource = 0;
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            if (field == 1 && wire == WireLength)
            {
                if (!EnterMessage(end, out var messageEnd) || !ReadResourceSpans(messageEnd, resource++))
                {
                    return false;
                }

                _depth--;
            }
            else if (!SkipField(field, wire, end))
            {
                return false;
            }
        }

        return true;
    }

    private bool ReadResourceSpans(int end, int resource)
    {
        // The resource may follow the spans on the wire: read it first, then come back for the spans.
        var start = _pos;
        var service = OtlpMapping.NoServiceName;
        _tags.Clear();
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            if (field == 1 && wire == WireLength)
            {
                if (!EnterMessage(end, out var messageEnd) || !ReadResource(messageEnd, ref service))
                {
                    return false;
                }

                _depth--;
            }
            else if (!SkipField(field, wire, end))
            {
                return false;
            }
        }

        var process = new Process(service, ToImmutable(_tags));
        _pos = start;
        var scope = 0;
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            if (field == 2 && wire == WireLength)
            {
                if (!EnterMessage(end, out var messageEnd) || !ReadScopeSpans(messageEnd, process, resource, scope++))
                {
                    return false;
                }

                _depth--;
            }
            else if (!SkipField(field, wire, end))
            {
                return false;
            }
        }

        return true;
    }

    private bool ReadResource(int end, ref string service)
    {
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            if (field == 1 && wire == WireLength)
            {
                if (!EnterMessage(end, out var messageEnd) || !ReadKeyValue(messageEnd, out var attribute, out var isString))
                {
                    return false;
                }

                _depth--;
                if (isString && attribute.Key == OtlpMapping.ServiceNameKey)
                {
                    service = attribute.StringValue;
                }
                else if (!Add(_tags, attribute))
                {
                    return false;
                }
            }
            else if (!SkipField(field, wire, end))
            {
                return false;
            }
        }

        return true;
    }

    private bool ReadScopeSpans(int end, Process process, int resource, int scope)
    {
        var start = _pos;
        ByteRange name = default, version = default;
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            if (field == 1 && wire == WireLength)
            {
                if (!EnterMessage(end, out var messageEnd) || !ReadScope(messageEnd, ref name, ref version))
                {
                    return false;
                }

                _depth--;
            }
            else if (!SkipField(field, wire, end))
            {
                return false;
            }
        }

        var scopeName = GetString(name);
        var scopeVersion = GetString(version);
        _pos = start;
        var index = 0;
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            if (field == 2 && wire == WireLength)
            {
                if (!EnterMessage(end, out var messageEnd) || !ReadSpan(messageEnd, process, scopeName, scopeVersion, resource, scope, index++))
                {
                    return false;
                }

                _depth--;
            }
            else if (!SkipField(field, wire, end))
            {
                return false;
            }
        }

        return true;
    }

    private bool ReadScope(int end, ref ByteRange name, ref ByteRange version)
    {
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            var ok = (field, wire) switch
            {
                (1, WireLength) => ReadString(end, out name),
                (2, WireLength) => ReadString(end, out version),
                _ => SkipField(field, wire, end),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private bool ReadSpan(int end, Process process, string scopeName, string scopeVersion, int resource, int scope, int index)
    {
        if (++_spans > _limits.MaxSpans)
        {
            return Fail(OtlpDecodeErrorKind.LimitExceeded, $"more than {_limits.MaxSpans} spans in one request");
        }

        ByteRange traceId = default, spanId = default, parent = default, traceState = default, name = default, statusMessage = default;
        ulong startNanos = 0, endNanos = 0, kind = 0, droppedAttributes = 0, droppedEvents = 0, droppedLinks = 0, statusCode = 0;
        var hasStatus = false;
        string? linkError = null;
        _tags.Clear();
        _logs.Clear();
        _links.Clear();
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            bool ok;
            switch (field, wire)
            {
                case (1, WireLength):
                    ok = ReadBytes(end, out traceId);
                    break;
                case (2, WireLength):
                    ok = ReadBytes(end, out spanId);
                    break;
                case (3, WireLength):
                    ok = ReadString(end, out traceState);
                    break;
                case (4, WireLength):
                    ok = ReadBytes(end, out parent);
                    break;
                case (5, WireLength):
                    ok = ReadString(end, out name);
                    break;
                case (6, WireVarint):
                    ok = ReadVarint(end, out kind);
                    break;
                case (7, WireFixed64):
                    ok = ReadFixed64(end, out startNanos);
                    break;
                case (8, WireFixed64):
                    ok = ReadFixed64(end, out endNanos);
                    break;
                case (9, WireLength):
                    ok = ReadAttribute(end, _tags);
                    break;
                case (10, WireVarint):
                    ok = ReadVarint(end, out droppedAttributes);
                    break;
                case (11, WireLength):
                    ok = ReadEvent(end);
                    break;
                case (12, WireVarint):
                    ok = ReadVarint(end, out droppedEvents);
                    break;
                case (13, WireLength):
                    ok = ReadLink(end, ref linkError);
                    break;
                case (14, WireVarint):
                    ok = ReadVarint(end, out droppedLinks);
                    break;
                case (15, WireLength):
                    hasStatus = true;
                    ok = EnterMessage(end, out var statusEnd) && ReadStatus(statusEnd, ref statusCode, ref statusMessage);
                    _depth--;
                    break;
                default:
                    ok = SkipField(field, wire, end);
                    break;
            }

            if (!ok)
            {
                return false;
            }
        }

        if (_spanError is not null)
        {
            // An earlier span failed: the rest is only checked for well-formedness.
            return true;
        }

        if (!OtlpMapping.TryReadIds(Bytes(traceId), Bytes(spanId), Bytes(parent), out var trace, out var span, out var parentId, out var error)
            || (error = linkError ?? string.Empty).Length > 0)
        {
            _spanError = OtlpMapping.SpanError(resource, scope, index, error);
            return true;
        }

        var referenceCount = _links.Count + (parentId.IsEmpty ? 0 : 1);
        var references = ImmutableArray<SpanRef>.Empty;
        if (referenceCount > 0)
        {
            var array = new SpanRef[referenceCount];
            var offset = 0;
            if (!parentId.IsEmpty)
            {
                array[offset++] = new SpanRef(trace, parentId, SpanRefType.ChildOf);
            }

            _links.CopyTo(array, offset);
            references = ImmutableCollectionsMarshal.AsImmutableArray(array);
        }

        OtlpMapping.AddDerivedTags(_tags, (int)kind, hasStatus, (int)statusCode, GetString(statusMessage), scopeName, scopeVersion, GetString(traceState));
        _output.Add(OtlpMapping.CreateSpan(
            trace,
            span,
            GetString(name),
            startNanos,
            endNanos,
            references,
            ToImmutable(_tags),
            ToImmutable(_logs),
            OtlpMapping.DroppedWarnings((uint)droppedAttributes, (uint)droppedEvents, (uint)droppedLinks),
            process));
        return true;
    }

    private bool ReadStatus(int end, ref ulong code, ref ByteRange message)
    {
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            var ok = (field, wire) switch
            {
                (2, WireLength) => ReadString(end, out message),
                (3, WireVarint) => ReadVarint(end, out code),
                _ => SkipField(field, wire, end),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private bool ReadEvent(int outerEnd)
    {
        if (!EnterMessage(outerEnd, out var end))
        {
            return false;
        }

        ulong time = 0;
        ByteRange name = default;
        _fields.Clear();
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            var ok = (field, wire) switch
            {
                (1, WireFixed64) => ReadFixed64(end, out time),
                (2, WireLength) => ReadString(end, out name),
                (3, WireLength) => ReadAttribute(end, _fields),
                _ => SkipField(field, wire, end),
            };
            if (!ok)
            {
                return false;
            }
        }

        _depth--;
        if (_spanError is not null)
        {
            return true;
        }

        var fields = ImmutableArray<KeyValue>.Empty;
        var count = _fields.Count + (name.Length > 0 ? 1 : 0);
        if (count > 0)
        {
            var array = new KeyValue[count];
            var offset = 0;
            if (name.Length > 0)
            {
                array[offset++] = OtlpMapping.EventField(GetString(name));
            }

            _fields.CopyTo(array, offset);
            fields = ImmutableCollectionsMarshal.AsImmutableArray(array);
        }

        return Add(_logs, new Log(OtlpMapping.Micros(time), fields));
    }

    private bool ReadLink(int outerEnd, ref string? linkError)
    {
        if (!EnterMessage(outerEnd, out var end))
        {
            return false;
        }

        ByteRange traceId = default, spanId = default;
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            var ok = (field, wire) switch
            {
                (1, WireLength) => ReadBytes(end, out traceId),
                (2, WireLength) => ReadBytes(end, out spanId),
                _ => SkipField(field, wire, end),
            };
            if (!ok)
            {
                return false;
            }
        }

        _depth--;
        if (linkError is null)
        {
            if (OtlpMapping.TryReadLink(Bytes(traceId), Bytes(spanId), out var reference, out var error))
            {
                return Add(_links, reference);
            }

            linkError = error;
        }

        return true;
    }

    private bool ReadAttribute(int outerEnd, List<KeyValue> into)
    {
        if (!EnterMessage(outerEnd, out var end) || !ReadKeyValue(end, out var attribute, out _))
        {
            return false;
        }

        _depth--;
        return Add(into, attribute);
    }

    /// <summary>A KeyValue message as a model tag: scalars typed, arrays and maps as JSON text.</summary>
    private bool ReadKeyValue(int end, out KeyValue attribute, out bool isString)
    {
        attribute = default;
        isString = false;
        ByteRange key = default;
        var value = new AnyValueState { JsonStart = 0 };
        _json.Clear();
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            bool ok;
            if (field == 1 && wire == WireLength)
            {
                ok = ReadString(end, out key);
            }
            else if (field == 2 && wire == WireLength)
            {
                // A value seen twice is merged into the first, as protobuf merges a singular message.
                ok = EnterMessage(end, out var valueEnd) && ReadAnyValue(valueEnd, ref value, emit: true, jsonDepth: 0);
                _depth--;
            }
            else
            {
                ok = SkipField(field, wire, end);
            }

            if (!ok)
            {
                return false;
            }
        }

        var name = GetString(key);
        isString = value.Case == ValueString;
        attribute = value.Case switch
        {
            ValueString => KeyValue.String(name, GetString(value.Bytes)),
            ValueBool => KeyValue.Bool(name, value.Bits != 0),
            ValueInt => KeyValue.Int64(name, (long)value.Bits),
            ValueDouble => KeyValue.Float64(name, BitConverter.UInt64BitsToDouble(value.Bits)),
            ValueBytes => KeyValue.Binary(name, Bytes(value.Bytes).ToArray()),
            ValueArray or ValueKvList => KeyValue.String(name, CloseJson(ref value)),
            _ => KeyValue.String(name, string.Empty),
        };
        return true;
    }

    private string CloseJson(ref AnyValueState value)
    {
        FinishJson(ref value);
        return _json.ToString(value.JsonStart, _json.Length - value.JsonStart);
    }

    /// <summary>
    /// Reads one AnyValue message into <paramref name="value"/>. With <paramref name="emit"/>, an array or map writes
    /// its JSON into the shared builder from <see cref="AnyValueState.JsonStart"/> on, left open so that a second
    /// occurrence can extend it; <see cref="FinishJson"/> closes it or writes the scalar in its place.
    /// </summary>
    private bool ReadAnyValue(int end, ref AnyValueState value, bool emit, int jsonDepth)
    {
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            bool ok;
            switch (field, wire)
            {
                case (ValueString, WireLength):
                    value.Case = field;
                    ok = ReadString(end, out value.Bytes);
                    break;
                case (ValueBytes, WireLength):
                    value.Case = field;
                    ok = ReadBytes(end, out value.Bytes);
                    break;
                case (ValueBool, WireVarint):
                case (ValueInt, WireVarint):
                    value.Case = field;
                    ok = ReadVarint(end, out value.Bits);
                    break;
                case (ValueDouble, WireFixed64):
                    value.Case = field;
                    ok = ReadFixed64(end, out value.Bits);
                    break;
                case (ValueArray, WireLength):
                case (ValueKvList, WireLength):
                    if (value.Case != field)
                    {
                        // A new container replaces whatever the value held; the same container again is extended.
                        value.Case = field;
                        value.Count = 0;
                        if (emit)
                        {
                            _json.Length = value.JsonStart;
                            _json.Append(field == ValueArray ? '[' : '{');
                        }
                    }

                    ok = EnterMessage(end, out var containerEnd) && ReadContainer(containerEnd, ref value, emit, jsonDepth, kvList: field == ValueKvList);
                    _depth--;
                    break;
                default:
                    ok = SkipField(field, wire, end);
                    break;
            }

            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An ArrayValue (repeated AnyValue) or a KeyValueList (repeated KeyValue), both field 1.</summary>
    private bool ReadContainer(int end, ref AnyValueState container, bool emit, int jsonDepth, bool kvList)
    {
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            if (field != 1 || wire != WireLength)
            {
                if (!SkipField(field, wire, end))
                {
                    return false;
                }

                continue;
            }

            if (++container.Count > _limits.MaxRepeatedCount)
            {
                return Fail(OtlpDecodeErrorKind.LimitExceeded, $"more than {_limits.MaxRepeatedCount} values in one array or map");
            }

            if (emit && container.Count > 1)
            {
                _json.Append(',');
            }

            var memberEmit = emit && jsonDepth + 1 <= OtlpMapping.MaxJsonDepth;
            if (!EnterMessage(end, out var memberEnd))
            {
                return false;
            }

            var ok = kvList
                ? ReadJsonMember(memberEnd, memberEmit, jsonDepth + 1)
                : ReadJsonElement(memberEnd, memberEmit, jsonDepth + 1);
            if (!ok)
            {
                return false;
            }

            _depth--;
            if (emit && !memberEmit)
            {
                OtlpMapping.AppendJsonNull(_json);
            }
        }

        return true;
    }

    private bool ReadJsonElement(int end, bool emit, int jsonDepth)
    {
        var element = new AnyValueState { JsonStart = _json.Length };
        if (!ReadAnyValue(end, ref element, emit, jsonDepth))
        {
            return false;
        }

        if (emit)
        {
            FinishJson(ref element);
        }

        return true;
    }

    private bool ReadJsonMember(int end, bool emit, int jsonDepth)
    {
        // The key goes first in JSON but may come last on the wire: find it, then read the value.
        var start = _pos;
        ByteRange key = default;
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            if (!(field == 1 && wire == WireLength ? ReadString(end, out key) : SkipField(field, wire, end)))
            {
                return false;
            }
        }

        if (emit)
        {
            OtlpMapping.AppendJsonString(_json, GetString(key));
            _json.Append(':');
        }

        _pos = start;
        var value = new AnyValueState { JsonStart = _json.Length };
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            bool ok;
            if (field == 2 && wire == WireLength)
            {
                ok = EnterMessage(end, out var valueEnd) && ReadAnyValue(valueEnd, ref value, emit, jsonDepth);
                _depth--;
            }
            else
            {
                ok = SkipField(field, wire, end);
            }

            if (!ok)
            {
                return false;
            }
        }

        if (emit)
        {
            FinishJson(ref value);
        }

        return true;
    }

    private void FinishJson(ref AnyValueState value)
    {
        switch (value.Case)
        {
            case ValueArray:
                _json.Append(']');
                return;
            case ValueKvList:
                _json.Append('}');
                return;
        }

        _json.Length = value.JsonStart;
        switch (value.Case)
        {
            case ValueString:
                OtlpMapping.AppendJsonString(_json, GetString(value.Bytes));
                break;
            case ValueBool:
                OtlpMapping.AppendJsonBool(_json, value.Bits != 0);
                break;
            case ValueInt:
                OtlpMapping.AppendJsonInt(_json, (long)value.Bits);
                break;
            case ValueDouble:
                OtlpMapping.AppendJsonDouble(_json, BitConverter.UInt64BitsToDouble(value.Bits));
                break;
            case ValueBytes:
                OtlpMapping.AppendJsonBytes(_json, Bytes(value.Bytes));
                break;
            default:
                OtlpMapping.AppendJsonNull(_json);
                break;
        }
    }

    private bool Add<T>(List<T> list, T item)
    {
        if (list.Count >= _limits.MaxRepeatedCount)
        {
            return Fail(OtlpDecodeErrorKind.LimitExceeded, $"more than {_limits.MaxRepeatedCount} elements in one repeated field");
        }

        list.Add(item);
        return true;
    }

    private static ImmutableArray<T> ToImmutable<T>(List<T> list) =>
        list.Count == 0 ? ImmutableArray<T>.Empty : ImmutableArray.Create(CollectionsMarshal.AsSpan(list));

    private readonly ReadOnlySpan<byte> Bytes(ByteRange range) => _buffer.Slice(range.Start, range.Length);

    private readonly string GetString(ByteRange range) =>
        range.Length == 0 ? string.Empty : Encoding.UTF8.GetString(_buffer.Slice(range.Start, range.Length));

    // Wire primitives: each reads within [_pos, end) or fails with the reason.

    private bool ReadTag(int end, out int field, out int wire)
    {
        field = 0;
        wire = 0;
        if (!ReadVarint(end, out var value))
        {
            return false;
        }

        // As Google.Protobuf does, a tag is the low 32 bits of the varint.
        var tag = (uint)value;
        field = (int)(tag >> 3);
        wire = (int)(tag & 7);
        return field != 0 || Fail(OtlpDecodeErrorKind.InvalidTag, "a field header with field number 0");
    }

    private bool ReadVarint(int end, out ulong value)
    {
        var pos = _pos;
        if (pos < end && _buffer[pos] < 0x80)
        {
            value = _buffer[pos];
            _pos = pos + 1;
            return true;
        }

        value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (pos >= end)
            {
                return Fail(OtlpDecodeErrorKind.Truncated, "the input ends inside a varint");
            }

            var b = _buffer[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                _pos = pos;
                return true;
            }
        }

        return Fail(OtlpDecodeErrorKind.InvalidData, "a varint longer than 10 bytes");
    }

    private bool ReadFixed64(int end, out ulong value)
    {
        if (end - _pos < 8)
        {
            value = 0;
            return Fail(OtlpDecodeErrorKind.Truncated, "the input ends inside a fixed64");
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.Slice(_pos, 8));
        _pos += 8;
        return true;
    }

    private bool ReadLength(int end, out int length)
    {
        length = 0;
        if (!ReadVarint(end, out var value))
        {
            return false;
        }

        // As Google.Protobuf does, a length is the low 32 bits, as a signed int.
        length = (int)(uint)value;
        if (length < 0)
        {
            return Fail(OtlpDecodeErrorKind.InvalidLength, $"a negative length {length}");
        }

        return length <= end - _pos
            || Fail(OtlpDecodeErrorKind.Truncated, $"a length of {length} bytes runs past the end of its message ({end - _pos} bytes left)");
    }

    private bool ReadBytes(int end, out ByteRange range)
    {
        range = default;
        if (!ReadLength(end, out var length))
        {
            return false;
        }

        if (length > _limits.MaxStringLength)
        {
            return Fail(OtlpDecodeErrorKind.LimitExceeded, $"a string or bytes value of {length} bytes, over the limit of {_limits.MaxStringLength}");
        }

        range = new ByteRange(_pos, length);
        _pos += length;
        return true;
    }

    private bool ReadString(int end, out ByteRange range)
    {
        // Protobuf strings are UTF-8; like Google.Protobuf, refuse any that is not rather than guess.
        return ReadBytes(end, out range)
            && (Utf8.IsValid(Bytes(range)) || Fail(OtlpDecodeErrorKind.InvalidUtf8, $"a string field of {range.Length} bytes is not valid UTF-8"));
    }

    private bool EnterMessage(int end, out int messageEnd)
    {
        messageEnd = 0;
        if (_depth >= _limits.MaxDepth)
        {
            return Fail(OtlpDecodeErrorKind.DepthExceeded, $"messages nested deeper than {_limits.MaxDepth}");
        }

        if (!ReadLength(end, out var length))
        {
            return false;
        }

        _depth++;
        messageEnd = _pos + length;
        return true;
    }

    private bool SkipField(int field, int wire, int end)
    {
        switch (wire)
        {
            case WireVarint:
                return ReadVarint(end, out _);
            case WireFixed64:
                return Skip(end, 8, "fixed64");
            case WireLength:
                if (!ReadLength(end, out var length))
                {
                    return false;
                }

                _pos += length;
                return true;
            case WireFixed32:
                return Skip(end, 4, "fixed32");
            case WireStartGroup:
                return SkipGroup(field, end);
            case WireEndGroup:
                return Fail(OtlpDecodeErrorKind.InvalidWireType, $"an end-group for field {field} with no start-group");
            default:
                return Fail(OtlpDecodeErrorKind.InvalidWireType, $"wire type {wire} (field {field}) does not exist");
        }
    }

    private bool Skip(int end, int count, string what)
    {
        if (end - _pos < count)
        {
            return Fail(OtlpDecodeErrorKind.Truncated, $"the input ends inside a {what}");
        }

        _pos += count;
        return true;
    }

    private bool SkipGroup(int groupField, int end)
    {
        if (_depth >= _limits.MaxDepth)
        {
            return Fail(OtlpDecodeErrorKind.DepthExceeded, $"groups nested deeper than {_limits.MaxDepth}");
        }

        _depth++;
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return false;
            }

            if (wire == WireEndGroup)
            {
                if (field != groupField)
                {
                    return Fail(OtlpDecodeErrorKind.InvalidWireType, $"an end-group for field {field} inside the group of field {groupField}");
                }

                _depth--;
                return true;
            }

            if (!SkipField(field, wire, end))
            {
                return false;
            }
        }

        return Fail(OtlpDecodeErrorKind.Truncated, $"the input ends inside the group of field {groupField}");
    }

    private bool Fail(OtlpDecodeErrorKind kind, string message)
    {
        if (!_error.IsError)
        {
            _error = new OtlpDecodeError(kind, $"{message} (at byte {_pos})");
        }

        return false;
    }

    /// <summary>A slice of the input, without the allocation of a copy.</summary>
    private readonly record struct ByteRange(int Start, int Length);

    /// <summary>What an AnyValue holds so far: the oneof case, a scalar, and for arrays and maps the open JSON.</summary>
    private struct AnyValueState
    {
        public int Case;
        public ulong Bits;
        public ByteRange Bytes;
        public int JsonStart;
        public int Count;
    }
}
