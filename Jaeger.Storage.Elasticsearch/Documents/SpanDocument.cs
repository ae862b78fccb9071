using System.Buffers.Text;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Jaeger.Model;

namespace Jaeger.Storage.Elasticsearch.Documents;

/// <summary>
/// Jaeger's Elasticsearch span document (<c>dbmodel.Span</c>), written and read field by field in Jaeger's key order:
/// traceID, spanID, flags (omitted when 0), operationName, references, startTime (µs), startTimeMillis, duration (µs),
/// tags (nested key/type/value with the value as text), tag (tags-as-fields, typed), logs, process {serviceName, tags, tag}.
/// </summary>
/// <remarks>
/// One addition, only when a span has them: <c>warnings</c>, an array of strings that Jaeger's reader ignores (Jaeger stores
/// no warnings in Elasticsearch, so without it they would be lost).
/// </remarks>
internal sealed class SpanDocument
{
    private readonly TagsAsFields _tagsAsFields;

    // The process object of the last process written: the spans of a batch share one Process instance (immutable), so
    // its JSON is encoded once per batch and copied. Replaced whole, so concurrent writers see a consistent entry.
    private ProcessJson? _lastProcess;

    public SpanDocument(TagsAsFields tagsAsFields) => _tagsAsFields = tagsAsFields;

