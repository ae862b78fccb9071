using System.Collections.Concurrent;
using System.Text;
using Jaeger.Collector.Pipeline;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Collector.Hosting.Tests;

public sealed class SpanMetricsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Aggregator_countsCallsErrorsAndKinds_PerMinute_AndHandsEachCompletedMinuteOnce()
    {
        var aggregator = new SpanMetricsAggregator(100, meter: null);
        var process = new Process("shop");
        aggregator.Add(new Batch(process, [Span("GET /", "server", 2000), Span("GET /", "server", 4000, error: true), Span("GET /", "client", 1000)]), T0.AddSeconds(5));
        aggregator.Add(new Batch(process, [Span("GET /", "server", 8000, otelStatus: "ERROR")]), T0.AddSeconds(59));

        Assert.Empty(aggregator.TakeCompleted(T0.AddSeconds(59)));
        aggregator.Add(new Batch(process, [Span("GET /", "server", 1000)]), T0.AddSeconds(61));
        var completed = aggregator.TakeCompleted(T0.AddSeconds(62));

        Assert.Equal(2, completed.Count);
        var server = Assert.Single(completed, a => a.SpanKind == "server");
        Assert.Equal(("shop", "GET /", T0), (server.Service, server.Operation, server.Minute));
        Assert.Equal(3, server.Calls);
        Assert.Equal(2, server.Errors);
        Assert.InRange(server.Latency.Quantile(1), 8000 * 0.99, 8000 * 1.01);
        Assert.Equal(1, Assert.Single(completed, a => a.SpanKind == "client").Calls);
        Assert.Empty(aggregator.TakeCompleted(T0.AddSeconds(63)));

        // A stop hands over the open minute too.
        var open = Assert.Single(aggregator.TakeCompleted(T0.AddSeconds(64), includeOpen: true));
        Assert.Equal((T0.AddMinutes(1), 1L), (open.Minute, open.Calls));
    }

    [Fact]
    public void Aggregator_CapsSeries_AndRendersSpanmetricsHistogram()
    {
        var aggregator = new SpanMetricsAggregator(2, meter: null);
        aggregator.Add(new Batch(new Process("a\"b"), [Span("x", "server", 3000), Span("y", "", 20_000_000), Span("z", "server", 1)]), T0);

        var text = new StringBuilder();
        aggregator.WriteHistogram(text);
        var output = text.ToString();

        Assert.Contains("# TYPE traces_span_metrics_duration_milliseconds histogram\n", output, StringComparison.Ordinal);
        const string X = "service_name=\"a\\\"b\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"x\",status_code=\"STATUS_CODE_UNSET\"";
        Assert.Contains($"traces_span_metrics_duration_milliseconds_bucket{{{X},le=\"2\"}} 0\n", output, StringComparison.Ordinal);
        Assert.Contains($"traces_span_metrics_duration_milliseconds_bucket{{{X},le=\"4\"}} 1\n", output, StringComparison.Ordinal);
        Assert.Contains($"traces_span_metrics_duration_milliseconds_sum{{{X}}} 3\n", output, StringComparison.Ordinal);
        Assert.Contains($"traces_span_metrics_duration_milliseconds_count{{{X}}} 1\n", output, StringComparison.Ordinal);
        const string Y = "service_name=\"a\\\"b\",span_kind=\"SPAN_KIND_UNSPECIFIED\",span_name=\"y\",status_code=\"STATUS_CODE_UNSET\"";
        Assert.Contains($"traces_span_metrics_duration_milliseconds_bucket{{{Y},le=\"15000\"}} 0\n", output, StringComparison.Ordinal);
        Assert.Contains($"traces_span_metrics_duration_milliseconds_bucket{{{Y},le=\"+Inf\"}} 1\n", output, StringComparison.Ordinal);

        // The third series is over the cap of two.
        Assert.DoesNotContain("span_name=\"z\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_WritesCompletedMinutes_ToTheMetricsWriter_AndExportsSpanmetricsNames()
    {
        var time = new FakeTimeProvider(T0.AddSeconds(10));
        var writer = new RecordingMetricsWriter();
        await using var host = await CollectorHost.StartAsync(services: s =>
        {
            s.AddSingleton<TimeProvider>(time);
            s.AddSingleton<IMetricsWriter>(writer);
        });
        var sink = host.Host.Services.GetRequiredService<ISpanSink>();
        await sink.SubmitAsync(new Batch(new Process("checkout"), [Span("POST /pay", "server", 5000), Span("POST /pay", "server", 7000, error: true)]));
        await Eventually.UntilAsync(() => host.Writer.Spans.Count == 2, "spans stored");

        // The flusher waits for the minute's end on the fake clock: advance until it wrote.
        await Eventually.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(30));
                return !writer.Aggregates.IsEmpty;
            },
            "the completed minute written");
        var aggregate = Assert.Single(writer.Aggregates);
        Assert.Equal(("checkout", "POST /pay", "server", T0, 2L, 1L), (aggregate.Service, aggregate.Operation, aggregate.SpanKind, aggregate.Minute, aggregate.Calls, aggregate.Errors));

        var text = await host.Http.GetStringAsync(new Uri(host.Collector.AdminEndpoint!, "metrics"));
        Assert.Contains("# TYPE traces_span_metrics_calls_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("traces_span_metrics_calls_total{service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"POST /pay\",status_code=\"STATUS_CODE_ERROR\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("traces_span_metrics_calls_total{service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"POST /pay\",status_code=\"STATUS_CODE_UNSET\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("traces_span_metrics_duration_milliseconds_count{service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"POST /pay\",status_code=\"STATUS_CODE_UNSET\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_WithoutAMetricsWriter_DoesNotAggregate_UnlessTurnedOn()
    {
        await using (var off = await CollectorHost.StartAsync())
        {
            await off.Host.Services.GetRequiredService<ISpanSink>().SubmitAsync(new Batch(new Process("svc"), [Span("op", "server", 10)]));
            await Eventually.UntilAsync(() => off.Writer.Spans.Count == 1, "span stored");
            var text = await off.Http.GetStringAsync(new Uri(off.Collector.AdminEndpoint!, "metrics"));
            Assert.DoesNotContain("traces_span_metrics", text, StringComparison.Ordinal);
        }

        await using var on = await CollectorHost.StartAsync(o => o.AggregateSpanMetrics = true);
        await on.Host.Services.GetRequiredService<ISpanSink>().SubmitAsync(new Batch(new Process("svc"), [Span("op", "server", 10)]));
        await Eventually.UntilAsync(
            async () => (await on.Http.GetStringAsync(new Uri(on.Collector.AdminEndpoint!, "metrics"))).Contains("traces_span_metrics_calls_total{service_name=\"svc\"", StringComparison.Ordinal),
            "span metrics on /metrics");
    }

    [Fact]
    public void Aggregator_AddsNoAllocation_PerSpan_OnceSeriesExist()
    {
        var aggregator = new SpanMetricsAggregator(100, meter: null);
        var batch = new Batch(new Process("svc"), [Span("a", "server", 1000), Span("b", "client", 2000, error: true), Span("c", "", 30_000)]);
        aggregator.Add(batch, T0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            aggregator.Add(batch, T0);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static Span Span(string operation, string kind, long durationMicros, bool error = false, string? otelStatus = null)
    {
        var tags = new List<KeyValue>();
        if (kind.Length > 0)
        {
            tags.Add(KeyValue.String("span.kind", kind));
        }

        if (error)
        {
            tags.Add(KeyValue.Bool("error", true));
        }

        if (otelStatus is not null)
        {
            tags.Add(KeyValue.String("otel.status_code", otelStatus));
        }

        return new Span { TraceId = new TraceId(1, 2), SpanId = new SpanId(3), OperationName = operation, DurationMicros = durationMicros, Tags = [.. tags] };
    }

    private sealed class RecordingMetricsWriter : IMetricsWriter
    {
        public ConcurrentQueue<SpanMetricsAggregate> Aggregates { get; } = new();

        public ValueTask WriteMetricsAsync(IReadOnlyList<SpanMetricsAggregate> aggregates, CancellationToken cancellationToken = default)
        {
            foreach (var aggregate in aggregates)
            {
                Aggregates.Enqueue(aggregate);
            }

            return ValueTask.CompletedTask;
        }
    }
}
