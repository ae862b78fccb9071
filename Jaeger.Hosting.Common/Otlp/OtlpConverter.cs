using System.Collections.Immutable;
using System.Text;
using Google.Protobuf.Collections;
using Jaeger.Model;
using Jaeger.Protos.Otlp.Collector.Trace.V1;
using Common = Jaeger.Protos.Otlp.Common.V1;
using OtlpTrace = Jaeger.Protos.Otlp.Trace.V1;

namespace Jaeger.Hosting.Otlp;

/// <summary>
/// Maps OTLP traces held in the generated protobuf types (OTLP gRPC and OTLP/JSON) to the Jaeger model as Jaeger's
/// translator does: resource <c>service.name</c> becomes the process's service (other resource attributes become
/// process tags), kind becomes <c>span.kind</c>, an error status becomes <c>error=true</c> plus
/// <c>otel.status_code</c>/<c>otel.status_description</c>, events become logs (the name as the <c>event</c> field),
/// the parent becomes CHILD_OF and links become FOLLOWS_FROM references, and the scope becomes
/// <c>otel.scope.name</c>/<c>otel.scope.version</c>. The rules live in <see cref="OtlpMapping"/>, shared with
/// the collector's <c>OtlpProtobufReader</c>.
/// </summary>
internal static class OtlpConverter
{
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
                        error = OtlpMapping.SpanError(r, s, i, spanError);
                        return false;
                    }

                    output.Add(span);
                }
            }
        }

        return true;
    }

    private static Process ToProcess(Jaeger.Protos.Otlp.Resource.V1.Resource? resource)
    {
        var service = OtlpMapping.NoServiceName;
        var tags = ImmutableArray.CreateBuilder<KeyValue>();
        if (resource is not null)
        {
            foreach (var attribute in resource.Attributes)
            {
                if (attribute.Key == OtlpMapping.ServiceNameKey && attribute.Value?.ValueCase == Common.AnyValue.ValueOneofCase.StringValue)
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

    private static bool TryConvertSpan(OtlpTrace.Span source, Process process, string scopeName, string scopeVersion, out Span span, out string error)
    {
        span = null!;
        if (!OtlpMapping.TryReadIds(source.TraceId.Span, source.SpanId.Span, source.ParentSpanId.Span, out var traceId, out var spanId, out var parent, out error))
        {
            return false;
        }

        var references = ImmutableArray.CreateBuilder<SpanRef>(source.Links.Count + 1);
        if (!parent.IsEmpty)
        {
            references.Add(new SpanRef(traceId, parent, SpanRefType.ChildOf));
        }

        foreach (var link in source.Links)
        {
            if (!OtlpMapping.TryReadLink(link.TraceId.Span, link.SpanId.Span, out var reference, out error))
            {
                return false;
            }

            references.Add(reference);
        }

        var tags = ImmutableArray.CreateBuilder<KeyValue>(source.Attributes.Count + 6);
        foreach (var attribute in source.Attributes)
        {
            tags.Add(ToKeyValue(attribute));
        }

        OtlpMapping.AddDerivedTags(
            tags,
            (int)source.Kind,
            source.Status is not null,
            (int)(source.Status?.Code ?? 0),
            source.Status?.Message ?? string.Empty,
            scopeName,
            scopeVersion,
            source.TraceState);

        var logs = ImmutableArray.CreateBuilder<Log>(source.Events.Count);
        foreach (var e in source.Events)
        {
            var fields = ImmutableArray.CreateBuilder<KeyValue>(e.Attributes.Count + 1);
            if (e.Name.Length > 0)
            {
                fields.Add(OtlpMapping.EventField(e.Name));
            }

            foreach (var attribute in e.Attributes)
            {
                fields.Add(ToKeyValue(attribute));
            }

            logs.Add(new Log(OtlpMapping.Micros(e.TimeUnixNano), fields.ToImmutable()));
        }

        span = OtlpMapping.CreateSpan(
            traceId,
            spanId,
            source.Name,
            source.StartTimeUnixNano,
            source.EndTimeUnixNano,
            references.ToImmutable(),
            tags.ToImmutable(),
            logs.MoveToImmutable(),
            OtlpMapping.DroppedWarnings(source.DroppedAttributesCount, source.DroppedEventsCount, source.DroppedLinksCount),
            process);
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

    private static string ToJson(Common.AnyValue value)
    {
        var builder = new StringBuilder();
        AppendJson(builder, value, 0);
        return builder.ToString();
    }

    private static void AppendJson(StringBuilder builder, Common.AnyValue? value, int depth)
    {
        if (value is null || depth > OtlpMapping.MaxJsonDepth)
        {
            OtlpMapping.AppendJsonNull(builder);
            return;
        }

        switch (value.ValueCase)
        {
            case Common.AnyValue.ValueOneofCase.StringValue:
                OtlpMapping.AppendJsonString(builder, value.StringValue);
                break;
            case Common.AnyValue.ValueOneofCase.BoolValue:
                OtlpMapping.AppendJsonBool(builder, value.BoolValue);
                break;
            case Common.AnyValue.ValueOneofCase.IntValue:
                OtlpMapping.AppendJsonInt(builder, value.IntValue);
                break;
            case Common.AnyValue.ValueOneofCase.DoubleValue:
                OtlpMapping.AppendJsonDouble(builder, value.DoubleValue);
                break;
            case Common.AnyValue.ValueOneofCase.BytesValue:
                OtlpMapping.AppendJsonBytes(builder, value.BytesValue.Span);
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
                    OtlpMapping.AppendJsonString(builder, kv.Key);
                    builder.Append(':');
                    AppendJson(builder, kv.Value, depth + 1);
                }

                builder.Append('}');
                break;
            default:
                OtlpMapping.AppendJsonNull(builder);
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
