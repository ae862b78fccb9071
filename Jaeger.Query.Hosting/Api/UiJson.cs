using System.Text.Json;
using Jaeger.Model;

namespace Jaeger.Query.Api;

/// <summary>Writes Jaeger's UI JSON (the <c>/api</c> contract) straight into a <see cref="Utf8JsonWriter"/>, with no intermediate objects.</summary>
internal static class UiJson
{
    private const long MaxSafeInteger = (1L << 53) - 1;

    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText Total = JsonEncodedText.Encode("total");
    private static readonly JsonEncodedText Limit = JsonEncodedText.Encode("limit");
    private static readonly JsonEncodedText Offset = JsonEncodedText.Encode("offset");
    private static readonly JsonEncodedText Errors = JsonEncodedText.Encode("errors");
    private static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText Msg = JsonEncodedText.Encode("msg");
    private static readonly JsonEncodedText TraceIdName = JsonEncodedText.Encode("traceID");
    private static readonly JsonEncodedText SpanIdName = JsonEncodedText.Encode("spanID");
    private static readonly JsonEncodedText Spans = JsonEncodedText.Encode("spans");
    private static readonly JsonEncodedText Flags = JsonEncodedText.Encode("flags");
    private static readonly JsonEncodedText OperationName = JsonEncodedText.Encode("operationName");
    private static readonly JsonEncodedText References = JsonEncodedText.Encode("references");
    private static readonly JsonEncodedText RefType = JsonEncodedText.Encode("refType");
    private static readonly JsonEncodedText ChildOf = JsonEncodedText.Encode("CHILD_OF");
    private static readonly JsonEncodedText FollowsFrom = JsonEncodedText.Encode("FOLLOWS_FROM");
    private static readonly JsonEncodedText StartTime = JsonEncodedText.Encode("startTime");
    private static readonly JsonEncodedText Duration = JsonEncodedText.Encode("duration");
    private static readonly JsonEncodedText Tags = JsonEncodedText.Encode("tags");
    private static readonly JsonEncodedText Logs = JsonEncodedText.Encode("logs");
    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText Fields = JsonEncodedText.Encode("fields");
    private static readonly JsonEncodedText ProcessIdName = JsonEncodedText.Encode("processID");
    private static readonly JsonEncodedText Warnings = JsonEncodedText.Encode("warnings");
    private static readonly JsonEncodedText Processes = JsonEncodedText.Encode("processes");
    private static readonly JsonEncodedText ServiceName = JsonEncodedText.Encode("serviceName");
    private static readonly JsonEncodedText Key = JsonEncodedText.Encode("key");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText TypeString = JsonEncodedText.Encode("string");
    private static readonly JsonEncodedText TypeBool = JsonEncodedText.Encode("bool");
    private static readonly JsonEncodedText TypeInt64 = JsonEncodedText.Encode("int64");
    private static readonly JsonEncodedText TypeFloat64 = JsonEncodedText.Encode("float64");
    private static readonly JsonEncodedText TypeBinary = JsonEncodedText.Encode("binary");
    private static readonly JsonEncodedText Parent = JsonEncodedText.Encode("parent");
    private static readonly JsonEncodedText Child = JsonEncodedText.Encode("child");
    private static readonly JsonEncodedText CallCount = JsonEncodedText.Encode("callCount");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText SpanKind = JsonEncodedText.Encode("spanKind");

