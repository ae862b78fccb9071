using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Jaeger.Model;

namespace Jaeger.Storage.ClickHouse.Writing;

/// <summary>
/// Encodes Jaeger's span model as rows of Jaeger v2's <c>spans</c> table in ClickHouse's RowBinary format, as Jaeger
/// v2 stores an OTLP span translated from Jaeger's model: process tags become resource attributes (with
/// <c>service.name</c>), <c>span.kind</c> the <c>kind</c> column, <c>error=true</c> the <c>Error</c> status,
/// <c>otel.scope.name</c>/<c>otel.scope.version</c> the scope, logs events (their <c>event</c> field the event name),
/// references other than the parent links (with <c>opentracing.ref_type</c>), binary values <c>@bytes@</c> complex
/// attributes (base64), warnings the <c>@jaeger@warnings</c> slice attribute. <see cref="Reading.SpanRowReader"/> maps
/// back, so a span round-trips.
/// </summary>
/// <remarks>
/// Values go straight from the model to bytes in <see cref="Columns"/> order: no row objects, no boxing, no
/// intermediate arrays. A batch's process is encoded once (<see cref="EncodeResource"/>) and copied into each row.
/// </remarks>
internal static class SpanRows
{
    public const string BytesPrefix = "@bytes@";
    public const string SlicePrefix = "@slice@";
    public const string WarningsKey = "@jaeger@warnings";
    public const string RefTypeKey = "opentracing.ref_type";
    public const string ServiceNameKey = "service.name";
    public const string ScopeNameKey = "otel.scope.name";
    public const string ScopeVersionKey = "otel.scope.version";
    public const string EventKey = "event";
    public const string StatusError = "Error";
    public const string StatusOk = "Ok";
    public const string StatusUnset = "Unset";

    /// <summary>The columns written, in the order <see cref="Write"/> encodes them.</summary>
    public static readonly string[] Columns =
    [
        "id", "trace_id", "trace_state", "parent_span_id", "name", "kind", "start_time", "status_code", "status_message", "duration",
        "bool_attributes.key", "bool_attributes.value", "double_attributes.key", "double_attributes.value", "int_attributes.key", "int_attributes.value",
        "str_attributes.key", "str_attributes.value", "complex_attributes.key", "complex_attributes.value",
        "events.name", "events.timestamp", "events.bool_attributes", "events.double_attributes", "events.int_attributes", "events.str_attributes", "events.complex_attributes",
        "links.trace_id", "links.span_id", "links.trace_state", "links.bool_attributes", "links.double_attributes", "links.int_attributes", "links.str_attributes", "links.complex_attributes",
        "service_name",
        "resource_bool_attributes.key", "resource_bool_attributes.value", "resource_double_attributes.key", "resource_double_attributes.value",
        "resource_int_attributes.key", "resource_int_attributes.value", "resource_str_attributes.key", "resource_str_attributes.value",
        "resource_complex_attributes.key", "resource_complex_attributes.value",
        "scope_name", "scope_version",
        "scope_bool_attributes.key", "scope_bool_attributes.value", "scope_double_attributes.key", "scope_double_attributes.value",
        "scope_int_attributes.key", "scope_int_attributes.value", "scope_str_attributes.key", "scope_str_attributes.value",
        "scope_complex_attributes.key", "scope_complex_attributes.value",
        "flags", "events.dropped_attributes_count", "links.dropped_attributes_count", "links.flags",
    ];

    /// <summary>OTLP span kinds as Jaeger v2 writes them (lower case).</summary>
    public static readonly ImmutableHashSet<string> Kinds = ["internal", "server", "client", "producer", "consumer"];

    // What a tag becomes: nothing (it went to a column of its own), or an attribute of one of the five typed groups.
    private const byte Skip = 0, BoolGroup = 1, DoubleGroup = 2, IntGroup = 3, StrGroup = 4, ComplexGroup = 5;

    /// <summary>The 32-hex-digit trace id Jaeger v2 stores.</summary>
    public static string TraceIdText(TraceId id) => string.Create(32, id, static (chars, value) =>
    {
        value.High.TryFormat(chars, out _, "x16", CultureInfo.InvariantCulture);
        value.Low.TryFormat(chars[16..], out _, "x16", CultureInfo.InvariantCulture);
    });

    /// <summary>A date of microsecond precision from microseconds since the Unix epoch.</summary>
    public static DateTime FromMicros(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10);

    /// <summary>The <c>service_name</c> and resource attribute columns of a process, encoded once per batch.</summary>
    public static byte[] EncodeResource(Process process)
    {
        using var buffer = new RowBinaryBuffer(256);
        buffer.WriteString(process.ServiceName);
        var tags = process.Tags;
        Span<byte> groups = tags.Length < 128 ? stackalloc byte[tags.Length + 1] : new byte[tags.Length + 1];
        var all = new KeyValue[tags.Length + 1];
        all[0] = KeyValue.String(ServiceNameKey, process.ServiceName);
        tags.CopyTo(all, 1);
        for (var i = 0; i < all.Length; i++)
        {
            groups[i] = GroupOf(all[i]);
        }

        WriteAttributeColumns(buffer, all, groups, warnings: null);
        return buffer.Written.ToArray();
    }

