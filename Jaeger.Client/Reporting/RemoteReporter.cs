using System.Collections.Concurrent;
using Jaeger.Client.Diagnostics;
using Jaeger.Client.Senders;
using Jaeger.Model;
using Microsoft.Extensions.Logging;

namespace Jaeger.Client.Reporting;

/// <summary>
/// Queues finished spans in a bounded queue and sends them from one background task, in batches, every flush interval
/// (or sooner when a batch fills). <see cref="Report"/> never blocks: a full queue drops the span and counts it.
/// </summary>
internal sealed partial class RemoteReporter : IReporter
{
    public const int DefaultMaxQueueSize = 100;
    public const int MaxBatchSpans = 1000;
    public static readonly TimeSpan DefaultFlushInterval = TimeSpan.FromSeconds(1);

    private readonly BoundedSpanQueue<Span> _queue;
    private readonly ISender _sender;
    private readonly TimeSpan _flushInterval;
    private readonly TimeProvider _time;
    private readonly ClientMetrics _metrics;
    private readonly SenderStats _stats;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<TaskCompletionSource> _flushRequests = new();
    private readonly SemaphoreSlim _flushSignal = new(0);
    private readonly CancellationTokenSource _abort = new();
    private readonly List<Span> _pending = [];
    private readonly Task _consumer;
    private readonly int _wakeThreshold;
    private int _closed;
    private int _wakeRequested;

    public RemoteReporter(ISender sender, int maxQueueSize, TimeSpan flushInterval, TimeProvider time, ClientMetrics metrics, SenderStats stats, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueueSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(flushInterval, TimeSpan.Zero);
        _sender = sender;
        _flushInterval = flushInterval;
        _time = time;
        _metrics = metrics;
        _stats = stats;
        _logger = logger;
        _queue = new BoundedSpanQueue<Span>(maxQueueSize);
        // The consumer sleeps until the flush interval, a flush request, or the queue filling up to this mark, so
        // reporting a span does not schedule work on the thread pool.
        _wakeThreshold = Math.Max(1, Math.Min(maxQueueSize / 2, MaxBatchSpans));
        metrics.ObserveQueueLength(() => _queue.Count);
        _consumer = Task.Run(ConsumeAsync);
    }

    internal ISender Sender => _sender;

    public int QueueLength => _queue.Count;

    public void Report(Span span)
    {
        if (_queue.TryEnqueue(span, out var count))
        {
            if (count >= _wakeThreshold && Volatile.Read(ref _wakeRequested) == 0 && Interlocked.Exchange(ref _wakeRequested, 1) == 0)
            {
                _flushSignal.Release();
            }

            return;
        }

        if (_queue.IsClosed)
        {
            _metrics.ReporterDropped(1, "closed");
            return;
        }

        _stats.AddFullQueue(1);
        _metrics.ReporterDropped(1, "queue_full");
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_consumer.IsCompleted)
        {
            return;
        }

        var request = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _flushRequests.Enqueue(request);
        _flushSignal.Release();
        await request.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _queue.Close();
            _flushSignal.Release();
        }

        try
        {
            await _consumer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's stop deadline passed: abandon the send in progress; what is left is counted as dropped.
            await _abort.CancelAsync().ConfigureAwait(false);
            var left = _queue.Count;
            if (left > 0)
            {
                _metrics.ReporterDropped(left, "shutdown");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync(CancellationToken.None).ConfigureAwait(false);
        await _sender.DisposeAsync().ConfigureAwait(false);
        _flushSignal.Dispose();
        _abort.Dispose();
    }

    private async Task ConsumeAsync()
    {
        Task? tick = null;
        Task? signalled = null;
        while (true)
        {
            await DrainAsync().ConfigureAwait(false);
            if (!_flushRequests.IsEmpty)
            {
                await SendPendingAsync().ConfigureAwait(false);
                while (_flushRequests.TryDequeue(out var request))
                {
                    request.TrySetResult();
                }
            }

            if (_queue.IsClosed)
            {
                break;
            }

            tick ??= Task.Delay(_flushInterval, _time);
            signalled ??= _flushSignal.WaitAsync();
            var woke = await Task.WhenAny(tick, signalled).ConfigureAwait(false);
            if (woke == tick)
            {
                tick = null;
                await DrainAsync().ConfigureAwait(false);
                await SendPendingAsync().ConfigureAwait(false);
            }
            else
            {
                signalled = null;
            }
        }

        // Closed: the queue refuses new spans, so this drain takes everything that was accepted.
        await DrainAsync(afterClose: true).ConfigureAwait(false);
        await SendPendingAsync().ConfigureAwait(false);
        while (_flushRequests.TryDequeue(out var request))
        {
            request.TrySetResult();
        }
    }

    private async Task DrainAsync(bool afterClose = false)
    {
        // Producers may ask for the next wake-up as soon as this drain starts.
        Volatile.Write(ref _wakeRequested, 0);
        while (_queue.DrainTo(_pending, MaxBatchSpans - _pending.Count, waitForStores: afterClose) > 0)
        {
            if (_pending.Count >= MaxBatchSpans)
            {
                await SendPendingAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task SendPendingAsync()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        try
        {
            var result = await _sender.SendAsync(_pending, _abort.Token).ConfigureAwait(false);
            if (result.Sent > 0)
            {
                _metrics.ReporterOk(result.Sent);
            }

            if (result.Failed > 0)
            {
                _metrics.ReporterError(result.Failed, result.FailureReason);
                LogSendFailed(_logger, result.Failed, result.FailureReason);
            }

            if (result.TooLarge > 0)
            {
                _metrics.ReporterDropped(result.TooLarge, "too_large");
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A sender bug must not kill the reporter: count the batch as failed and go on.
            _stats.AddFailedToEmit(_pending.Count);
            _metrics.ReporterError(_pending.Count, "exception");
            LogSenderException(_logger, ex, _pending.Count);
        }
        finally
        {
            _pending.Clear();
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Failed to send {Count} spans: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "The span sender threw; {Count} spans lost")]
    private static partial void LogSenderException(ILogger logger, Exception exception, int count);
}
