using System.Buffers;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Jaeger.Hosting.Diagnostics;
using Jaeger.Testing;
using Jaeger.Thrift;
using Microsoft.Extensions.DependencyInjection;

namespace Jaeger.Collector.Hosting.Tests;

public sealed class PrometheusMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private IMeterFactory Factory => _services.GetRequiredService<IMeterFactory>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Counter_is_rendered_with_sanitized_name_total_suffix_sorted_labels_and_help()
    {
        using var exporter = new PrometheusMetrics(Factory);
        var counter = Factory.Create("Jaeger.Test").CreateCounter<long>("jaeger.test.spans-received", "{span}", "Spans received.");

        counter.Add(3, new("transport", "http"), new("format", "jaeger"));
        counter.Add(4, new("format", "jaeger"), new("transport", "http"));
        counter.Add(5, new("format", "otlp"), new("transport", "grpc"));

        var text = exporter.Render();
        Assert.Contains("# HELP jaeger_test_spans_received_total Spans received.\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE jaeger_test_spans_received_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_spans_received_total{format=\"jaeger\",transport=\"http\"} 7\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_spans_received_total{format=\"otlp\",transport=\"grpc\"} 5\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline_and_label_names_are_sanitized()
    {
        using var exporter = new PrometheusMetrics(Factory);
        var counter = Factory.Create("Jaeger.Test").CreateCounter<long>("jaeger.test.odd");

        counter.Add(1, new KeyValuePair<string, object?>("service.name", "a\\b\"c\nd"), new KeyValuePair<string, object?>("9lives", 42));

        Assert.Contains("jaeger_test_odd_total{_9lives=\"42\",service_name=\"a\\\\b\\\"c\\nd\"} 1\n", exporter.Render(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jaeger.collector.spans.saved", "jaeger_collector_spans_saved")]
    [InlineData("http-server/requests", "http_server_requests")]
    [InlineData("0day", "_0day")]
    [InlineData("a:b", "a:b")]
    public void Metric_names_keep_only_prometheus_characters(string name, string expected) =>
        Assert.Equal(expected, PrometheusMetrics.SanitizeName(name));

    [Fact]
    public void Histogram_renders_cumulative_buckets_with_inf_sum_and_count_and_a_seconds_suffix()
    {
        using var exporter = new PrometheusMetrics(Factory);
        var histogram = Factory.Create("Jaeger.Test").CreateHistogram<double>("jaeger.test.save.duration", "s", "Save time.");

        histogram.Record(0.004, new KeyValuePair<string, object?>("writer", "memory"));
        histogram.Record(0.02, new KeyValuePair<string, object?>("writer", "memory"));
        histogram.Record(0.02, new KeyValuePair<string, object?>("writer", "memory"));
        histogram.Record(30, new KeyValuePair<string, object?>("writer", "memory"));

        var text = exporter.Render();
        Assert.Contains("# TYPE jaeger_test_save_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_save_duration_seconds_bucket{writer=\"memory\",le=\"0.005\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_save_duration_seconds_bucket{writer=\"memory\",le=\"0.01\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_save_duration_seconds_bucket{writer=\"memory\",le=\"0.025\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_save_duration_seconds_bucket{writer=\"memory\",le=\"10\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_save_duration_seconds_bucket{writer=\"memory\",le=\"+Inf\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_save_duration_seconds_sum{writer=\"memory\"} 30.044\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_save_duration_seconds_count{writer=\"memory\"} 4\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Histogram_uses_advised_bucket_boundaries()
    {
        using var exporter = new PrometheusMetrics(Factory);
        var histogram = Factory.Create("Jaeger.Test").CreateHistogram("jaeger.test.batch.size", "{span}", "Spans per batch.", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [10, 100] });

        histogram.Record(50);

        var text = exporter.Render();
        Assert.Contains("jaeger_test_batch_size_bucket{le=\"10\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_batch_size_bucket{le=\"100\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("jaeger_test_batch_size_bucket{le=\"+Inf\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Up_down_counters_and_observable_instruments_are_gauges_with_their_current_value()
    {
        using var exporter = new PrometheusMetrics(Factory);
        var meter = Factory.Create("Jaeger.Test");
        var queue = meter.CreateUpDownCounter<int>("jaeger.test.queue.length");
        var capacity = 2000;
        meter.CreateObservableGauge("jaeger.test.queue.capacity", () => capacity);
        meter.CreateObservableCounter("jaeger.test.evictions", () => new Measurement<long>(12, new KeyValuePair<string, object?>("store", "memory")));

        queue.Add(5);
        queue.Add(-2);
        Assert.Contains("jaeger_test_queue_capacity 2000\n", exporter.Render(), StringComparison.Ordinal);
        capacity = 4000;

        var text = exporter.Render();
        Assert.Contains("# TYPE jaeger_test_queue_length gauge\njaeger_test_queue_length 3\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE jaeger_test_queue_capacity gauge\njaeger_test_queue_capacity 4000\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE jaeger_test_evictions_total counter\njaeger_test_evictions_total{store=\"memory\"} 12\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_jaeger_meters_of_its_own_factory_are_collected()
    {
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var exporter = new PrometheusMetrics(Factory);
        Factory.Create("Jaeger.Test").CreateCounter<long>("jaeger.test.mine").Add(1);
        Factory.Create("Other.Test").CreateCounter<long>("other.test.foreign").Add(1);
        other.GetRequiredService<IMeterFactory>().Create("Jaeger.Test").CreateCounter<long>("jaeger.test.other_host").Add(1);

        var text = exporter.Render();

        Assert.Contains("jaeger_test_mine_total 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("foreign", text, StringComparison.Ordinal);
        Assert.DoesNotContain("other_host", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_admin_serves_metrics_with_stored_spans_by_service()
    {
        await using var collector = await CollectorHost.StartAsync();
        var buffer = new ArrayBufferWriter<byte>();
        JaegerThriftSerializer.WriteBatch(buffer, TestSpans.Batch("metrics-svc", 3), ThriftProtocol.Binary);
        using var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-thrift");
        var posted = await collector.Http.PostAsync(new Uri(collector.Collector.ThriftHttpEndpoint!, "api/traces"), content);
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 3, "the spans stored");

        string text = string.Empty;
        await Eventually.UntilAsync(
            async () =>
            {
                var response = await collector.Http.GetAsync(new Uri(collector.Collector.AdminEndpoint!, "metrics"));
                Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
                text = await response.Content.ReadAsStringAsync();
                return text.Contains("jaeger_collector_spans_saved_total{result=\"ok\",service=\"metrics-svc\"} 3\n", StringComparison.Ordinal);
            },
            "the saved count on /metrics");
        Assert.Contains("jaeger_collector_spans_received_total{format=\"jaeger\",transport=\"http\"} 3\n", text, StringComparison.Ordinal);
    }
}