    /// <summary>Appends the row of one span; <paramref name="resource"/> is <see cref="EncodeResource"/> of its process.</summary>
    public static void Write(RowBinaryBuffer buffer, Span span, ReadOnlySpan<byte> resource)
    {
        var tags = span.Tags.AsSpan();
        Span<byte> groups = tags.Length <= 256 ? stackalloc byte[tags.Length] : new byte[tags.Length];
        var kind = string.Empty;
        var status = StatusUnset;
        string scopeName = string.Empty, scopeVersion = string.Empty;
        for (var i = 0; i < tags.Length; i++)
        {
            var tag = tags[i];
            groups[i] = GroupOf(tag);
            if (tag.Type == KeyValueType.String)
            {
                switch (tag.Key)
                {
                    case WellKnownTags.SpanKind when kind.Length == 0 && Kinds.Contains(tag.StringValue):
                        kind = tag.StringValue;
                        groups[i] = Skip;
                        break;
                    case ScopeNameKey when scopeName.Length == 0:
                        scopeName = tag.StringValue;
                        groups[i] = Skip;
                        break;
                    case ScopeVersionKey when scopeVersion.Length == 0:
                        scopeVersion = tag.StringValue;
                        groups[i] = Skip;
                        break;
                    case WellKnownTags.Error when tag.StringValue == "true":
                        // Kept as the text tag it is, and the status says error too.
                        status = StatusError;
                        break;
                }
            }
            else if (tag.Type == KeyValueType.Bool && tag.Key == WellKnownTags.Error && tag.BoolValue && status != StatusError)
            {
                status = StatusError;
                groups[i] = Skip;
            }
        }

        // The parent is the first reference when it is a CHILD_OF in this trace (Jaeger v2's parent_span_id); any
        // other shape keeps every reference as a link, the parent among them, so the references come back as written.
        var references = span.References.AsSpan();
        SpanId parent = default;
        var linksFrom = 0;
        if (!references.IsEmpty && references[0].RefType == SpanRefType.ChildOf && references[0].TraceId == span.TraceId)
        {
            parent = references[0].SpanId;
            linksFrom = 1;
        }
        else if (!references.IsEmpty)
        {
            parent = span.ParentSpanId;
        }

        var links = references[linksFrom..];
        var logs = span.Logs.AsSpan();

        WriteSpanId(buffer, span.SpanId);
        WriteTraceId(buffer, span.TraceId);
        buffer.WriteLength(0); // trace_state
        WriteSpanId(buffer, parent);
        buffer.WriteString(span.OperationName);
        buffer.WriteString(kind);
        buffer.WriteInt64(checked(span.StartTimeMicros * 1000));
        buffer.WriteString(status);
        buffer.WriteLength(0); // status_message
        buffer.WriteInt64(checked(span.DurationMicros * 1000));
        WriteAttributeColumns(buffer, tags, groups, span.Warnings.IsEmpty ? null : JsonSerializer.Serialize(span.Warnings.ToArray(), SpanRowsJson.Default.StringArray));

        // events.*: names, timestamps, then each typed group as an array (per event) of (key, value) tuples.
        buffer.WriteLength(logs.Length);
        foreach (var log in logs)
        {
            buffer.WriteString(EventName(log.Fields.AsSpan(), out _));
        }

        buffer.WriteLength(logs.Length);
        foreach (var log in logs)
        {
            buffer.WriteInt64(checked(log.TimestampMicros * 1000));
        }

        for (var group = BoolGroup; group <= ComplexGroup; group++)
        {
            buffer.WriteLength(logs.Length);
            foreach (var log in logs)
            {
                var fields = log.Fields.AsSpan();
                EventName(fields, out var nameField);
                WriteTuples(buffer, fields, (byte)group, nameField);
            }
        }

        // links.*: ids, empty trace states, the reference type as the one string attribute.
        buffer.WriteLength(links.Length);
        foreach (var link in links)
        {
            WriteTraceId(buffer, link.TraceId);
        }

        buffer.WriteLength(links.Length);
        foreach (var link in links)
        {
            WriteSpanId(buffer, link.SpanId);
        }

        WriteEmptyStrings(buffer, links.Length); // links.trace_state
        WriteEmptyArrays(buffer, links.Length); // links.bool_attributes
        WriteEmptyArrays(buffer, links.Length); // links.double_attributes
        WriteEmptyArrays(buffer, links.Length); // links.int_attributes
        buffer.WriteLength(links.Length);
        foreach (var link in links)
        {
            buffer.WriteLength(1);
            buffer.WriteString(RefTypeKey);
            buffer.WriteString(link.RefType == SpanRefType.ChildOf ? "child_of" : "follows_from");
        }

        WriteEmptyArrays(buffer, links.Length); // links.complex_attributes

        buffer.Append(resource); // service_name, resource_*_attributes
        buffer.WriteString(scopeName);
        buffer.WriteString(scopeVersion);
        for (var i = 0; i < 10; i++)
        {
            buffer.WriteLength(0); // scope_*_attributes
        }

        buffer.WriteUInt32((uint)span.Flags);
        WriteZeros(buffer, logs.Length); // events.dropped_attributes_count
        WriteZeros(buffer, links.Length); // links.dropped_attributes_count
        WriteZeros(buffer, links.Length); // links.flags
    }

