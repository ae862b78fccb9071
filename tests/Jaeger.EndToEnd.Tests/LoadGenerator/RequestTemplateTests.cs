using Jaeger.LoadGenerator.Generation;
using Jaeger.Model;
using Jaeger.Thrift;
using Otlp = Jaeger.Protos.Otlp;

namespace Jaeger.EndToEnd.Tests.LoadGenerator;

public sealed class RequestTemplateTests
{
    private const ulong TraceHigh = (1UL << 54) | 0x1234_5678_9abcUL;

    [Theory]
    [InlineData(nameof(TemplateFormat.ThriftBatchBinary))]
    [InlineData(nameof(TemplateFormat.EmitBatchCompact))]
    [InlineData(nameof(TemplateFormat.EmitBatchBinary))]
    [InlineData(nameof(TemplateFormat.OtlpProtobuf))]
    public void Stamped_requests_decode_to_distinct_ids_with_parent_links_forming_one_tree_per_trace(string formatName)
    {
        var format = Enum.Parse<TemplateFormat>(formatName);
        var shape = new SpanShape("stamp-svc", Traces: 3, SpansPerTrace: 7, TagsPerSpan: 4, PayloadBytes: 16);
        var template = RequestTemplate.Create(shape, format, TraceHigh);
        var buffer = template.CreateBuffer();
        var start = 1_795_000_000_000_000L;

        var stamps = new[] { (Worker: 1, Request: 0L), (Worker: 1, Request: 1L), (Worker: 2, Request: 0L), (Worker: 4095, Request: (1L << 40) / 3 - 1) };
        var all = new List<Span>();
        foreach (var (worker, request) in stamps)
        {
            var first = template.Stamp(buffer, worker, request, start);
            Assert.Equal(template.Length, buffer.Length);
            var spans = Decode(format, buffer);
            Assert.Equal(shape.SpansPerRequest, spans.Count);
            Assert.Equal(first, spans[0].TraceId);
            Assert.All(spans, s => Assert.Equal("stamp-svc", s.Process.ServiceName));
            Assert.All(spans, s => Assert.InRange(s.StartTimeMicros, start, start + shape.SpansPerTrace));
            Assert.All(spans, s => Assert.Equal(SpanShape.DurationMicros, s.DurationMicros));

            var traces = spans.GroupBy(s => s.TraceId).ToList();
            Assert.Equal(shape.Traces, traces.Count);
            foreach (var trace in traces)
            {
                var byId = trace.ToDictionary(s => s.SpanId);
                Assert.Equal(shape.SpansPerTrace, byId.Count);
                var root = Assert.Single(trace, s => s.ParentSpanId.IsEmpty);
                Assert.Equal(SpanShape.Operation(0), root.OperationName);
                foreach (var span in trace.Where(s => !s.ParentSpanId.IsEmpty))
                {
                    Assert.True(byId.ContainsKey(span.ParentSpanId), $"the parent of {span} is in its trace");
                }

                // Span j's parent is span (j - 1) / 2, in encoding order.
                var ordered = trace.ToList();
                for (var j = 1; j < ordered.Count; j++)
                {
                    Assert.Equal(ordered[(j - 1) / 2].SpanId, ordered[j].ParentSpanId);
                }
            }

            all.AddRange(spans);
        }

        Assert.Equal(all.Count, all.Select(s => s.SpanId).Distinct().Count());
        Assert.Equal(stamps.Length * shape.Traces, all.Select(s => s.TraceId).Distinct().Count());
        Assert.All(all, s => Assert.Equal(TraceHigh, s.TraceId.High));
    }

    [Fact]
    public void The_template_patches_every_id_parent_reference_and_start_time_position()
    {
        var shape = new SpanShape("count-svc", Traces: 2, SpansPerTrace: 3, TagsPerSpan: 0, PayloadBytes: 0);

        var template = RequestTemplate.Create(shape, TemplateFormat.ThriftBatchBinary, TraceHigh);

        // 6 spans, 4 of them children: traceIdLow in 6 spans and 4 references; spanId 6; parentSpanId 4 and the
        // references' span ids 4; startTime 6. The trace ids' high half is the run's constant and not patched.
        Assert.Equal(10 + 6 + 8 + 6, template.PatchCount);
    }

    private static List<Span> Decode(TemplateFormat format, byte[] bytes)
    {
        Batch? batch;
        ThriftDecodeError error;
        switch (format)
        {
            case TemplateFormat.ThriftBatchBinary:
                Assert.True(JaegerThriftSerializer.TryReadBatch(bytes, ThriftProtocol.Binary, out batch, out error), error.Message);
                return [.. batch.Spans];
            case TemplateFormat.EmitBatchCompact:
                Assert.True(JaegerThriftSerializer.TryReadEmitBatch(bytes, ThriftProtocol.Compact, out batch, out error), error.Message);
                return [.. batch.Spans];
            case TemplateFormat.EmitBatchBinary:
                Assert.True(JaegerThriftSerializer.TryReadEmitBatch(bytes, ThriftProtocol.Binary, out batch, out error), error.Message);
                return [.. batch.Spans];
            default:
                var request = Otlp.Collector.Trace.V1.ExportTraceServiceRequest.Parser.ParseFrom(bytes);
                var resource = Assert.Single(request.ResourceSpans);
                var service = resource.Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue;
                var process = new Process(service, []);
                return [.. resource.ScopeSpans.SelectMany(s => s.Spans).Select(s => FromOtlp(s, process))];
        }
    }

    private static Span FromOtlp(Otlp.Trace.V1.Span otlp, Process process)
    {
        Assert.True(TraceId.TryReadBytes(otlp.TraceId.Span, out var traceId));
        Assert.True(SpanId.TryReadBytes(otlp.SpanId.Span, out var spanId));
        var span = new Span
        {
            TraceId = traceId,
            SpanId = spanId,
            OperationName = otlp.Name,
            StartTimeMicros = (long)(otlp.StartTimeUnixNano / 1000),
            DurationMicros = (long)((otlp.EndTimeUnixNano - otlp.StartTimeUnixNano) / 1000),
            Process = process,
        };
        if (!otlp.ParentSpanId.IsEmpty)
        {
            Assert.True(SpanId.TryReadBytes(otlp.ParentSpanId.Span, out var parent));
            span.References = [new SpanRef(traceId, parent)];
        }

        return span;
    }
}
