using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using System.Net;
using Jaeger.Agent.Hosting.Diagnostics;
using Jaeger.Agent.Hosting.Forwarding;
using Jaeger.Model;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Agent.Hosting.Tests;

public sealed class ForwarderTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new();
    private readonly AgentMetrics _metrics;
    private readonly MetricCollector<long> _dropped;
    private readonly MetricCollector<long> _forwardedSpans;
    private readonly MetricCollector<long> _retries;

    public ForwarderTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _metrics = new AgentMetrics(factory);
        _dropped = new MetricCollector<long>(factory, AgentMetrics.MeterName, "jaeger.agent.forward.spans.dropped");
        _forwardedSpans = new MetricCollector<long>(factory, AgentMetrics.MeterName, "jaeger.agent.forward.spans");
        _retries = new MetricCollector<long>(factory, AgentMetrics.MeterName, "jaeger.agent.forward.retries");
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task A_collector_that_is_down_is_retried_within_bounds_drops_are_counted_memory_stays_bounded_and_delivery_resumes()
    {
        var collector = new ScriptedCollector { Down = true };
        var options = new JaegerAgentOptions
        {
            MaxRetries = 2,
            InitialBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(10),
            MaxBufferedBatches = 4,
            MaxBufferedSpans = 1_000,
            ForwardConcurrency = 1,
        };
        await using var forwarder = Create(options, collector);
        forwarder.Start();

        // One batch is being retried, four wait in the buffer; the rest does not fit and is dropped at once.
        var accepted = 0;
        for (var i = 0; i < 10; i++)
        {
            accepted += forwarder.TryEnqueue(NewBatch(10, $"b{i}")) ? 1 : 0;
        }

        await Eventually.UntilAsync(() => collector.Attempts >= 1, "the first attempt");
        var fullDrops = _dropped.Sum(("reason", "buffer_full"));
        Assert.Equal((10 - accepted) * 10, fullDrops);
        Assert.InRange(accepted, 4, 5);
        Assert.True(forwarder.BufferedSpans <= options.MaxBufferedSpans);

        // Every accepted batch: 1 attempt + 2 retries, then given up.
        await Eventually.UntilAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                return _dropped.Sum(("reason", "retries_exhausted")) == accepted * 10;
            },
            "every accepted batch to exhaust its retries");
        Assert.Equal(accepted * 3, collector.Attempts);
        Assert.Equal(accepted * 2, _retries.Sum());
        Assert.Equal(0, _forwardedSpans.Sum());
        await Eventually.UntilAsync(() => forwarder.BufferedSpans == 0, "the buffer to empty");

        collector.Down = false;
        Assert.True(forwarder.TryEnqueue(NewBatch(7, "after")));
        await Eventually.UntilAsync(() => _forwardedSpans.Sum() == 7, "delivery once the collector is back");
        Assert.Equal("after", Assert.Single(collector.Delivered).Spans[0].OperationName);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_after_the_backoff_and_then_delivered()
    {
        var collector = new ScriptedCollector { FailuresBeforeSuccess = 2 };
        await using var forwarder = Create(new JaegerAgentOptions { MaxRetries = 3, InitialBackoff = TimeSpan.FromSeconds(2), ForwardConcurrency = 1 }, collector);
        forwarder.Start();

        forwarder.TryEnqueue(NewBatch(3, "op"));

        await Eventually.UntilAsync(() => collector.Attempts == 1, "the first attempt");
        await Eventually.UntilAsync(() => _retries.Sum() == 1, "the retry to be scheduled");
        Assert.Equal(1, collector.Attempts);
        await Eventually.UntilAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                return collector.Delivered.Count == 1;
            },
            "delivery after two retries");
        // The collector holds the batch before the forwarder has the answer and counts the delivery.
        await Eventually.UntilAsync(() => _forwardedSpans.Sum() >= 3, "the delivery to be counted");
        Assert.Equal(3, collector.Attempts);
        Assert.Equal(3, _forwardedSpans.Sum());
        Assert.Equal(0, _dropped.Sum());
    }

    [Fact]
    public async Task A_rejected_batch_is_not_retried_and_is_counted_as_rejected()
    {
        var collector = new ScriptedCollector { Reject = true };
        await using var forwarder = Create(new JaegerAgentOptions { ForwardConcurrency = 1 }, collector);
        forwarder.Start();

        forwarder.TryEnqueue(NewBatch(4, "op"));

        await Eventually.UntilAsync(() => _dropped.Sum(("reason", "rejected")) == 4, "the rejected spans to be counted");
        Assert.Equal(1, collector.Attempts);
        Assert.Equal(0, _retries.Sum());
    }

    [Fact]
    public async Task Several_collectors_are_used_round_robin()
    {
        var first = new ScriptedCollector();
        var second = new ScriptedCollector();
        await using var forwarder = Create(new JaegerAgentOptions { ForwardConcurrency = 1 }, first, second);
        forwarder.Start();

        for (var i = 0; i < 6; i++)
        {
            forwarder.TryEnqueue(NewBatch(1, "op" + i));
        }

        await Eventually.UntilAsync(() => _forwardedSpans.Sum() == 6, "six deliveries");
        Assert.Equal(3, first.Delivered.Count);
        Assert.Equal(3, second.Delivered.Count);
    }

    [Fact]
    public async Task Agent_tags_are_appended_to_the_process_of_every_forwarded_batch()
    {
        var collector = new ScriptedCollector();
        await using var forwarder = Create(new JaegerAgentOptions(), [KeyValue.String("zone", "eu")], collector);
        forwarder.Start();

        forwarder.TryEnqueue(NewBatch(2, "op"));

        await Eventually.UntilAsync(() => collector.Delivered.Count == 1, "delivery");
        var batch = Assert.Single(collector.Delivered);
        Assert.Equal(["hostname=h1", "zone=eu"], batch.Process.Tags.Select(t => t.ToString()));
        Assert.All(batch.Spans, s => Assert.Same(batch.Process, s.Process));
    }

    [Fact]
    public async Task A_graceful_stop_delivers_what_was_buffered()
    {
        var collector = new ScriptedCollector { Gate = new TaskCompletionSource() };
        await using var forwarder = Create(new JaegerAgentOptions { ForwardConcurrency = 1 }, collector);
        forwarder.Start();
        for (var i = 0; i < 5; i++)
        {
            forwarder.TryEnqueue(NewBatch(2, "op" + i));
        }

        var stop = forwarder.StopAsync(CancellationToken.None);
        Assert.False(forwarder.TryEnqueue(NewBatch(1, "late")));
        collector.Gate.SetResult();
        await stop;

        Assert.Equal(5, collector.Delivered.Count);
        Assert.Equal(10, _forwardedSpans.Sum());
        Assert.Equal(1, _dropped.Sum(("reason", "stopping")));
    }

    [Fact]
    public async Task A_stop_whose_time_runs_out_counts_what_was_left_as_stopping()
    {
        var collector = new ScriptedCollector { Down = true };
        await using var forwarder = Create(new JaegerAgentOptions { ForwardConcurrency = 1, MaxRetries = 100 }, collector);
        forwarder.Start();
        for (var i = 0; i < 3; i++)
        {
            forwarder.TryEnqueue(NewBatch(2, "op" + i));
        }

        await Eventually.UntilAsync(() => collector.Attempts >= 1, "the first attempt");
        using var expired = new CancellationTokenSource();
        await expired.CancelAsync();
        await forwarder.StopAsync(expired.Token);

        Assert.Equal(6, _dropped.Sum(("reason", "stopping")));
        Assert.Equal(0, forwarder.BufferedSpans);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "Delivered")]
    [InlineData(HttpStatusCode.Accepted, "Delivered")]
    [InlineData(HttpStatusCode.TooManyRequests, "Retryable")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "Retryable")]
    [InlineData(HttpStatusCode.InternalServerError, "Retryable")]
    [InlineData(HttpStatusCode.BadRequest, "Rejected")]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, "Rejected")]
    public void Http_statuses_are_classified_as_delivered_retryable_or_rejected(HttpStatusCode status, string expected) =>
        Assert.Equal(expected, HttpCollectorClient.Classify(status).Outcome.ToString());

    internal static Batch NewBatch(int spans, string operation)
    {
        var process = new Process("svc", [KeyValue.String("hostname", "h1")]);
        var list = new List<Span>();
        for (var i = 0; i < spans; i++)
        {
            list.Add(new Span { TraceId = new TraceId(1, 2), SpanId = new SpanId((ulong)i + 1), OperationName = operation, Process = process });
        }

        return new Batch(process, list);
    }

    private BatchForwarder Create(JaegerAgentOptions options, params ScriptedCollector[] collectors) =>
        Create(options, ImmutableArray<KeyValue>.Empty, collectors);

    private BatchForwarder Create(JaegerAgentOptions options, ImmutableArray<KeyValue> tags, params ScriptedCollector[] collectors) =>
        new(collectors, options, tags, _metrics, _time, NullLogger.Instance);

    private sealed class ScriptedCollector : ICollectorClient
    {
        private int _attempts;

        public volatile bool Down;

        public bool Reject { get; init; }

        public int FailuresBeforeSuccess { get; init; }

        public TaskCompletionSource? Gate { get; init; }

        public int Attempts => Volatile.Read(ref _attempts);

        public ConcurrentQueue<Batch> Delivered { get; } = new();

        public string Name => "scripted";

        public async Task<SendResult> SendAsync(Batch batch, CancellationToken cancellationToken)
        {
            var attempt = Interlocked.Increment(ref _attempts);
            if (Gate is not null)
            {
                await Gate.Task.WaitAsync(cancellationToken);
            }

            if (Reject)
            {
                return new SendResult(SendOutcome.Rejected, "HTTP 400");
            }

            if (Down || attempt <= FailuresBeforeSuccess)
            {
                return new SendResult(SendOutcome.Retryable, "connection refused");
            }

            Delivered.Enqueue(batch);
            return SendResult.Delivered;
        }

        public void Dispose()
        {
        }
    }
}
