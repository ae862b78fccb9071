using Jaeger.Hosting.Otlp;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Jaeger.Model;
using Jaeger.Text;
using Jaeger.Thrift;

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

    // AnyValue cases, by field number; 0 is none.
    private const int ValueString = 1;
    private const int ValueBool = 2;
    private const int ValueInt = 3;
    private const int ValueDouble = 4;
    private const int ValueArray = 5;
    private const int ValueKvList = 6;
    private const int ValueBytes = 7;

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly ThriftReaderLimits _limits;
    private readonly List<Span> _output;
    private readonly List<KeyValue> _tags = [];
    private readonly List<KeyValue> _fields = [];
    private readonly List<Log> _logs = [];
    private readonly List<SpanRef> _links = [];
    private readonly StringBuilder _json = new();
    private readonly Utf8StringCache _strings = Utf8StringCache.Current;
    private int _pos;
    private int _depth;
    private int _spans;
    private OtlpDecodeError _error;
    private string? _spanError;

    private OtlpProtobufReader(ReadOnlySpan<byte> buffer, List<Span> output, ThriftReaderLimits limits)
    {
        _buffer = buffer;
        _output = output;
        _limits = limits;
    }

    /// <summary>
    /// The bounds of the Thrift readers, but nesting allowed to depth 100 (Google.Protobuf's recursion limit), so that
    /// what the generated parser accepts this reader accepts too. <see cref="ThriftReaderLimits.MaxListCount"/> bounds
    /// each repeated field (attributes, events, links, array and map members), <see cref="ThriftReaderLimits.MaxSpansPerBatch"/>
    /// the spans of one request, <see cref="ThriftReaderLimits.MaxStringLength"/> each string and bytes field.
    /// </summary>
    public static ThriftReaderLimits DefaultLimits { get; } = new() { MaxDepth = 100 };

    /// <summary>
    /// Appends the request's spans to <paramref name="output"/>, or leaves it as it was and says what is wrong. A
    /// malformed protobuf is reported ahead of a span that cannot be mapped, as parsing before mapping would.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> input, List<Span> output, out OtlpDecodeError error, ThriftReaderLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        limits ??= DefaultLimits;
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

    // Which fields each message reader records (scalars) or stops at (messages); everything else is skipped.
    private static readonly Schema RequestSchema = new(Messages: 1u << 1);
    private static readonly Schema ResourceInResourceSpans = new(Messages: 1u << 1);
    private static readonly Schema ScopeSpansInResourceSpans = new(Messages: 1u << 2);
    private static readonly Schema ResourceSchema = new(Messages: 1u << 1);
    private static readonly Schema ScopeInScopeSpans = new(Messages: 1u << 1);
    private static readonly Schema SpansInScopeSpans = new(Messages: 1u << 2);
    private static readonly Schema ScopeSchema = new(Strings: (1u << 1) | (1u << 2));
    private static readonly Schema SpanSchema = new(
        Strings: (1u << 3) | (1u << 5),
        Bytes: (1u << 1) | (1u << 2) | (1u << 4),
        Varints: (1u << 6) | (1u << 10) | (1u << 12) | (1u << 14),
        Fixed64s: (1u << 7) | (1u << 8),
        Messages: (1u << 9) | (1u << 11) | (1u << 13) | (1u << 15));
    private static readonly Schema StatusSchema = new(Strings: 1u << 2, Varints: 1u << 3);
    private static readonly Schema EventSchema = new(Strings: 1u << 2, Fixed64s: 1u << 1, Messages: 1u << 3);
    private static readonly Schema LinkSchema = new(Bytes: (1u << 1) | (1u << 2));
    private static readonly Schema KeyValueSchema = new(Strings: 1u << 1, Messages: 1u << 2);
    private static readonly Schema KeyOfKeyValue = new(Strings: 1u << 1);
    private static readonly Schema ValueOfKeyValue = new(Messages: 1u << 2);
    private static readonly Schema ContainerSchema = new(Messages: 1u << 1);

    private bool ReadRequest()
    {
        var end = _buffer.Length;
        var scalars = default(Scalars);
        var resource = 0;
        int field;
        while ((field = NextMessage(end, RequestSchema, ref scalars, out var messageEnd)) > 0)
        {
            if (!ReadResourceSpans(messageEnd, resource++))
            {
                return false;
            }

            _depth--;
        }

        return field == 0;
    }

    private bool ReadResourceSpans(int end, int resource)
    {
        // The resource may follow the spans on the wire: read it first, then come back for the spans.
        var start = _pos;
        var scalars = default(Scalars);
        var service = OtlpMapping.NoServiceName;
        _tags.Clear();
        int field;
        while ((field = NextMessage(end, ResourceInResourceSpans, ref scalars, out var messageEnd)) > 0)
        {
            if (!ReadResource(messageEnd, ref service))
            {
                return false;
            }

            _depth--;
        }

        if (field < 0)
        {
            return false;
        }

        var process = new Process(service, ToImmutable(_tags));
        _pos = start;
        var scope = 0;
        while ((field = NextMessage(end, ScopeSpansInResourceSpans, ref scalars, out var messageEnd)) > 0)
        {
            if (!ReadScopeSpans(messageEnd, process, resource, scope++))
            {
                return false;
            }

            _depth--;
        }

        return field == 0;
    }

    private bool ReadResource(int end, ref string service)
    {
        var scalars = default(Scalars);
        int field;
        while ((field = NextMessage(end, ResourceSchema, ref scalars, out var messageEnd)) > 0)
        {
            if (!ReadKeyValue(messageEnd, out var attribute, out var isString))
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

        return field == 0;
    }

    private bool ReadScopeSpans(int end, Process process, int resource, int scope)
    {
        var start = _pos;
        var scopeFields = default(Scalars);
        int field;
        while ((field = NextMessage(end, ScopeInScopeSpans, ref scopeFields, out var messageEnd)) > 0)
        {
            // A scope seen twice merges: each of its fields keeps its last value.
            if (NextMessage(messageEnd, ScopeSchema, ref scopeFields, out _) != 0)
            {
                return false;
            }

            _depth--;
        }

        if (field < 0)
        {
            return false;
        }

        var scopeName = GetString(scopeFields.Range(1));
        var scopeVersion = GetString(scopeFields.Range(2));
        _pos = start;
        var scalars = default(Scalars);
        var index = 0;
        while ((field = NextMessage(end, SpansInScopeSpans, ref scalars, out var messageEnd)) > 0)
        {
            if (!ReadSpan(messageEnd, process, scopeName, scopeVersion, resource, scope, index++))
            {
                return false;
            }

            _depth--;
        }

        return field == 0;
    }

    private bool ReadSpan(int end, Process process, string scopeName, string scopeVersion, int resource, int scope, int index)
    {
        if (++_spans > _limits.MaxSpansPerBatch)
        {
            return Fail(OtlpDecodeErrorKind.LimitExceeded, $"more than {_limits.MaxSpansPerBatch} spans in one request");
        }

        var span = default(Scalars);
        var status = default(Scalars);
        var hasStatus = false;
        string? linkError = null;
        _tags.Clear();
        _logs.Clear();
        _links.Clear();
        int field;
        while ((field = NextMessage(end, SpanSchema, ref span, out var messageEnd)) > 0)
        {
            // Field 15, the status, seen twice merges: each of its fields keeps its last value.
            hasStatus |= field == 15;
            var ok = field switch
            {
                9 => ReadAttribute(messageEnd, _tags),
                11 => ReadEvent(messageEnd),
                13 => ReadLink(messageEnd, ref linkError),
                _ => NextMessage(messageEnd, StatusSchema, ref status, out _) == 0,
            };
            if (!ok)
            {
                return false;
            }

            _depth--;
        }

        if (field < 0 || _spanError is not null)
        {
            // On an earlier span's mapping error, the rest is only checked for well-formedness.
            return field == 0;
        }

        if (!OtlpMapping.TryReadIds(Bytes(span.Range(1)), Bytes(span.Range(2)), Bytes(span.Range(4)), out var traceId, out var spanId, out var parentId, out var error)
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
                array[offset++] = new SpanRef(traceId, parentId, SpanRefType.ChildOf);
            }

            _links.CopyTo(array, offset);
            references = ImmutableCollectionsMarshal.AsImmutableArray(array);
        }

        OtlpMapping.AddDerivedTags(_tags, (int)span[6], hasStatus, (int)status[3], GetString(status.Range(2)), scopeName, scopeVersion, GetString(span.Range(3)));
        _output.Add(OtlpMapping.CreateSpan(
            traceId,
            spanId,
            GetString(span.Range(5)),
            span[7],
            span[8],
            references,
            ToImmutable(_tags),
            ToImmutable(_logs),
            OtlpMapping.DroppedWarnings((uint)span[10], (uint)span[12], (uint)span[14]),
            process));
        return true;
    }

    private bool ReadEvent(int end)
    {
        var scalars = default(Scalars);
        _fields.Clear();
        int field;
        while ((field = NextMessage(end, EventSchema, ref scalars, out var messageEnd)) > 0)
        {
            if (!ReadAttribute(messageEnd, _fields))
            {
                return false;
            }

            _depth--;
        }

        if (field < 0 || _spanError is not null)
        {
            return field == 0;
        }

        var name = scalars.Range(2);
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

        return Add(_logs, new Log(OtlpMapping.Micros(scalars[1]), fields));
    }

    private bool ReadLink(int end, ref string? linkError)
    {
        var scalars = default(Scalars);
        if (NextMessage(end, LinkSchema, ref scalars, out _) != 0)
        {
            return false;
        }

        if (linkError is null)
        {
            if (OtlpMapping.TryReadLink(Bytes(scalars.Range(1)), Bytes(scalars.Range(2)), out var reference, out var error))
            {
                return Add(_links, reference);
            }

            linkError = error;
        }

        return true;
    }

    private bool ReadAttribute(int end, List<KeyValue> into) => ReadKeyValue(end, out var attribute, out _) && Add(into, attribute);

    /// <summary>A KeyValue message as a model tag: scalars typed, arrays and maps as JSON text.</summary>
    private bool ReadKeyValue(int end, out KeyValue attribute, out bool isString)
    {
        attribute = default;
        isString = false;
        var scalars = default(Scalars);
        var value = new AnyValueState { JsonStart = 0 };
        _json.Clear();
        int field;
        while ((field = NextMessage(end, KeyValueSchema, ref scalars, out var valueEnd)) > 0)
        {
            // A value seen twice is merged into the first, as protobuf merges a singular message.
            if (!ReadAnyValue(valueEnd, ref value, emit: true, jsonDepth: 0))
            {
                return false;
            }

            _depth--;
        }

        if (field < 0)
        {
            return false;
        }

        var name = GetString(scalars.Range(1));
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
        var scalars = default(Scalars);
        var memberEmit = emit && jsonDepth + 1 <= OtlpMapping.MaxJsonDepth;
        int field;
        while ((field = NextMessage(end, ContainerSchema, ref scalars, out var memberEnd)) > 0)
        {
            if (++container.Count > _limits.MaxListCount)
            {
                return Fail(OtlpDecodeErrorKind.LimitExceeded, $"more than {_limits.MaxListCount} values in one array or map");
            }

            if (emit && container.Count > 1)
            {
                _json.Append(',');
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

        return field == 0;
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
        var scalars = default(Scalars);
        if (NextMessage(end, KeyOfKeyValue, ref scalars, out _) != 0)
        {
            return false;
        }

        if (emit)
        {
            OtlpMapping.AppendJsonString(_json, GetString(scalars.Range(1)));
            _json.Append(':');
        }

        _pos = start;
        var value = new AnyValueState { JsonStart = _json.Length };
        int field;
        while ((field = NextMessage(end, ValueOfKeyValue, ref scalars, out var valueEnd)) > 0)
        {
            if (!ReadAnyValue(valueEnd, ref value, emit, jsonDepth))
            {
                return false;
            }

            _depth--;
        }

        if (field < 0)
        {
            return false;
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

    /// <summary>
    /// Reads on through a message to its next field that <paramref name="schema"/> names as a message, enters it and
    /// returns its number, recording the schema's scalar fields in <paramref name="scalars"/> (the last value wins) and
    /// skipping all else on the way, a known field number with an unexpected wire type included, as protobuf does.
    /// Returns 0 at the end of the message and -1 on an error. The caller leaves an entered message with <c>_depth--</c>.
    /// </summary>
    private int NextMessage(int end, Schema schema, ref Scalars scalars, out int messageEnd)
    {
        messageEnd = 0;
        while (_pos < end)
        {
            if (!ReadTag(end, out var field, out var wire))
            {
                return -1;
            }

            var bit = field < 32 ? 1u << field : 0;
            bool ok;
            ByteRange range;
            switch (wire)
            {
                case WireLength when (schema.Messages & bit) != 0:
                    return EnterMessage(end, out messageEnd) ? field : -1;
                case WireLength when (schema.Strings & bit) != 0:
                    ok = ReadString(end, out range);
                    scalars.SetRange(field, range);
                    break;
                case WireLength when (schema.Bytes & bit) != 0:
                    ok = ReadBytes(end, out range);
                    scalars.SetRange(field, range);
                    break;
                case WireVarint when (schema.Varints & bit) != 0:
                    ok = ReadVarint(end, out scalars[field]);
                    break;
                case WireFixed64 when (schema.Fixed64s & bit) != 0:
                    ok = ReadFixed64(end, out scalars[field]);
                    break;
                default:
                    ok = SkipField(field, wire, end);
                    break;
            }

            if (!ok)
            {
                return -1;
            }
        }

        return 0;
    }

    private bool Add<T>(List<T> list, T item)
    {
        if (list.Count >= _limits.MaxListCount)
        {
            return Fail(OtlpDecodeErrorKind.LimitExceeded, $"more than {_limits.MaxListCount} elements in one repeated field");
        }

        list.Add(item);
        return true;
    }

    private static ImmutableArray<T> ToImmutable<T>(List<T> list) =>
        list.Count == 0 ? ImmutableArray<T>.Empty : ImmutableArray.Create(CollectionsMarshal.AsSpan(list));

    private readonly ReadOnlySpan<byte> Bytes(ByteRange range) => _buffer.Slice(range.Start, range.Length);

    private readonly string GetString(ByteRange range) => _strings.Get(_buffer.Slice(range.Start, range.Length));

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

    /// <summary>The fields a message reader wants, as bit masks by field number (all OTLP trace fields are below 32).</summary>
    private readonly record struct Schema(uint Strings = 0, uint Bytes = 0, uint Varints = 0, uint Fixed64s = 0, uint Messages = 0);

    /// <summary>
    /// The scalar fields of one message by number: a varint or fixed64 value, or a string's place in the input. The
    /// schemas name scalar fields 1 to 14 only, so 16 slots hold them all.
    /// </summary>
    [InlineArray(16)]
    private struct Scalars
    {
        private ulong _first;

        public readonly ByteRange Range(int field) => new((int)(this[field] >> 32), (int)(uint)this[field]);

        public void SetRange(int field, ByteRange range) => this[field] = ((ulong)(uint)range.Start << 32) | (uint)range.Length;
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
