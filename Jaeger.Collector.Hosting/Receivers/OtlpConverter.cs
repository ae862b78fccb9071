using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Google.Protobuf.Collections;
using Jaeger.Model;
using Jaeger.Protos.Otlp.Collector.Trace.V1;
using Common = Jaeger.Protos.Otlp.Common.V1;
using Otlp = Jaeger.Protos.Otlp.Trace.V1;

namespace Jaeger.Collector.Receivers;

/// <summary>
/// Maps OTLP traces to the Jaeger model as Jaeger's translator does: resource <c>service.name</c> becomes the
/// process's service (other resource attributes become process tags), kind becomes <c>span.kind</c>, an error status
/// becomes <c>error=true</c> plus <c>otel.status_code</c>/<c>otel.status_description</c>, events become logs (the
/// name as the <c>event</c> field), the parent becomes CHILD_OF and links become FOLLOWS_FROM references, and the
/// scope becomes <c>otel.scope.name</c>/<c>otel.scope.version</c>.
/// </summary>
internal static class OtlpConverter
{
    public const string NoServiceName = "OTLPResourceNoServiceName";

    public static bool TryConvert(ExportTraceServiceRequest request, List<Span> output, out string error)
    {
        error = string.Empty;
        for (var r = 0; r < request.ResourceSpans.Count; r++)
        {
            var resourceSpans = request.ResourceSpans[r];
            var process = ToProcess(resourceSpans.Resource);
            for (var s = 0; s < resourceSpans.ScopeSpans.Count; s++)
            {
                var scopeSpans = resourceSpans.ScopeSpans[s];
                var scopeName = scopeSpans.Scope?.Name ?? string.Empty;
                var scopeVersion = scopeSpans.Scope?.Version ?? string.Empty;
                for (var i = 0; i < scopeSpans.Spans.Count; i++)
                {
                    if (!TryConvertSpan(scopeSpans.Spans[i], process, scopeName, scopeVersion, out var span, out var spanError))
                    {
                        error = $"resource_spans[{r}].scope_spans[{s}].spans[{i}]: {spanError}";
                        return false;
                    }

                    output.Add(span);
                }
            }
        }

        return true;
    }

    private static Process ToProcess(Protos.Otlp.Resource.V1.Resource? resource)
    {
        var service = NoServiceName;
        var tags = ImmutableArray.CreateBuilder<KeyValue>();
        if (resource is not null)
        {
            foreach (var attribute in resource.Attributes)
            {
                if (attribute.Key == "service.name" && attribute.Value?.ValueCase == Common.AnyValue.ValueOneofCase.StringValue)
                {
                    service = attribute.Value.StringValue;
                }
                else
                {
                    tags.Add(ToKeyValue(attribute));
                }
            }
        }

        return new Process(service, tags.ToImmutable());
    }