    private static byte GroupOf(KeyValue tag) => tag.Type switch
    {
        KeyValueType.Bool => BoolGroup,
        KeyValueType.Float64 => DoubleGroup,
        KeyValueType.Int64 => IntGroup,
        KeyValueType.Binary => ComplexGroup,
        _ => StrGroup,
    };

    // The ten flattened Nested columns of one attribute set: bool keys, bool values, double keys, ... complex values.
    private static void WriteAttributeColumns(RowBinaryBuffer buffer, ReadOnlySpan<KeyValue> tags, ReadOnlySpan<byte> groups, string? warnings)
    {
        for (var group = BoolGroup; group <= ComplexGroup; group++)
        {
            var count = groups.Count((byte)group) + (group == ComplexGroup && warnings is not null ? 1 : 0);
            buffer.WriteLength(count);
            for (var i = 0; i < tags.Length; i++)
            {
                if (groups[i] == group)
                {
                    WriteKey(buffer, tags[i]);
                }
            }

            if (group == ComplexGroup && warnings is not null)
            {
                buffer.WriteString(SlicePrefix, WarningsKey);
            }

            buffer.WriteLength(count);
            for (var i = 0; i < tags.Length; i++)
            {
                if (groups[i] == group)
                {
                    WriteValue(buffer, tags[i]);
                }
            }

            if (group == ComplexGroup && warnings is not null)
            {
                buffer.WriteString(warnings);
            }
        }
    }

    // One event's attributes of one group as an array of (key, value) tuples, its name field left out.
    private static void WriteTuples(RowBinaryBuffer buffer, ReadOnlySpan<KeyValue> fields, byte group, int nameField)
    {
        var count = 0;
        for (var i = 0; i < fields.Length; i++)
        {
            if (i != nameField && GroupOf(fields[i]) == group)
            {
                count++;
            }
        }

        buffer.WriteLength(count);
        for (var i = 0; i < fields.Length; i++)
        {
            if (i != nameField && GroupOf(fields[i]) == group)
            {
                WriteKey(buffer, fields[i]);
                WriteValue(buffer, fields[i]);
            }
        }
    }

    // A log's event name: its first string field "event" (left out of its attributes), or "".
    private static string EventName(ReadOnlySpan<KeyValue> fields, out int index)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            if (fields[i].Type == KeyValueType.String && fields[i].Key == EventKey)
            {
                index = i;
                return fields[i].StringValue;
            }
        }

        index = -1;
        return string.Empty;
    }

    private static void WriteKey(RowBinaryBuffer buffer, KeyValue tag)
    {
        if (tag.Type == KeyValueType.Binary)
        {
            buffer.WriteString(BytesPrefix, tag.Key);
        }
        else
        {
            buffer.WriteString(tag.Key);
        }
    }

    private static void WriteValue(RowBinaryBuffer buffer, KeyValue tag)
    {
        switch (tag.Type)
        {
            case KeyValueType.Bool:
                buffer.WriteBool(tag.BoolValue);
                break;
            case KeyValueType.Float64:
                buffer.WriteDouble(tag.Float64Value);
                break;
            case KeyValueType.Int64:
                buffer.WriteInt64(tag.Int64Value);
                break;
            case KeyValueType.Binary:
                buffer.WriteBase64(tag.BinaryValue.Span);
                break;
            default:
                buffer.WriteString(tag.StringValue);
                break;
        }
    }

    private static void WriteTraceId(RowBinaryBuffer buffer, TraceId id)
    {
        buffer.WriteLength(32);
        buffer.WriteHex16(id.High);
        buffer.WriteHex16(id.Low);
    }

    // 16 hex digits, or "" for none (as OTLP's empty parent).
    private static void WriteSpanId(RowBinaryBuffer buffer, SpanId id)
    {
        if (id.IsEmpty)
        {
            buffer.WriteLength(0);
            return;
        }

        buffer.WriteLength(16);
        buffer.WriteHex16(id.Value);
    }

    private static void WriteEmptyStrings(RowBinaryBuffer buffer, int count)
    {
        buffer.WriteLength(count);
        for (var i = 0; i < count; i++)
        {
            buffer.WriteLength(0);
        }
    }

    private static void WriteEmptyArrays(RowBinaryBuffer buffer, int count) => WriteEmptyStrings(buffer, count);

    private static void WriteZeros(RowBinaryBuffer buffer, int count)
    {
        buffer.WriteLength(count);
        for (var i = 0; i < count; i++)
        {
            buffer.WriteUInt32(0);
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class SpanRowsJson : System.Text.Json.Serialization.JsonSerializerContext
{
}
