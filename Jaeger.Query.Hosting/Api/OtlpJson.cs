using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage;

namespace Jaeger.Query.Api;

/// <summary>Writes Jaeger traces as OTLP JSON (proto3 JSON mapping: hex ids, 64-bit numbers as strings, enums as numbers).</summary>
internal static class OtlpJson
{
    public static void WriteResourceSpans(Utf8JsonWriter w, IReadOnlyList<Trace> traces)
    {
        w.WriteStartArray("resourceSpans");
        foreach (var trace in traces)
        {
            // One resourceSpans entry per distinct process, in order of first appearance.
            var groups = new Dictionary<Process, List<Span>>();
            var order = new List<Process>();
            foreach (var span in trace.Spans)
            {
                if (!groups.TryGetValue(span.Process, out var list))
                {
                    groups[span.Process] = list = [];
                    order.Add(span.Process);
                }

                list.Add(span);
            }

            foreach (var process in order)
            {
                w.WriteStartObject();
                w.WriteStartObject("resource");
                w.WriteStartArray("attributes");
                WriteAttribute(w, KeyValue.String("service.name", process.ServiceName));
                foreach (var tag in process.Tags)
                {
                    WriteAttribute(w, tag);
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteStartArray("scopeSpans");
                w.WriteStartObject();
                w.WriteStartObject("scope");
                w.WriteEndObject();
                w.WriteStartArray("spans");
                foreach (var span in groups[process])
                {
                    WriteSpan(w, span);
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }
        }

        w.WriteEndArray();
    }

    private static void WriteSpan(Utf8JsonWriter w, Span span)
    {
        w.WriteStartObject();
        WriteTraceId(w, "traceId", span.TraceId);
        w.WriteString("spanId", span.SpanId.ToString());
        var parent = span.ParentSpanId;
        if (!parent.IsEmpty)
        {
            w.WriteString("parentSpanId", parent.ToString());
        }

        w.WriteNumber("flags", (int)span.Flags & 0xff);
        w.WriteString("name", span.OperationName);
        var (kind, isError) = KindAndError(span);
        w.WriteNumber("kind", kind);
        w.WriteString("startTimeUnixNano", Nanos(span.StartTimeMicros));
        w.WriteString("endTimeUnixNano", Nanos(span.StartTimeMicros + span.DurationMicros));
        w.WriteStartArray("attributes");
        foreach (var tag in span.Tags)
        {
            if (tag.Key != WellKnownTags.SpanKind)
            {
                WriteAttribute(w, tag);
            }
        }

        w.WriteEndArray();
        w.WriteStartArray("events");
        foreach (var log in span.Logs)
        {
            w.WriteStartObject();
            w.WriteString("timeUnixNano", Nanos(log.TimestampMicros));
            w.WriteString("name", EventName(log));
            w.WriteStartArray("attributes");
            foreach (var field in log.Fields)
            {
                if (field.Key != WellKnownTags.LogEvent)
                {
                    WriteAttribute(w, field);
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("links");
        var parentSkipped = false;
        foreach (var reference in span.References)
        {
            if (!parentSkipped && reference.TraceId == span.TraceId && reference.SpanId == parent)
            {
                parentSkipped = true;
                continue;
            }

            w.WriteStartObject();
            WriteTraceId(w, "traceId", reference.TraceId);
            w.WriteString("spanId", reference.SpanId.ToString());
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("status");
        if (isError)
        {
            w.WriteNumber("code", 2);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>One entry of <c>/api/v3/trace-summaries</c>.</summary>
    public static void WriteSummary(Utf8JsonWriter w, TraceSummary summary)
    {
        w.WriteStartObject();
        WriteTraceId(w, "traceId", summary.TraceId);
        w.WriteString("rootServiceName", summary.RootServiceName);
        w.WriteString("rootOperationName", summary.RootOperationName);
        w.WriteString("minStartTimeUnixNano", Nanos(summary.StartTimeMicros));
        w.WriteString("maxEndTimeUnixNano", Nanos(summary.StartTimeMicros + summary.DurationMicros));
        w.WriteNumber("spanCount", summary.SpanCount);
        w.WriteNumber("errorSpanCount", summary.ErrorSpanCount);
        w.WriteNumber("orphanSpanCount", summary.OrphanSpanCount);
        w.WriteStartArray("services");
        foreach (var service in summary.Services)
        {
            w.WriteStartObject();
            w.WriteString("name", service.Name);
            w.WriteNumber("spanCount", service.SpanCount);
            w.WriteNumber("errorSpanCount", service.ErrorSpanCount);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    internal static bool IsError(Span span) => TraceSummary.IsError(span);

    /// <summary>The OTLP span kind number (INTERNAL when the span says nothing) and whether the span is an error, from its tags.</summary>
    internal static (int Kind, bool IsError) KindAndError(Span span)
    {
        var isError = false;
        var kind = 1;
        foreach (var tag in span.Tags)
        {
            if (tag.Key == WellKnownTags.SpanKind)
            {
                kind = tag.ValueAsString() switch
                {
                    "server" => 2,
                    "client" => 3,
                    "producer" => 4,
                    "consumer" => 5,
                    _ => 1,
                };
            }
            else if (tag.Key == WellKnownTags.Error && tag.ValueEquals("true"))
            {
                isError = true;
            }
        }

        return (kind, isError);
    }

    /// <summary>The OTLP event name of a log: its "event" field, or "event".</summary>
    internal static string EventName(Log log)
    {
        var name = "event";
        foreach (var field in log.Fields)
        {
            if (field.Key == WellKnownTags.LogEvent)
            {
                name = field.ValueAsString();
            }
        }

        return name;
    }

    private static void WriteTraceId(Utf8JsonWriter w, string name, TraceId id)
    {
        // OTLP trace ids are always 16 bytes: 32 hex digits.
        Span<char> buffer = stackalloc char[32];
        id.High.TryFormat(buffer, out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        id.Low.TryFormat(buffer[16..], out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        w.WriteString(name, buffer);
    }

    private static string Nanos(long micros) =>
        ((decimal)micros * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void WriteAttribute(Utf8JsonWriter w, KeyValue kv)
    {
        w.WriteStartObject();
        w.WriteString("key", kv.Key);
        w.WriteStartObject("value");
        switch (kv.Type)
        {
            case KeyValueType.Bool:
                w.WriteBoolean("boolValue", kv.BoolValue);
                break;
            case KeyValueType.Int64:
                w.WriteString("intValue", kv.Int64Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case KeyValueType.Float64:
                if (double.IsFinite(kv.Float64Value))
                {
                    w.WriteNumber("doubleValue", kv.Float64Value);
                }
                else
                {
                    w.WriteString("doubleValue", double.IsNaN(kv.Float64Value) ? "NaN" : kv.Float64Value > 0 ? "Infinity" : "-Infinity");
                }

                break;
            case KeyValueType.Binary:
                w.WriteBase64String("bytesValue", kv.BinaryValue.Span);
                break;
            default:
                w.WriteString("stringValue", kv.StringValue);
                break;
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }
}
