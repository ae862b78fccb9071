using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Jaeger.Model;

namespace Jaeger.Hosting.Otlp;

/// <summary>
/// The OTLP-to-Jaeger mapping rules, shared by the two OTLP decoders (<see cref="OtlpConverter"/> over the generated
/// protobuf types, the collector's <c>OtlpProtobufReader</c> straight from the wire) so that both map a request the same way.
/// </summary>
internal static class OtlpMapping
{
    public const string NoServiceName = "OTLPResourceNoServiceName";

    public const string ServiceNameKey = "service.name";

    // Arrays and maps nested deeper than this are rendered as JSON null.
    public const int MaxJsonDepth = 32;

    // The OTLP enums, by number.
    public const int StatusCodeOk = 1;
    public const int StatusCodeError = 2;

    /// <summary>The <c>span.kind</c> tag value for an OTLP SpanKind number, or null for unspecified and unknown kinds.</summary>
    public static string? KindName(int kind) => kind switch
    {
        1 => "internal",
        2 => "server",
        3 => "client",
        4 => "producer",
        5 => "consumer",
        _ => null,
    };

    /// <summary>Reads the span's ids; a non-zero parent becomes the first, CHILD_OF, reference.</summary>
    public static bool TryReadIds(
        ReadOnlySpan<byte> traceIdBytes,
        ReadOnlySpan<byte> spanIdBytes,
        ReadOnlySpan<byte> parentBytes,
        out TraceId traceId,
        out SpanId spanId,
        out SpanId parent,
        out string error)
    {
        spanId = default;
        parent = default;
        error = string.Empty;
        if (!TraceId.TryReadBytes(traceIdBytes, out traceId) || traceId.IsEmpty)
        {
            error = $"trace_id must be 16 bytes and not all zero, got {traceIdBytes.Length} bytes";
            return false;
        }

        if (!SpanId.TryReadBytes(spanIdBytes, out spanId) || spanId.IsEmpty)
        {
            error = $"span_id must be 8 bytes and not all zero, got {spanIdBytes.Length} bytes";
            return false;
        }

        if (!parentBytes.IsEmpty && !SpanId.TryReadBytes(parentBytes, out parent))
        {
            error = $"parent_span_id must be empty or 8 bytes, got {parentBytes.Length} bytes";
            return false;
        }

        return true;
    }

    /// <summary>A link becomes a FOLLOWS_FROM reference.</summary>
    public static bool TryReadLink(ReadOnlySpan<byte> traceIdBytes, ReadOnlySpan<byte> spanIdBytes, out SpanRef reference, out string error)
    {
        if (!TraceId.TryReadBytes(traceIdBytes, out var trace) || !SpanId.TryReadBytes(spanIdBytes, out var span))
        {
            reference = default;
            error = $"a link needs a 16-byte trace_id and an 8-byte span_id, got {traceIdBytes.Length} and {spanIdBytes.Length} bytes";
            return false;
        }

        reference = new SpanRef(trace, span, SpanRefType.FollowsFrom);
        error = string.Empty;
        return true;
    }

    /// <summary>Where a span's error sits in the request.</summary>
    public static string SpanError(int resource, int scope, int span, string error) =>
        $"resource_spans[{resource}].scope_spans[{scope}].spans[{span}]: {error}";

    /// <summary>The tags a span gets after its own attributes: kind, status, scope and trace state.</summary>
    public static void AddDerivedTags<TList>(
        TList tags,
        int kind,
        bool hasStatus,
        int statusCode,
        string statusMessage,
        string scopeName,
        string scopeVersion,
        string traceState)
        where TList : ICollection<KeyValue>
    {
        if (KindName(kind) is { } kindName)
        {
            tags.Add(KeyValue.String(WellKnownTags.SpanKind, kindName));
        }

        if (hasStatus)
        {
            if (statusCode == StatusCodeError)
            {
                tags.Add(KeyValue.Bool(WellKnownTags.Error, true));
                tags.Add(KeyValue.String("otel.status_code", "ERROR"));
            }
            else if (statusCode == StatusCodeOk)
            {
                tags.Add(KeyValue.String("otel.status_code", "OK"));
            }

            if (statusMessage.Length > 0)
            {
                tags.Add(KeyValue.String("otel.status_description", statusMessage));
            }
        }

        if (scopeName.Length > 0)
        {
            tags.Add(KeyValue.String("otel.scope.name", scopeName));
        }

        if (scopeVersion.Length > 0)
        {
            tags.Add(KeyValue.String("otel.scope.version", scopeVersion));
        }

        if (traceState.Length > 0)
        {
            tags.Add(KeyValue.String("w3c.tracestate", traceState));
        }
    }

    /// <summary>The warnings that record what the sender dropped.</summary>
    public static ImmutableArray<string> DroppedWarnings(uint attributes, uint events, uint links)
    {
        var warnings = ImmutableArray<string>.Empty;
        if (attributes > 0)
        {
            warnings = warnings.Add($"the sender dropped {attributes} attributes");
        }

        if (events > 0)
        {
            warnings = warnings.Add($"the sender dropped {events} events");
        }

        if (links > 0)
        {
            warnings = warnings.Add($"the sender dropped {links} links");
        }

        return warnings;
    }

    /// <summary>An event's name becomes the <c>event</c> field, ahead of its attributes.</summary>
    public static KeyValue EventField(string name) => KeyValue.String(WellKnownTags.LogEvent, name);

    /// <summary>Nanoseconds since the epoch to the model's microseconds.</summary>
    public static long Micros(ulong unixNanos) => (long)(unixNanos / 1000);

    /// <summary>The span as the model holds it: sampled, times in microseconds, a negative duration kept as sent.</summary>
    public static Span CreateSpan(
        TraceId traceId,
        SpanId spanId,
        string name,
        ulong startUnixNanos,
        ulong endUnixNanos,
        ImmutableArray<SpanRef> references,
        ImmutableArray<KeyValue> tags,
        ImmutableArray<Log> logs,
        ImmutableArray<string> warnings,
        Process process)
    {
        var start = startUnixNanos / 1000;
        var end = endUnixNanos / 1000;
        return new Span
        {
            TraceId = traceId,
            SpanId = spanId,
            OperationName = name,
            References = references,
            Flags = SpanFlags.Sampled,
            StartTimeMicros = (long)start,
            DurationMicros = end >= start ? (long)(end - start) : -(long)(start - end),
            Tags = tags,
            Logs = logs,
            Process = process,
            Warnings = warnings,
        };
    }

    // Arrays and maps are stored as JSON text, as Jaeger does; these write their scalar members.

    public static void AppendJsonString(StringBuilder builder, string value) =>
        builder.Append(System.Text.Json.JsonSerializer.Serialize(value));

    public static void AppendJsonBool(StringBuilder builder, bool value) => builder.Append(value ? "true" : "false");

    public static void AppendJsonInt(StringBuilder builder, long value) => builder.Append(value.ToString(CultureInfo.InvariantCulture));

    public static void AppendJsonDouble(StringBuilder builder, double value) =>
        builder.Append(double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "null");

    public static void AppendJsonBytes(StringBuilder builder, ReadOnlySpan<byte> value) =>
        builder.Append('"').Append(Convert.ToBase64String(value)).Append('"');

    public static void AppendJsonNull(StringBuilder builder) => builder.Append("null");
}
