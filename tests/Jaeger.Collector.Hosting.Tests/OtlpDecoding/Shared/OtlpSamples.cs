using Google.Protobuf;
using Jaeger.Protos.Otlp.Collector.Trace.V1;
using Common = Jaeger.Protos.Otlp.Common.V1;
using Resource = Jaeger.Protos.Otlp.Resource.V1;
using Trace = Jaeger.Protos.Otlp.Trace.V1;

namespace Jaeger.Collector.Hosting.Tests.OtlpDecoding;

/// <summary>OTLP requests built with the generated types: for the reader's cross-checks and for the decode benchmark.</summary>
internal static class OtlpSamples
{
    /// <summary>
    /// What an instrumented service sends: one resource with 5 attributes, one scope, spans with 8 attributes and one
    /// event, every fourth span with a link, all but the first with a parent.
    /// </summary>
    public static ExportTraceServiceRequest Realistic(int spanCount)
    {
        var scopeSpans = new Trace.ScopeSpans { Scope = new Common.InstrumentationScope { Name = "OpenTelemetry.Instrumentation.AspNetCore", Version = "1.15.0" } };
        var traceId = Id(16, 0x5b);
        var start = 1_700_000_000_000_000_000UL;
        for (var i = 0; i < spanCount; i++)
        {
            var span = new Trace.Span
            {
                TraceId = traceId,
                SpanId = Id(8, i + 1),
                ParentSpanId = i == 0 ? ByteString.Empty : Id(8, i),
                Name = "GET /api/orders/{id}",
                Kind = i % 2 == 0 ? Trace.Span.Types.SpanKind.Server : Trace.Span.Types.SpanKind.Client,
                StartTimeUnixNano = start + ((ulong)i * 1_000_000),
                EndTimeUnixNano = start + ((ulong)i * 1_000_000) + 750_000,
                Attributes =
                {
                    Str("http.request.method", "GET"),
                    Str("url.path", "/api/orders/" + i),
                    Str("url.scheme", "https"),
                    Str("server.address", "orders.internal"),
                    Int("server.port", 8443),
                    Int("http.response.status_code", 200),
                    Str("network.protocol.version", "1.1"),
                    Bool("cache.hit", i % 3 == 0),
                },
                Events =
                {
                    new Trace.Span.Types.Event
                    {
                        Name = "order.loaded",
                        TimeUnixNano = start + ((ulong)i * 1_000_000) + 500_000,
                        Attributes = { Int("order.items", i % 7), Dbl("order.total", 12.5 * i) },
                    },
                },
                Status = new Trace.Status { Code = i % 10 == 9 ? Trace.Status.Types.StatusCode.Error : Trace.Status.Types.StatusCode.Unset },
            };
            if (i % 4 == 3)
            {
                span.Links.Add(new Trace.Span.Types.Link { TraceId = Id(16, 0x7a + i), SpanId = Id(8, 0x10 + i) });
            }

            scopeSpans.Spans.Add(span);
        }

        return new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new Trace.ResourceSpans
                {
                    Resource = new Resource.Resource
                    {
                        Attributes =
                        {
                            Str("service.name", "orders"),
                            Str("service.version", "2.4.1"),
                            Str("host.name", "orders-7d9f"),
                            Str("telemetry.sdk.language", "dotnet"),
                            Str("telemetry.sdk.version", "1.15.3"),
                        },
                    },
                    ScopeSpans = { scopeSpans },
                },
            },
        };
    }

    /// <summary>A 16- or 8-byte id whose bytes derive from <paramref name="seed"/>, never all zero.</summary>
    public static ByteString Id(int length, int seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((seed * 31) + (i * 7) + 1);
        }

        bytes[length - 1] |= 1;
        return ByteString.CopyFrom(bytes);
    }

    public static Common.KeyValue Str(string key, string value) => new() { Key = key, Value = new Common.AnyValue { StringValue = value } };

    public static Common.KeyValue Int(string key, long value) => new() { Key = key, Value = new Common.AnyValue { IntValue = value } };

    public static Common.KeyValue Dbl(string key, double value) => new() { Key = key, Value = new Common.AnyValue { DoubleValue = value } };

    public static Common.KeyValue Bool(string key, bool value) => new() { Key = key, Value = new Common.AnyValue { BoolValue = value } };
}
