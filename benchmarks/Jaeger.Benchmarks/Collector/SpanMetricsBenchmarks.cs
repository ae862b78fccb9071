using BenchmarkDotNet.Attributes;
using Jaeger.Collector.Pipeline;
using Jaeger.Model;
using Jaeger.Storage.Metrics;

namespace Jaeger.Benchmarks.Collector;

/// <summary>
/// The collector's span-metrics cost per batch of 100 spans (10 operations, server and client, some errors, 4 tags
/// each): <see cref="Aggregate"/> counts them (calls, errors, latency sketch, spanmetrics buckets) against
/// <see cref="ReadKindAndStatus"/>, the tag scan alone, as the baseline.
/// </summary>
[MemoryDiagnoser]
public class SpanMetricsBenchmarks
{
    private readonly DateTimeOffset _now = new(2026, 12, 7, 2, 0, 30, TimeSpan.Zero);
    private Batch _batch = null!;
    private SpanMetricsAggregator _aggregator = null!;

    [GlobalSetup]
    public void Setup()
    {
        var spans = new List<Span>();
        var random = new Random(7);
        for (var i = 0; i < 100; i++)
        {
            spans.Add(new Span
            {
                TraceId = new TraceId(1, (ulong)i),
                SpanId = new SpanId((ulong)i + 1),
                OperationName = "operation-" + (i % 10),
                DurationMicros = random.Next(100, 2_000_000),
                Tags = [KeyValue.String("span.kind", i % 2 == 0 ? "server" : "client"), KeyValue.Int64("http.status_code", 200), KeyValue.String("http.method", "GET"), KeyValue.Bool("error", i % 17 == 0)],
            });
        }

        _batch = new Batch(new Process("bench"), spans);
        _aggregator = new SpanMetricsAggregator(10_000, meter: null);
        _aggregator.Add(_batch, _now);
    }

    [Benchmark(Baseline = true)]
    public int ReadKindAndStatus()
    {
        var sum = 0;
        foreach (var span in _batch.Spans)
        {
            SpanMetricsAggregator.Classify(span, out var kind, out var status);
            sum += kind + status;
        }

        return sum;
    }

    [Benchmark]
    public void Aggregate() => _aggregator.Add(_batch, _now);

    [Benchmark]
    public double SketchQuantileOfAMinute()
    {
        var sketch = new LatencySketch();
        foreach (var span in _batch.Spans)
        {
            sketch.Add(span.DurationMicros);
        }

        return sketch.Quantile(0.95);
    }
}
