using Google.Protobuf;
using Jaeger.Hosting.Protos;
using Jaeger.Model;
using Jaeger.Query.Api;
using Common = Jaeger.Protos.Otlp.Common.V1;
using Otlp = Jaeger.Protos.Otlp.Trace.V1;
using Resource = Jaeger.Protos.Otlp.Resource.V1;

namespace Jaeger.Query.Grpc;

/// <summary>Jaeger traces as OTLP <c>TracesData</c> messages, shaped as the api_v3 HTTP gateway's JSON (<see cref="OtlpJson"/>).</summary>
internal static class OtlpProtoMapper
{
    /// <summary>One resource-spans entry per distinct process of the trace, in order of first appearance.</summary>
    public static Otlp.TracesData ToTracesData(Trace trace)
    {
        var data = new Otlp.TracesData();
        var groups = new Dictionary<Process, Otlp.ScopeSpans>();
        foreach (var span in trace.Spans)
        {
            if (!groups.TryGetValue(span.Process, out var scope))
            {
                scope = new Otlp.ScopeSpans { Scope = new Common.InstrumentationScope() };
                var resource = new Resource.Resource();
                resource.Attributes.Add(ToProto(KeyValue.String("service.name", span.Process.ServiceName)));
                foreach (var tag in span.Process.Tags)
                {
                    resource.Attributes.Add(ToProto(tag));
                }

                var resourceSpans = new Otlp.ResourceSpans { Resource = resource };
                resourceSpans.ScopeSpans.Add(scope);
                data.ResourceSpans.Add(resourceSpans);
                groups.Add(span.Process, scope);
            }

            scope.Spans.Add(ToProto(span));
        }

        return data;
    }

    public static Otlp.Span ToProto(Span span)
    {
        var (kind, isError) = OtlpJson.KindAndError(span);
        var parent = span.ParentSpanId;
        var result = new Otlp.Span
        {
            TraceId = ApiV2Mapper.TraceIdBytes(span.TraceId),
            SpanId = ApiV2Mapper.SpanIdBytes(span.SpanId),
            ParentSpanId = parent.IsEmpty ? ByteString.Empty : ApiV2Mapper.SpanIdBytes(parent),
            Flags = (uint)span.Flags & 0xff,
            Name = span.OperationName,
            Kind = (Otlp.Span.Types.SpanKind)kind,
            StartTimeUnixNano = Nanos(span.StartTimeMicros),
            EndTimeUnixNano = Nanos(span.StartTimeMicros + span.DurationMicros),
            Status = new Otlp.Status { Code = isError ? Otlp.Status.Types.StatusCode.Error : Otlp.Status.Types.StatusCode.Unset },
        };

        foreach (var tag in span.Tags)
        {
            if (tag.Key != WellKnownTags.SpanKind)
            {
                result.Attributes.Add(ToProto(tag));
            }
        }

        foreach (var log in span.Logs)
        {
            var e = new Otlp.Span.Types.Event { TimeUnixNano = Nanos(log.TimestampMicros), Name = OtlpJson.EventName(log) };
            foreach (var field in log.Fields)
            {
                if (field.Key != WellKnownTags.LogEvent)
                {
                    e.Attributes.Add(ToProto(field));
                }
            }

            result.Events.Add(e);
        }

        var parentSkipped = false;
        foreach (var reference in span.References)
        {
            if (!parentSkipped && reference.TraceId == span.TraceId && reference.SpanId == parent)
            {
                parentSkipped = true;
                continue;
            }

            result.Links.Add(new Otlp.Span.Types.Link { TraceId = ApiV2Mapper.TraceIdBytes(reference.TraceId), SpanId = ApiV2Mapper.SpanIdBytes(reference.SpanId) });
        }

        return result;
    }

    public static Common.KeyValue ToProto(KeyValue kv) => new()
    {
        Key = kv.Key,
        Value = kv.Type switch
        {
            KeyValueType.Bool => new Common.AnyValue { BoolValue = kv.BoolValue },
            KeyValueType.Int64 => new Common.AnyValue { IntValue = kv.Int64Value },
            KeyValueType.Float64 => new Common.AnyValue { DoubleValue = kv.Float64Value },
            KeyValueType.Binary => new Common.AnyValue { BytesValue = ByteString.CopyFrom(kv.BinaryValue.Span) },
            _ => new Common.AnyValue { StringValue = kv.StringValue },
        },
    };

    private static ulong Nanos(long micros) => micros <= 0 ? 0 : (ulong)micros * 1000;
}