    /// <summary>Writes <c>"total":n,"limit":0,"offset":0,"errors":...</c> and closes the envelope opened by the caller after <c>"data"</c>.</summary>
    public static void EndEnvelope(Utf8JsonWriter w, int total, IReadOnlyList<ApiError>? errors)
    {
        w.WriteNumber(Total, total);
        w.WriteNumber(Limit, 0);
        w.WriteNumber(Offset, 0);
        if (errors is null || errors.Count == 0)
        {
            w.WriteNull(Errors);
        }
        else
        {
            w.WriteStartArray(Errors);
            foreach (var error in errors)
            {
                w.WriteStartObject();
                if (error.Code != 0)
                {
                    w.WriteNumber(Code, error.Code);
                }

                w.WriteString(Msg, error.Message);
                if (error.TraceId is { } traceId)
                {
                    WriteTraceId(w, TraceIdName, traceId);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    public static void StartEnvelope(Utf8JsonWriter w) => w.WriteStartObject();

    public static void WriteDataPropertyName(Utf8JsonWriter w) => w.WritePropertyName(Data);

    public static void WriteErrorEnvelope(Utf8JsonWriter w, int status, string message)
    {
        w.WriteStartObject();
        w.WriteNull(Data);
        EndEnvelope(w, 0, [new ApiError(status, message)]);
    }

    public static void WriteStrings(Utf8JsonWriter w, IReadOnlyList<string> values)
    {
        w.WriteStartArray();
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    public static void WriteOperation(Utf8JsonWriter w, string name, string spanKind)
    {
        w.WriteStartObject();
        w.WriteString(Name, name);
        w.WriteString(SpanKind, spanKind);
        w.WriteEndObject();
    }

    public static void WriteDependency(Utf8JsonWriter w, string parent, string child, ulong callCount)
    {
        w.WriteStartObject();
        w.WriteString(Parent, parent);
        w.WriteString(Child, child);
        w.WriteNumber(CallCount, callCount);
        w.WriteEndObject();
    }

    public static void WriteTraceId(Utf8JsonWriter w, JsonEncodedText name, TraceId id)
    {
        Span<byte> buffer = stackalloc byte[32];
        id.TryFormat(buffer, out var written);
        w.WriteString(name, buffer[..written]);
    }

    private static void WriteSpanId(Utf8JsonWriter w, JsonEncodedText name, SpanId id)
    {
        Span<byte> buffer = stackalloc byte[16];
        id.TryFormat(buffer, out var written);
        w.WriteString(name, buffer[..written]);
    }

    private static void WriteProcessId(Utf8JsonWriter w, JsonEncodedText name, int index)
    {
        Span<byte> buffer = stackalloc byte[12];
        buffer[0] = (byte)'p';
        (index + 1).TryFormat(buffer[1..], out var written);
        w.WriteString(name, buffer[..(written + 1)]);
    }

    /// <summary>One trace: spans in their current order, processes deduplicated into p1..pN by first appearance.</summary>
    public static void WriteTrace(Utf8JsonWriter w, Trace trace)
    {
        var processes = new List<Process>();
        var processIndex = new Dictionary<Process, int>();

        // Spans of one batch share their Process instance, so most lookups are by reference; equal copies still merge.
        var byReference = new Dictionary<Process, int>(ReferenceEqualityComparer.Instance);
        Process? lastProcess = null;
        var lastIndex = -1;

        w.WriteStartObject();
        WriteTraceId(w, TraceIdName, trace.TraceId);
        w.WriteStartArray(Spans);
        foreach (var span in trace.Spans)
        {
            int index;
            if (ReferenceEquals(span.Process, lastProcess))
            {
                index = lastIndex;
            }
            else
            {
                if (!byReference.TryGetValue(span.Process, out index))
                {
                    if (!processIndex.TryGetValue(span.Process, out index))
                    {
                        index = processes.Count;
                        processes.Add(span.Process);
                        processIndex[span.Process] = index;
                    }

                    byReference[span.Process] = index;
                }

                lastProcess = span.Process;
                lastIndex = index;
            }

            WriteSpan(w, span, index);
        }

        w.WriteEndArray();
        w.WriteStartObject(Processes);
        Span<byte> name = stackalloc byte[12];
        for (var i = 0; i < processes.Count; i++)
        {
            name[0] = (byte)'p';
            (i + 1).TryFormat(name[1..], out var written);
            w.WriteStartObject(name[..(written + 1)]);
            w.WriteString(ServiceName, processes[i].ServiceName);
            WriteKeyValues(w, Tags, processes[i].Tags.AsSpan());
            w.WriteEndObject();
        }

        w.WriteEndObject();
        WriteWarnings(w, trace.Warnings.AsSpan());
        w.WriteEndObject();
    }

    private static void WriteSpan(Utf8JsonWriter w, Span span, int processIndex)
    {
        w.WriteStartObject();
        WriteTraceId(w, TraceIdName, span.TraceId);
        WriteSpanId(w, SpanIdName, span.SpanId);
        if (span.Flags != SpanFlags.None)
        {
            w.WriteNumber(Flags, (int)span.Flags);
        }

        w.WriteString(OperationName, span.OperationName);
        w.WriteStartArray(References);
        foreach (var reference in span.References)
        {
            w.WriteStartObject();
            w.WriteString(RefType, reference.RefType == SpanRefType.FollowsFrom ? FollowsFrom : ChildOf);
            WriteTraceId(w, TraceIdName, reference.TraceId);
            WriteSpanId(w, SpanIdName, reference.SpanId);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteNumber(StartTime, span.StartTimeMicros);
        w.WriteNumber(Duration, span.DurationMicros);
        WriteKeyValues(w, Tags, span.Tags.AsSpan());
        w.WriteStartArray(Logs);
        foreach (var log in span.Logs)
        {
            w.WriteStartObject();
            w.WriteNumber(Timestamp, log.TimestampMicros);
            WriteKeyValues(w, Fields, log.Fields.AsSpan());
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteProcessId(w, ProcessIdName, processIndex);
        WriteWarnings(w, span.Warnings.AsSpan());
        w.WriteEndObject();
    }

    private static void WriteWarnings(Utf8JsonWriter w, ReadOnlySpan<string> warnings)
    {
        if (warnings.IsEmpty)
        {
            w.WriteNull(Warnings);
            return;
        }

        w.WriteStartArray(Warnings);
        foreach (var warning in warnings)
        {
            w.WriteStringValue(warning);
        }

        w.WriteEndArray();
    }

    private static void WriteKeyValues(Utf8JsonWriter w, JsonEncodedText name, ReadOnlySpan<KeyValue> values)
    {
        Span<byte> digits = stackalloc byte[24];
        w.WriteStartArray(name);
        foreach (var kv in values)
        {
            w.WriteStartObject();
            w.WriteString(Key, kv.Key);
            switch (kv.Type)
            {
                case KeyValueType.Bool:
                    w.WriteString(Type, TypeBool);
                    w.WriteBoolean(Value, kv.BoolValue);
                    break;
                case KeyValueType.Int64:
                    w.WriteString(Type, TypeInt64);
                    var l = kv.Int64Value;
                    if (l is > MaxSafeInteger or < -MaxSafeInteger)
                    {
                        // JavaScript numbers lose precision beyond 2^53, so Jaeger sends these as text.
                        l.TryFormat(digits, out var written, default, System.Globalization.CultureInfo.InvariantCulture);
                        w.WriteString(Value, digits[..written]);
                    }
                    else
                    {
                        w.WriteNumber(Value, l);
                    }

                    break;
                case KeyValueType.Float64:
                    w.WriteString(Type, TypeFloat64);
                    var d = kv.Float64Value;
                    if (double.IsFinite(d))
                    {
                        w.WriteNumber(Value, d);
                    }
                    else
                    {
                        w.WriteString(Value, double.IsNaN(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
                    }

                    break;
                case KeyValueType.Binary:
                    w.WriteString(Type, TypeBinary);
                    w.WriteBase64String(Value, kv.BinaryValue.Span);
                    break;
                default:
                    w.WriteString(Type, TypeString);
                    w.WriteString(Value, kv.StringValue);
                    break;
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}

/// <summary>An entry of the envelope's <c>errors</c>.</summary>
internal readonly record struct ApiError(int Code, string Message, TraceId? TraceId = null);
