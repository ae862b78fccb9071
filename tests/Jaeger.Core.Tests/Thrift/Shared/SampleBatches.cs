using Jaeger.Model;

namespace Jaeger.Core.Tests.Thrift;

/// <summary>Batches shared by the codec tests and the benchmarks (linked into Jaeger.Benchmarks).</summary>
internal static class SampleBatches
{
    /// <summary>The benchmark's shape: process with 3 tags; each span 1 CHILD_OF ref, 8 tags (5 string incl. a URL, long, bool, double), 1 log of 2 string fields.</summary>
    public static Batch Hundred(int spanCount = 100)
    {
        var process = new Process("customer-service", [
            KeyValue.String("hostname", "web-frontend-7d9f8b6c5-x2k4p"),
            KeyValue.String("ip", "10.244.3.17"),
            KeyValue.String("jaeger.version", "CSharp-1.0.0"),
        ]);
        var spans = new List<Span>(spanCount);
        var traceId = new TraceId(0x4bf92f3577b34da6UL, 0xa3ce929d0e0e4736UL);
        for (var i = 0; i < spanCount; i++)
        {
            spans.Add(new Span
            {
                TraceId = traceId,
                SpanId = new SpanId(0x00f067aa0ba902b7UL + (ulong)i),
                OperationName = "HTTP GET /api/customers/{id}/orders",
                References = [new SpanRef(traceId, new SpanId(0x00f067aa0ba90000UL), SpanRefType.ChildOf)],
                Flags = SpanFlags.Sampled,
                StartTimeMicros = 1_700_000_000_000_000 + (i * 1_000),
                DurationMicros = 1_500 + i,
                Tags =
                [
                    KeyValue.String("span.kind", "server"),
                    KeyValue.String("http.method", "GET"),
                    KeyValue.String("http.url", "https://shop.example.com/api/customers/4711/orders"),
                    KeyValue.String("component", "aspnetcore"),
                    KeyValue.String("peer.service", "billing"),
                    KeyValue.Int64("http.status_code", 200),
                    KeyValue.Bool("error", false),
                    KeyValue.Float64("sampler.param", 0.001),
                ],
                Logs =
                [
                    new Log(1_700_000_000_000_500 + (i * 1_000), [
                        KeyValue.String("event", "info"),
                        KeyValue.String("message", "Fetched 12 orders for customer 4711 from the store"),
                    ]),
                ],
            });
        }

        return new Batch(process, spans);
    }
}