    /// <summary>Writes the document of <paramref name="span"/> with the process <paramref name="process"/>.</summary>
    public void Write(Utf8JsonWriter w, Span span, Process process)
    {
        w.WriteStartObject();
        WriteTraceId(w, SpanDocumentNames.TraceID, span.TraceId);
        WriteSpanId(w, SpanDocumentNames.SpanID, span.SpanId);
        if (span.Flags != SpanFlags.None)
        {
            w.WriteNumber(SpanDocumentNames.Flags, (uint)span.Flags);
        }

        w.WriteString(SpanDocumentNames.OperationName, span.OperationName);
        w.WriteStartArray(SpanDocumentNames.References);
        foreach (var reference in span.References)
        {
            w.WriteStartObject();
            w.WriteString(SpanDocumentNames.RefType, reference.RefType == SpanRefType.FollowsFrom ? SpanDocumentNames.FollowsFrom : SpanDocumentNames.ChildOf);
            WriteTraceId(w, SpanDocumentNames.TraceID, reference.TraceId);
            WriteSpanId(w, SpanDocumentNames.SpanID, reference.SpanId);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteNumber(SpanDocumentNames.StartTime, span.StartTimeMicros);
        w.WriteNumber(SpanDocumentNames.StartTimeMillis, span.StartTimeMicros / 1000);
        w.WriteNumber(SpanDocumentNames.Duration, span.DurationMicros);
        WriteTags(w, SpanDocumentNames.Tags, SpanDocumentNames.Tag, span.Tags);
        w.WriteStartArray(SpanDocumentNames.Logs);
        foreach (var log in span.Logs)
        {
            w.WriteStartObject();
            w.WriteNumber(SpanDocumentNames.Timestamp, log.TimestampMicros);
            w.WritePropertyName(SpanDocumentNames.Fields);
            if (log.Fields.IsEmpty)
            {
                // Jaeger (Go) writes a nil slice: null.
                w.WriteNullValue();
            }
            else
            {
                WriteKeyValues(w, log.Fields, null);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WritePropertyName(SpanDocumentNames.Process);
        if (w.Options.Indented)
        {
            WriteProcess(w, process);
        }
        else
        {
            w.WriteRawValue(EncodedProcess(process, w.Options).Json.Span, skipInputValidation: true);
        }
        if (span.Warnings.Length > 0)
        {
            w.WriteStartArray(SpanDocumentNames.Warnings);
            foreach (var warning in span.Warnings)
            {
                w.WriteStringValue(warning);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private void WriteProcess(Utf8JsonWriter w, Process process)
    {
        w.WriteStartObject();
        w.WriteString(SpanDocumentNames.ServiceName, process.ServiceName);
        WriteTags(w, SpanDocumentNames.Tags, SpanDocumentNames.Tag, process.Tags);
        w.WriteEndObject();
    }

    private ProcessJson EncodedProcess(Process process, JsonWriterOptions options)
    {
        var last = Volatile.Read(ref _lastProcess);
        if (last is not null && ReferenceEquals(last.Process, process) && ReferenceEquals(last.Encoder, options.Encoder))
        {
            return last;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, options))
        {
            WriteProcess(writer, process);
        }

        var encoded = new ProcessJson(process, options.Encoder, buffer.WrittenMemory);
        Volatile.Write(ref _lastProcess, encoded);
        return encoded;
    }

    private sealed record ProcessJson(Process Process, System.Text.Encodings.Web.JavaScriptEncoder? Encoder, ReadOnlyMemory<byte> Json);

    /// <summary>Reads a span document (<c>_source</c>), as Jaeger's <c>to_domain</c> does; throws <see cref="FormatException"/> on a malformed one.</summary>
    public Span Read(JsonElement doc)
    {
        if (doc.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("A span document must be a JSON object.");
        }

        var traceId = ParseTraceId(RequiredString(doc, "traceID"));
        var span = new Span
        {
            TraceId = traceId,
            SpanId = ParseSpanId(RequiredString(doc, "spanID")),
            OperationName = OptionalString(doc, "operationName") ?? string.Empty,
            Flags = doc.TryGetProperty("flags"u8, out var flags) && flags.ValueKind == JsonValueKind.Number ? (SpanFlags)flags.GetUInt32() : SpanFlags.None,
            StartTimeMicros = RequiredInt64(doc, "startTime"),
            DurationMicros = RequiredInt64(doc, "duration"),
        };

        var references = ImmutableArray.CreateBuilder<SpanRef>();
        if (doc.TryGetProperty("references"u8, out var refs) && refs.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in refs.EnumerateArray())
            {
                var type = RequiredString(r, "refType") switch
                {
                    "CHILD_OF" => SpanRefType.ChildOf,
                    "FOLLOWS_FROM" => SpanRefType.FollowsFrom,
                    var other => throw new FormatException($"Unknown reference type '{other}'."),
                };
                references.Add(new SpanRef(ParseTraceId(RequiredString(r, "traceID")), ParseSpanId(RequiredString(r, "spanID")), type));
            }
        }

        // The deprecated parentSpanID (written before Jaeger 1.16) becomes a CHILD_OF reference when none names it.
        if (OptionalString(doc, "parentSpanID") is { Length: > 0 } parentText)
        {
            var parent = ParseSpanId(parentText);
            if (!parent.IsEmpty && !references.Any(r => r.SpanId == parent && r.TraceId == traceId))
            {
                references.Add(new SpanRef(traceId, parent, SpanRefType.ChildOf));
            }
        }

        span.References = references.DrainToImmutable();
        span.Tags = ReadTags(doc, "tags", "tag");

        if (doc.TryGetProperty("logs"u8, out var logs) && logs.ValueKind == JsonValueKind.Array)
        {
            var builder = ImmutableArray.CreateBuilder<Log>(logs.GetArrayLength());
            foreach (var log in logs.EnumerateArray())
            {
                var fields = log.TryGetProperty("fields"u8, out var f) ? ReadKeyValues(f) : [];
                builder.Add(new Log(RequiredInt64(log, "timestamp"), fields));
            }

            span.Logs = builder.MoveToImmutable();
        }

        if (doc.TryGetProperty("process"u8, out var process) && process.ValueKind == JsonValueKind.Object)
        {
            span.Process = new Process(OptionalString(process, "serviceName") ?? string.Empty, ReadTags(process, "tags", "tag"));
        }
        else
        {
            span.Process = new Process(string.Empty);
        }

        if (doc.TryGetProperty("warnings"u8, out var warnings) && warnings.ValueKind == JsonValueKind.Array)
        {
            var builder = ImmutableArray.CreateBuilder<string>();
            foreach (var warning in warnings.EnumerateArray())
            {
                if (warning.ValueKind == JsonValueKind.String)
                {
                    builder.Add(warning.GetString()!);
                }
            }

            span.Warnings = builder.ToImmutable();
        }

        return span;
    }

    /// <summary>Jaeger's trace-id text: 16 lower-case hex characters when the high half is 0, else 32.</summary>
    public static void WriteTraceId(Utf8JsonWriter w, JsonEncodedText name, TraceId id)
    {
        Span<byte> buffer = stackalloc byte[32];
        id.TryFormat(buffer, out var n);
        w.WriteString(name, buffer[..n]);
    }

    private static void WriteSpanId(Utf8JsonWriter w, JsonEncodedText name, SpanId id)
    {
        Span<byte> buffer = stackalloc byte[16];
        id.TryFormat(buffer, out var n);
        w.WriteString(name, buffer[..n]);
    }

    private void WriteTags(Utf8JsonWriter w, JsonEncodedText arrayName, JsonEncodedText mapName, ImmutableArray<KeyValue> tags)
    {
        w.WritePropertyName(arrayName);
        var asFields = _tagsAsFields.IsEnabled ? WriteKeyValues(w, tags, _tagsAsFields) : WriteKeyValues(w, tags, null);
        if (asFields == 0)
        {
            return;
        }

        // A Go map: keys sorted, the last of equal keys wins (Elasticsearch refuses duplicate keys).
        var fields = new SortedDictionary<string, KeyValue>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            if (_tagsAsFields.IsField(tag))
            {
                fields[_tagsAsFields.FieldName(tag.Key)] = tag;
            }
        }

        w.WriteStartObject(mapName);
        foreach (var (name, tag) in fields)
        {
            w.WritePropertyName(name);
            switch (tag.Type)
            {
                case KeyValueType.Bool:
                    w.WriteBooleanValue(tag.BoolValue);
                    break;
                case KeyValueType.Int64:
                    w.WriteNumberValue(tag.Int64Value);
                    break;
                case KeyValueType.Float64:
                    WriteFloatValue(w, tag.Float64Value);
                    break;
                default:
                    w.WriteStringValue(tag.StringValue);
                    break;
            }
        }

        w.WriteEndObject();
    }

    // Writes the key/type/value array of the tags that are not fields; returns how many were fields.
    private static int WriteKeyValues(Utf8JsonWriter w, ImmutableArray<KeyValue> tags, TagsAsFields? asFields)
    {
        var fields = 0;
        w.WriteStartArray();
        foreach (var tag in tags)
        {
            if (asFields is not null && asFields.IsField(tag))
            {
                fields++;
                continue;
            }

            w.WriteStartObject();
            w.WriteString(SpanDocumentNames.Key, tag.Key);
            w.WriteString(SpanDocumentNames.Type, TypeName(tag.Type));
            w.WritePropertyName(SpanDocumentNames.Value);
            WriteValueText(w, tag);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        return fields;
    }

    private static JsonEncodedText TypeName(KeyValueType type) => type switch
    {
        KeyValueType.Bool => SpanDocumentNames.Bool,
        KeyValueType.Int64 => SpanDocumentNames.Int64,
        KeyValueType.Float64 => SpanDocumentNames.Float64,
        KeyValueType.Binary => SpanDocumentNames.Binary,
        _ => SpanDocumentNames.String,
    };

    /// <summary>The value as text, as Jaeger's <c>KeyValue.AsString</c>: floats as Go's <c>%.10g</c>, binary as lower-case hex.</summary>
    private static void WriteValueText(Utf8JsonWriter w, KeyValue tag)
    {
        switch (tag.Type)
        {
            case KeyValueType.String:
                w.WriteStringValue(tag.StringValue);
                break;
            case KeyValueType.Bool:
                w.WriteStringValue(tag.BoolValue ? SpanDocumentNames.True : SpanDocumentNames.False);
                break;
            case KeyValueType.Int64:
            {
                Span<byte> buffer = stackalloc byte[24];
                Utf8Formatter.TryFormat(tag.Int64Value, buffer, out var n);
                w.WriteStringValue(buffer[..n]);
                break;
            }

            case KeyValueType.Float64:
                w.WriteStringValue(FormatFloat(tag.Float64Value));
                break;
            default:
                w.WriteStringValue(Convert.ToHexStringLower(tag.BinaryValue.Span));
                break;
        }
    }

    /// <summary>Go's <c>strconv.FormatFloat(v, 'g', 10, 64)</c>: at most 10 significant digits, exponent as <c>e+NN</c>.</summary>
    internal static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        var text = value.ToString("G10", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        return e < 0 ? text : string.Concat(text.AsSpan(0, e), "e", text.AsSpan(e + 1));
    }

    private static void WriteFloatValue(Utf8JsonWriter w, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumberValue(value);
        }
        else
        {
            w.WriteStringValue(FormatFloat(value));
        }
    }

    private ImmutableArray<KeyValue> ReadTags(JsonElement parent, string arrayName, string mapName)
    {
        var list = parent.TryGetProperty(arrayName, out var array) ? ReadKeyValues(array) : [];
        if (!parent.TryGetProperty(mapName, out var map) || map.ValueKind != JsonValueKind.Object)
        {
            return list;
        }

        var builder = list.ToBuilder();
        foreach (var property in map.EnumerateObject())
        {
            var key = _tagsAsFields.KeyFromFieldName(property.Name);
            builder.Add(property.Value.ValueKind switch
            {
                JsonValueKind.True => KeyValue.Bool(key, true),
                JsonValueKind.False => KeyValue.Bool(key, false),
                JsonValueKind.Number when property.Value.TryGetInt64(out var i) => KeyValue.Int64(key, i),
                JsonValueKind.Number => KeyValue.Float64(key, property.Value.GetDouble()),
                JsonValueKind.String => KeyValue.String(key, property.Value.GetString()!),
                _ => throw new FormatException($"Tag field '{property.Name}' has an unsupported value ({property.Value.ValueKind})."),
            });
        }

        return builder.ToImmutable();
    }

    private static ImmutableArray<KeyValue> ReadKeyValues(JsonElement array)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<KeyValue>(array.GetArrayLength());
        foreach (var kv in array.EnumerateArray())
        {
            var key = RequiredString(kv, "key");
            var type = OptionalString(kv, "type") ?? "string";
            if (!kv.TryGetProperty("value"u8, out var value))
            {
                throw new FormatException($"Tag '{key}' has no value.");
            }

            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Number => value.GetRawText(),
                _ => throw new FormatException($"Tag '{key}' has an unsupported value ({value.ValueKind})."),
            };
            builder.Add(type switch
            {
                "string" => KeyValue.String(key, text),
                "bool" => KeyValue.Bool(key, text switch
                {
                    "true" => true,
                    "false" => false,
                    _ => bool.TryParse(text, out var b) ? b : throw new FormatException($"Tag '{key}': '{text}' is not a bool."),
                }),
                "int64" => KeyValue.Int64(key, long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : throw new FormatException($"Tag '{key}': '{text}' is not an int64.")),
                "float64" => KeyValue.Float64(key, ParseFloat(key, text)),
                "binary" => KeyValue.Binary(key, ParseHex(key, text)),
                _ => throw new FormatException($"Tag '{key}' has an unknown type '{type}'."),
            });
        }

        return builder.MoveToImmutable();
    }

    private static double ParseFloat(string key, string text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new FormatException($"Tag '{key}': '{text}' is not a float64."),
    };

    private static byte[] ParseHex(string key, string text)
    {
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"Tag '{key}': '{text}' is not hex.", ex);
        }
    }

    private static TraceId ParseTraceId(string text) =>
        TraceId.TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a trace id.");

    private static SpanId ParseSpanId(string text) =>
        SpanId.TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a span id.");

    private static string RequiredString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : throw new FormatException($"The document has no string '{name}'.");

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static long RequiredInt64(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out var v) ? v : throw new FormatException($"The document has no integer '{name}'.");
}

