using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage.Elasticsearch.Writing;

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

    /// <summary>Writes the document of <paramref name="span"/> with the process <paramref name="process"/>, compact, on one line.</summary>
    /// <remarks>
    /// The key order and the separators are fixed, so they are written as pre-composed UTF-8 fragments; the values go
    /// through <see cref="RawJsonWriter"/>, which escapes as <see cref="Utf8JsonWriter"/> does.
    /// </remarks>
    public void Write(RawJsonWriter w, Span span, Process process)
    {
        w.Raw("{\"traceID\":"u8);
        WriteTraceId(w, span.TraceId);
        w.Raw(",\"spanID\":"u8);
        WriteSpanId(w, span.SpanId);
        if (span.Flags != SpanFlags.None)
        {
            w.Raw(",\"flags\":"u8);
            w.Number((uint)span.Flags);
        }

        w.Raw(",\"operationName\":"u8);
        w.String(span.OperationName);
        w.Raw(",\"references\":["u8);
        var first = true;
        foreach (var reference in span.References)
        {
            w.Raw(first ? "{\"refType\":"u8 : ",{\"refType\":"u8);
            first = false;
            w.Raw(reference.RefType == SpanRefType.FollowsFrom ? "\"FOLLOWS_FROM\",\"traceID\":"u8 : "\"CHILD_OF\",\"traceID\":"u8);
            WriteTraceId(w, reference.TraceId);
            w.Raw(",\"spanID\":"u8);
            WriteSpanId(w, reference.SpanId);
            w.Raw("}"u8);
        }

        w.Raw("],\"startTime\":"u8);
        w.Number(span.StartTimeMicros);
        w.Raw(",\"startTimeMillis\":"u8);
        w.Number(span.StartTimeMicros / 1000);
        w.Raw(",\"duration\":"u8);
        w.Number(span.DurationMicros);
        w.Raw(",\"tags\":"u8);
        WriteTags(w, span.Tags);
        w.Raw(",\"logs\":["u8);
        first = true;
        foreach (var log in span.Logs)
        {
            w.Raw(first ? "{\"timestamp\":"u8 : ",{\"timestamp\":"u8);
            first = false;
            w.Number(log.TimestampMicros);
            if (log.Fields.IsEmpty)
            {
                // Jaeger (Go) writes a nil slice: null.
                w.Raw(",\"fields\":null}"u8);
            }
            else
            {
                w.Raw(",\"fields\":"u8);
                WriteKeyValues(w, log.Fields, null);
                w.Raw("}"u8);
            }
        }

        w.Raw("],\"process\":"u8);
        WriteProcess(w, process);
        if (span.Warnings.Length > 0)
        {
            w.Raw(",\"warnings\":["u8);
            first = true;
            foreach (var warning in span.Warnings)
            {
                if (!first)
                {
                    w.Raw(","u8);
                }

                first = false;
                w.String(warning);
            }

            w.Raw("]"u8);
        }

        w.Raw("}"u8);
    }

    // The process object; its bytes are kept for the next span of the same Process instance (the rest of its batch).
    private void WriteProcess(RawJsonWriter w, Process process)
    {
        var last = Volatile.Read(ref _lastProcess);
        if (last is not null && ReferenceEquals(last.Process, process))
        {
            w.Raw(last.Json);
            return;
        }

        var start = w.WrittenCount;
        w.Raw("{\"serviceName\":"u8);
        w.String(process.ServiceName);
        w.Raw(",\"tags\":"u8);
        WriteTags(w, process.Tags);
        w.Raw("}"u8);
        Volatile.Write(ref _lastProcess, new ProcessJson(process, w.WrittenFrom(start).ToArray()));
    }

    private sealed record ProcessJson(Process Process, byte[] Json);

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

    // Jaeger's trace-id text: 16 lower-case hex characters when the high half is 0, else 32.
    private static void WriteTraceId(RawJsonWriter w, TraceId id)
    {
        w.Raw("\""u8);
        if (id.High != 0)
        {
            w.Hex(id.High);
        }

        w.Hex(id.Low);
        w.Raw("\""u8);
    }

    private static void WriteSpanId(RawJsonWriter w, SpanId id)
    {
        w.Raw("\""u8);
        w.Hex(id.Value);
        w.Raw("\""u8);
    }

    // The key/type/value array, then (tags as fields) the "tag" object.
    private void WriteTags(RawJsonWriter w, ImmutableArray<KeyValue> tags)
    {
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

        w.Raw(",\"tag\":{"u8);
        var first = true;
        foreach (var (name, tag) in fields)
        {
            if (!first)
            {
                w.Raw(","u8);
            }

            first = false;
            w.String(name);
            w.Raw(":"u8);
            switch (tag.Type)
            {
                case KeyValueType.Bool:
                    w.Raw(tag.BoolValue ? "true"u8 : "false"u8);
                    break;
                case KeyValueType.Int64:
                    w.Number(tag.Int64Value);
                    break;
                case KeyValueType.Float64 when double.IsFinite(tag.Float64Value):
                    w.Number(tag.Float64Value);
                    break;
                case KeyValueType.Float64:
                    w.String(FormatFloat(tag.Float64Value));
                    break;
                default:
                    w.String(tag.StringValue);
                    break;
            }
        }

        w.Raw("}"u8);
    }

    // Writes the key/type/value array of the tags that are not fields; returns how many were fields. The value is
    // text, as Jaeger's KeyValue.AsString: floats as Go's %.10g, binary as lower-case hex.
    private static int WriteKeyValues(RawJsonWriter w, ImmutableArray<KeyValue> tags, TagsAsFields? asFields)
    {
        var fields = 0;
        var first = true;
        w.Raw("["u8);
        foreach (var tag in tags)
        {
            if (asFields is not null && asFields.IsField(tag))
            {
                fields++;
                continue;
            }

            w.Raw(first ? "{\"key\":"u8 : ",{\"key\":"u8);
            first = false;
            w.String(tag.Key);
            switch (tag.Type)
            {
                case KeyValueType.String:
                    w.Raw(",\"type\":\"string\",\"value\":"u8);
                    w.String(tag.StringValue);
                    break;
                case KeyValueType.Bool:
                    w.Raw(tag.BoolValue ? ",\"type\":\"bool\",\"value\":\"true\""u8 : ",\"type\":\"bool\",\"value\":\"false\""u8);
                    break;
                case KeyValueType.Int64:
                    w.Raw(",\"type\":\"int64\",\"value\":"u8);
                    w.NumberString(tag.Int64Value);
                    break;
                case KeyValueType.Float64:
                    w.Raw(",\"type\":\"float64\",\"value\":"u8);
                    w.String(FormatFloat(tag.Float64Value));
                    break;
                default:
                    w.Raw(",\"type\":\"binary\",\"value\":"u8);
                    w.String(Convert.ToHexStringLower(tag.BinaryValue.Span));
                    break;
            }

            w.Raw("}"u8);
        }

        w.Raw("]"u8);
        return fields;
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
