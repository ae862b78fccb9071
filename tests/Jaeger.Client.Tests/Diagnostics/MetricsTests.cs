using Jaeger.Client.Diagnostics;
using Jaeger.Client.Reporting;
using Jaeger.Client.Sampling;
using Jaeger.Client.Senders;
using Jaeger.Model;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Client.Tests.Diagnostics;

public class MetricsTests
{
    private static long Sum(MetricCollector<long> c, params (string Key, string Value)[] tags) =>
        c.GetMeasurementSnapshot().Where(m => tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && (string?)v == t.Value)).Sum(m => m.Value);

    [Fact]
    public void Tracer_counts_traces_started_and_joined_spans_started_and_finished_and_baggage()
    {
        using var metrics = new ClientMetrics(null);
        using var traces = new MetricCollector<long>(metrics.Meter, "jaeger.client.traces");
        using var started = new MetricCollector<long>(metrics.Meter, "jaeger.client.spans.started");
        using var finished = new MetricCollector<long>(metrics.Meter, "jaeger.client.spans.finished");
        using var baggage = new MetricCollector<long>(metrics.Meter, "jaeger.client.baggage.updates");
        using var truncations = new MetricCollector<long>(metrics.Meter, "jaeger.client.baggage.truncations");
        var (tracer, _) = TestTracers.Create(new ConstSampler(true), metrics: metrics);

        var root = tracer.BuildSpan("root").Start();
        root.SetBaggageItem("k", new string('v', 3000));
        var incoming = (JaegerSpanContext)root.Context;
        tracer.BuildSpan("server").AsChildOf(incoming).WithTag(Tags.SpanKind, Tags.SpanKindServer).Start().Finish();
        root.Finish();
        var (unsampledTracer, _) = TestTracers.Create(new ConstSampler(false), metrics: metrics);
        unsampledTracer.BuildSpan("quiet").Start().Finish();

        Assert.Equal(1, Sum(traces, ("state", "started"), ("sampled", "y")));
        Assert.Equal(1, Sum(traces, ("state", "started"), ("sampled", "n")));
        Assert.Equal(1, Sum(traces, ("state", "joined"), ("sampled", "y")));
        Assert.Equal(2, Sum(started, ("sampled", "y")));
        Assert.Equal(1, Sum(started, ("sampled", "n")));
        Assert.Equal(2, Sum(finished));
        Assert.Equal(1, Sum(baggage, ("result", "ok")));
        Assert.Equal(1, Sum(truncations));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Rpc_metrics_count_server_spans_sampled_or_not_by_endpoint_error_and_status_class(bool sampled)
    {
        using var metrics = new ClientMetrics(null);
        using var requests = new MetricCollector<long>(metrics.Meter, "jaeger.client.rpc.requests");
        using var latency = new MetricCollector<double>(metrics.Meter, "jaeger.client.rpc.request_latency");
        using var http = new MetricCollector<long>(metrics.Meter, "jaeger.client.rpc.http_requests");
        var time = new FakeTimeProvider();
        var (tracer, _) = TestTracers.Create(new ConstSampler(sampled), time: time, metrics: metrics, rpcMetrics: true);

        // Kind at the start; status and error set later, as strings and as typed values.
        var ok = tracer.BuildSpan("GET /orders/{id}").WithTag(Tags.SpanKind, Tags.SpanKindServer).Start();
        ok.SetTag(Tags.HttpStatus, 200);
        time.Advance(TimeSpan.FromMilliseconds(250));
        ok.Finish();

        // Kind set after the start.
        var failed = tracer.BuildSpan("POST /pay").Start();
        failed.SetTag(Tags.SpanKind, Tags.SpanKindServer);
        failed.SetTag(Tags.HttpStatus, "503");
        failed.SetTag(Tags.Error, true);
        time.Advance(TimeSpan.FromMilliseconds(40));
        failed.Finish();
        failed.Finish(); // a second finish counts nothing

        // Not server spans: not counted.
        tracer.BuildSpan("GET /orders/{id}").WithTag(Tags.SpanKind, Tags.SpanKindClient).Start().Finish();
        tracer.BuildSpan("internal").Start().Finish();

        Assert.Equal(1, Sum(requests, ("endpoint", "GET-/orders/-id-"), ("error", "false")));
        Assert.Equal(1, Sum(requests, ("endpoint", "POST-/pay"), ("error", "true")));
        Assert.Equal(2, Sum(requests));
        Assert.Equal(1, Sum(http, ("endpoint", "GET-/orders/-id-"), ("status_code", "2xx")));
        Assert.Equal(1, Sum(http, ("endpoint", "POST-/pay"), ("status_code", "5xx")));
        var latencies = latency.GetMeasurementSnapshot();
        Assert.Equal(0.25, latencies.Single(m => (string?)m.Tags["endpoint"] == "GET-/orders/-id-").Value, 6);
        Assert.Equal(0.04, latencies.Single(m => (string?)m.Tags["endpoint"] == "POST-/pay").Value, 6);
    }

    [Fact]
    public void Rpc_metrics_are_off_by_default_and_cap_the_number_of_endpoints()
    {
        using var metrics = new ClientMetrics(null);
        using var requests = new MetricCollector<long>(metrics.Meter, "jaeger.client.rpc.requests");
        var (quiet, _) = TestTracers.Create(new ConstSampler(true), metrics: metrics);
        quiet.BuildSpan("GET /").WithTag(Tags.SpanKind, Tags.SpanKindServer).Start().Finish();
        Assert.Empty(requests.GetMeasurementSnapshot());

        var (tracer, _) = TestTracers.Create(new ConstSampler(false), metrics: metrics, rpcMetrics: true);
        for (var i = 0; i < RpcMetrics.MaxEndpoints + 5; i++)
        {
            tracer.BuildSpan("op" + i).WithTag(Tags.SpanKind, Tags.SpanKindServer).Start().Finish();
        }

        tracer.BuildSpan("op0").WithTag(Tags.SpanKind, Tags.SpanKindServer).Start().Finish();
        var snapshot = requests.GetMeasurementSnapshot();
        Assert.Equal(RpcMetrics.MaxEndpoints + 1, snapshot.Select(m => (string?)m.Tags["endpoint"]).Distinct().Count());
        Assert.Equal(5, Sum(requests, ("endpoint", "other")));
        Assert.Equal(2, Sum(requests, ("endpoint", "op0")));
    }

    [Fact]
    public async Task Queue_length_gauge_reports_waiting_spans()
    {
        using var metrics = new ClientMetrics(null);
        using var queue = new MetricCollector<long>(metrics.Meter, "jaeger.client.reporter.queue_length");
        var sender = new BlockingSender();
        await using var reporter = new RemoteReporter(sender, 10, TimeSpan.FromSeconds(1), new FakeTimeProvider(), metrics, new SenderStats(), NullLogger.Instance);
        reporter.Report(new Span { OperationName = "first" });
        var flush = reporter.FlushAsync(CancellationToken.None);
        await sender.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        reporter.Report(new Span { OperationName = "a" });
        reporter.Report(new Span { OperationName = "b" });
        queue.RecordObservableInstruments();
        Assert.Equal(2, queue.LastMeasurement!.Value);
        sender.Gate.SetResult();
        await flush;
    }

    private sealed class BlockingSender : ISender
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<SendResult> SendAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Gate.Task;
            return new SendResult(spans.Count);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