/// <summary>Which tags are written as fields of the <c>tag</c> object, and the dot replacement of their names.</summary>
internal sealed class TagsAsFields
{
    private readonly bool _all;
    private readonly HashSet<string> _include;
    private readonly string _dotReplacement;

    public TagsAsFields(bool all, IEnumerable<string> include, string dotReplacement)
    {
        _all = all;
        _include = new HashSet<string>(include.Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => k.Trim()), StringComparer.Ordinal);
        _dotReplacement = string.IsNullOrEmpty(dotReplacement) ? "@" : dotReplacement;
    }

    public static TagsAsFields None { get; } = new(false, [], "@");

    public bool IsEnabled => _all || _include.Count > 0;

    public string DotReplacement => _dotReplacement;

    /// <summary>True when <paramref name="tag"/> is written as a field (never a binary tag).</summary>
    public bool IsField(KeyValue tag) => tag.Type != KeyValueType.Binary && (_all || _include.Contains(tag.Key));

    /// <summary>The field name: every "." replaced.</summary>
    public string FieldName(string key) => key.Replace(".", _dotReplacement, StringComparison.Ordinal);

    /// <summary>The tag key of a field name: the replacement turned back into ".".</summary>
    public string KeyFromFieldName(string name) => name.Replace(_dotReplacement, ".", StringComparison.Ordinal);
}