    private static bool TryConvertSpan(Otlp.Span source, Process process, string scopeName, string scopeVersion, out Span span, out string error)
    {
        span = null!;
        error = string.Empty;
        if (!TraceId.TryReadBytes(source.TraceId.Span, out var traceId) || traceId.IsEmpty)
        {
            error = $"trace_id must be 16 bytes and not all zero, got {source.TraceId.Length} bytes";
            return false;
        }

        if (!SpanId.TryReadBytes(source.SpanId.Span, out var spanId) || spanId.IsEmpty)
        {
            error = $"span_id must be 8 bytes and not all zero, got {source.SpanId.Length} bytes";
            return false;
        }

        var references = ImmutableArray.CreateBuilder<SpanRef>(source.Links.Count + 1);
        if (!source.ParentSpanId.IsEmpty)
        {
            if (!SpanId.TryReadBytes(source.ParentSpanId.Span, out var parent))
            {
                error = $"parent_span_id must be empty or 8 bytes, got {source.ParentSpanId.Length} bytes";
                return false;
            }

            if (!parent.IsEmpty)
            {
                references.Add(new SpanRef(traceId, parent, SpanRefType.ChildOf));
            }
        }

        foreach (var link in source.Links)
        {
            if (!TraceId.TryReadBytes(link.TraceId.Span, out var linkTrace) || !SpanId.TryReadBytes(link.SpanId.Span, out var linkSpan))
            {
                error = $"a link needs a 16-byte trace_id and an 8-byte span_id, got {link.TraceId.Length} and {link.SpanId.Length} bytes";
                return false;
            }

            references.Add(new SpanRef(linkTrace, linkSpan, SpanRefType.FollowsFrom));
        }

        var tags = ImmutableArray.CreateBuilder<KeyValue>(source.Attributes.Count + 6);
        foreach (var attribute in source.Attributes)
        {
            tags.Add(ToKeyValue(attribute));
        }

        var kind = source.Kind switch
        {
            Otlp.Span.Types.SpanKind.Internal => "internal",
            Otlp.Span.Types.SpanKind.Server => "server",
            Otlp.Span.Types.SpanKind.Client => "client",
            Otlp.Span.Types.SpanKind.Producer => "producer",
            Otlp.Span.Types.SpanKind.Consumer => "consumer",
            _ => null,
        };
        if (kind is not null)
        {
            tags.Add(KeyValue.String(WellKnownTags.SpanKind, kind));
        }

        if (source.Status is { } status)
        {
            if (status.Code == Otlp.Status.Types.StatusCode.Error)
            {
                tags.Add(KeyValue.Bool(WellKnownTags.Error, true));
                tags.Add(KeyValue.String("otel.status_code", "ERROR"));
            }
            else if (status.Code == Otlp.Status.Types.StatusCode.Ok)
            {
                tags.Add(KeyValue.String("otel.status_code", "OK"));
            }

            if (status.Message.Length > 0)
            {
                tags.Add(KeyValue.String("otel.status_description", status.Message));
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

        if (source.TraceState.Length > 0)
        {
            tags.Add(KeyValue.String("w3c.tracestate", source.TraceState));
        }

        var logs = ImmutableArray.CreateBuilder<Log>(source.Events.Count);
        foreach (var e in source.Events)
        {
            var fields = ImmutableArray.CreateBuilder<KeyValue>(e.Attributes.Count + 1);
            if (e.Name.Length > 0)
            {
                fields.Add(KeyValue.String(WellKnownTags.LogEvent, e.Name));
            }

            foreach (var attribute in e.Attributes)
            {
                fields.Add(ToKeyValue(attribute));
            }

            logs.Add(new Log((long)(e.TimeUnixNano / 1000), fields.ToImmutable()));
        }

        var warnings = ImmutableArray<string>.Empty;
        if (source.DroppedAttributesCount > 0)
        {
            warnings = warnings.Add($"the sender dropped {source.DroppedAttributesCount} attributes");
        }

        if (source.DroppedEventsCount > 0)
        {
            warnings = warnings.Add($"the sender dropped {source.DroppedEventsCount} events");
        }

        if (source.DroppedLinksCount > 0)
        {
            warnings = warnings.Add($"the sender dropped {source.DroppedLinksCount} links");
        }

        var start = source.StartTimeUnixNano / 1000;
        var end = source.EndTimeUnixNano / 1000;
        span = new Span
        {
            TraceId = traceId,
            SpanId = spanId,
            OperationName = source.Name,
            References = references.ToImmutable(),
            Flags = SpanFlags.Sampled,
            StartTimeMicros = (long)start,
            DurationMicros = end >= start ? (long)(end - start) : -(long)(start - end),
            Tags = tags.ToImmutable(),
            Logs = logs.MoveToImmutable(),
            Process = process,
            Warnings = warnings,
        };
        return true;
    }

    private static KeyValue ToKeyValue(Common.KeyValue attribute)
    {
        var value = attribute.Value;
        if (value is null)
        {
            return KeyValue.String(attribute.Key, string.Empty);
        }

        return value.ValueCase switch
        {
            Common.AnyValue.ValueOneofCase.BoolValue => KeyValue.Bool(attribute.Key, value.BoolValue),
            Common.AnyValue.ValueOneofCase.IntValue => KeyValue.Int64(attribute.Key, value.IntValue),
            Common.AnyValue.ValueOneofCase.DoubleValue => KeyValue.Float64(attribute.Key, value.DoubleValue),
            Common.AnyValue.ValueOneofCase.BytesValue => KeyValue.Binary(attribute.Key, value.BytesValue.ToByteArray()),
            Common.AnyValue.ValueOneofCase.StringValue => KeyValue.String(attribute.Key, value.StringValue),
            Common.AnyValue.ValueOneofCase.ArrayValue or Common.AnyValue.ValueOneofCase.KvlistValue => KeyValue.String(attribute.Key, ToJson(value)),
            _ => KeyValue.String(attribute.Key, string.Empty),
        };
    }

    // Arrays and maps are stored as JSON text, as Jaeger does.
    private static string ToJson(Common.AnyValue value)
    {
        var builder = new StringBuilder();
        AppendJson(builder, value, 0);
        return builder.ToString();
    }

    private static void AppendJson(StringBuilder builder, Common.AnyValue? value, int depth)
    {
        if (value is null || depth > 32)
        {
            builder.Append("null");
            return;
        }

        switch (value.ValueCase)
        {
            case Common.AnyValue.ValueOneofCase.StringValue:
                builder.Append(System.Text.Json.JsonSerializer.Serialize(value.StringValue));
                break;
            case Common.AnyValue.ValueOneofCase.BoolValue:
                builder.Append(value.BoolValue ? "true" : "false");
                break;
            case Common.AnyValue.ValueOneofCase.IntValue:
                builder.Append(value.IntValue.ToString(CultureInfo.InvariantCulture));
                break;
            case Common.AnyValue.ValueOneofCase.DoubleValue:
                builder.Append(double.IsFinite(value.DoubleValue) ? value.DoubleValue.ToString("R", CultureInfo.InvariantCulture) : "null");
                break;
            case Common.AnyValue.ValueOneofCase.BytesValue:
                builder.Append('"').Append(value.BytesValue.ToBase64()).Append('"');
                break;
            case Common.AnyValue.ValueOneofCase.ArrayValue:
                AppendList(builder, value.ArrayValue.Values, depth);
                break;
            case Common.AnyValue.ValueOneofCase.KvlistValue:
                builder.Append('{');
                var first = true;
                foreach (var kv in value.KvlistValue.Values)
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    builder.Append(System.Text.Json.JsonSerializer.Serialize(kv.Key)).Append(':');
                    AppendJson(builder, kv.Value, depth + 1);
                }

                builder.Append('}');
                break;
            default:
                builder.Append("null");
                break;
        }
    }

    private static void AppendList(StringBuilder builder, RepeatedField<Common.AnyValue> values, int depth)
    {
        builder.Append('[');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            AppendJson(builder, values[i], depth + 1);
        }

        builder.Append(']');
    }
}
