using Jaeger.Client.Diagnostics;
using Jaeger.Client.Reporting;
using Jaeger.Client.Senders;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Client.Tests.Reporting;

public class RemoteReporterTests
{
    private static Span NewSpan(int i) => new()
    {
        TraceId = new TraceId(1),
        SpanId = new SpanId((ulong)i + 1),
        OperationName = "op" + i,
        Flags = SpanFlags.Sampled,
        Process = new Process("svc"),
    };

    [Fact]
    public async Task Spans_are_sent_to_the_in_process_sink_on_the_flush_interval()
    {
        var time = new FakeTimeProvider();
        var sink = new RecordingSink();
        using var metrics = new ClientMetrics(null);
        using var reported = new MetricCollector<long>(metrics.Meter, "jaeger.client.reporter.spans");
        await using var reporter = new RemoteReporter(new InProcessSender(sink), 100, TimeSpan.FromSeconds(1), time, metrics, new SenderStats(), NullLogger.Instance);
        for (var i = 0; i < 3; i++)
        {
            reporter.Report(NewSpan(i));
        }

        // Below the wake mark nothing is sent before the flush interval.
        Assert.Empty(sink.Batches);
        await Eventually.UntilAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return sink.SpanCount == 3;
        }, "three spans reached the sink after the flush interval");
        Assert.Equal(["op0", "op1", "op2"], sink.Batches.SelectMany(b => b.Spans).Select(s => s.OperationName));
        await Eventually.UntilAsync(() => reported.GetMeasurementSnapshot().Where(m => (string?)m.Tags["result"] == "ok").Sum(m => m.Value) == 3, "ok counted");
    }

    [Fact]
    public async Task Full_queue_drops_and_counts_without_blocking_and_close_sends_the_rest()
    {
        var time = new FakeTimeProvider();
        var sender = new GatedSender();
        var stats = new SenderStats();
        using var metrics = new ClientMetrics(null);
        using var reported = new MetricCollector<long>(metrics.Meter, "jaeger.client.reporter.spans");
        var reporter = new RemoteReporter(sender, 2, TimeSpan.FromSeconds(1), time, metrics, stats, NullLogger.Instance);
        reporter.Report(NewSpan(0));
        var flush = reporter.FlushAsync(CancellationToken.None);
        await sender.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        for (var i = 1; i <= 5; i++)
        {
            reporter.Report(NewSpan(i));
        }

        Assert.Equal(3, stats.Snapshot().FullQueueDroppedSpans);
        var dropped = reported.GetMeasurementSnapshot().Where(m => (string?)m.Tags["result"] == "dropped").ToList();
        Assert.Equal(3, dropped.Sum(m => m.Value));
        Assert.All(dropped, m => Assert.Equal("queue_full", m.Tags["reason"]));

        sender.Gate.SetResult();
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        await reporter.CloseAsync(CancellationToken.None);
        Assert.Equal(["op0", "op1", "op2"], sender.Sent.Select(s => s.OperationName));
        reporter.Report(NewSpan(9));
        Assert.Contains(reported.GetMeasurementSnapshot(), m => m.Tags.TryGetValue("reason", out var r) && (string?)r == "closed");
        await reporter.DisposeAsync();
    }

    [Fact]
    public async Task A_throwing_sender_is_counted_and_the_reporter_keeps_working()
    {
        var sender = new ThrowingOnceSender();
        using var metrics = new ClientMetrics(null);
        using var reported = new MetricCollector<long>(metrics.Meter, "jaeger.client.reporter.spans");
        await using var reporter = new RemoteReporter(sender, 10, TimeSpan.FromSeconds(1), new FakeTimeProvider(), metrics, new SenderStats(), NullLogger.Instance);
        reporter.Report(NewSpan(0));
        await reporter.FlushAsync(CancellationToken.None);
        reporter.Report(NewSpan(1));
        await reporter.FlushAsync(CancellationToken.None);
        Assert.Equal(["op1"], sender.Sent.Select(s => s.OperationName));
        Assert.Contains(reported.GetMeasurementSnapshot(), m => (string?)m.Tags["result"] == "err" && (string?)m.Tags["reason"] == "exception");
    }

    [Fact]
    public async Task Tracer_close_flushes_spans_into_the_sink()
    {
        var sink = new RecordingSink();
        using var metrics = new ClientMetrics(null);
        var reporter = new RemoteReporter(new InProcessSender(sink), 100, TimeSpan.FromHours(1), TimeProvider.System, metrics, new SenderStats(), NullLogger.Instance);
        var (tracer, _) = TestTracers.Create();
        var real = new JaegerTracer(new TracerSettings
        {
            ServiceName = "closing",
            Sampler = new Jaeger.Client.Sampling.ConstSampler(true),
            Reporter = reporter,
            Metrics = metrics,
            TextMapPropagator = tracer.TextMapPropagator,
            HttpHeadersPropagator = tracer.HttpHeadersPropagator,
            BinaryPropagator = tracer.BinaryPropagator,
        });
        real.BuildSpan("last words").Start().Finish();
        await real.DisposeAsync();
        var batch = Assert.Single(sink.Batches);
        Assert.Equal("closing", batch.Process.ServiceName);
        Assert.Equal("last words", Assert.Single(batch.Spans).OperationName);
    }

    internal sealed class RecordingSink : ISpanSink
    {
        private readonly Lock _lock = new();
        private readonly List<Batch> _batches = [];

        public IReadOnlyList<Batch> Batches
        {
            get
            {
                lock (_lock)
                {
                    return [.. _batches];
                }
            }
        }

        public int SpanCount => Batches.Sum(b => b.Spans.Count);

        public ValueTask<SpanSinkResult> SubmitAsync(Batch batch, CancellationToken cancellationToken = default)
        {
            lock (_lock)
            {
                _batches.Add(batch);
            }

            return new(new SpanSinkResult(batch.Spans.Count, 0));
        }
    }

    private sealed class GatedSender : ISender
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<Span> Sent { get; } = [];

        public async ValueTask<SendResult> SendAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Gate.Task;
            Sent.AddRange(spans);
            return new SendResult(spans.Count);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class ThrowingOnceSender : ISender
    {
        private bool _thrown;

        public List<Span> Sent { get; } = [];

        public ValueTask<SendResult> SendAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken)
        {
            if (!_thrown)
            {
                _thrown = true;
                throw new InvalidOperationException("sender bug");
            }

            Sent.AddRange(spans);
            return new(new SendResult(spans.Count));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