/// <summary>The span document's property names and fixed values, encoded once: the writer then copies them without checking each for escaping.</summary>
internal static class SpanDocumentNames
{
    public static readonly JsonEncodedText ChildOf = JsonEncodedText.Encode("CHILD_OF");
    public static readonly JsonEncodedText FollowsFrom = JsonEncodedText.Encode("FOLLOWS_FROM");
    public static readonly JsonEncodedText Binary = JsonEncodedText.Encode("binary");
    public static readonly JsonEncodedText Bool = JsonEncodedText.Encode("bool");
    public static readonly JsonEncodedText Duration = JsonEncodedText.Encode("duration");
    public static readonly JsonEncodedText False = JsonEncodedText.Encode("false");
    public static readonly JsonEncodedText Fields = JsonEncodedText.Encode("fields");
    public static readonly JsonEncodedText Float64 = JsonEncodedText.Encode("float64");
    public static readonly JsonEncodedText Flags = JsonEncodedText.Encode("flags");
    public static readonly JsonEncodedText Int64 = JsonEncodedText.Encode("int64");
    public static readonly JsonEncodedText Key = JsonEncodedText.Encode("key");
    public static readonly JsonEncodedText Logs = JsonEncodedText.Encode("logs");
    public static readonly JsonEncodedText OperationName = JsonEncodedText.Encode("operationName");
    public static readonly JsonEncodedText Process = JsonEncodedText.Encode("process");
    public static readonly JsonEncodedText RefType = JsonEncodedText.Encode("refType");
    public static readonly JsonEncodedText References = JsonEncodedText.Encode("references");
    public static readonly JsonEncodedText ServiceName = JsonEncodedText.Encode("serviceName");
    public static readonly JsonEncodedText SpanID = JsonEncodedText.Encode("spanID");
    public static readonly JsonEncodedText StartTime = JsonEncodedText.Encode("startTime");
    public static readonly JsonEncodedText StartTimeMillis = JsonEncodedText.Encode("startTimeMillis");
    public static readonly JsonEncodedText String = JsonEncodedText.Encode("string");
    public static readonly JsonEncodedText Tag = JsonEncodedText.Encode("tag");
    public static readonly JsonEncodedText Tags = JsonEncodedText.Encode("tags");
    public static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    public static readonly JsonEncodedText TraceID = JsonEncodedText.Encode("traceID");
    public static readonly JsonEncodedText True = JsonEncodedText.Encode("true");
    public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    public static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    public static readonly JsonEncodedText Warnings = JsonEncodedText.Encode("warnings");
}
