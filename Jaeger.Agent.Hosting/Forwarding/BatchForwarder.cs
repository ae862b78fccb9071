using System.Collections.Immutable;
using System.Threading.Channels;
using Jaeger.Agent.Hosting.Diagnostics;
using Jaeger.Model;
using Microsoft.Extensions.Logging;

namespace Jaeger.Agent.Hosting.Forwarding;

/// <summary>
/// A bounded buffer of batches (by batch count and span count) and senders that deliver them to the collectors
/// round-robin, retrying transient failures with exponential backoff. What cannot be delivered is dropped and counted
/// with its reason: buffer_full, retries_exhausted, rejected, stopping.
/// </summary>
internal sealed class BatchForwarder : IAsyncDisposable
{
    private readonly Channel<Batch> _buffer;
    private readonly IReadOnlyList<ICollectorClient> _clients;
    private readonly JaegerAgentOptions _options;
    private readonly ImmutableArray<KeyValue> _agentTags;
    private readonly AgentMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();
    private Task[] _senders = [];
    private long _bufferedSpans;
    private volatile bool _stopping;
    private int _next = -1;

    public BatchForwarder(
        IReadOnlyList<ICollectorClient> clients,
        JaegerAgentOptions options,
        ImmutableArray<KeyValue> agentTags,
        AgentMetrics metrics,
        TimeProvider time,
        ILogger logger)
    {
        _clients = clients;
        _options = options;
        _agentTags = agentTags;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _buffer = Channel.CreateBounded<Batch>(new BoundedChannelOptions(options.MaxBufferedBatches)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = options.ForwardConcurrency == 1,
        });
    }

    /// <summary>Spans waiting to be delivered (in the buffer or being sent).</summary>
    public long BufferedSpans => Interlocked.Read(ref _bufferedSpans);

    public void Start()
    {
        _senders = new Task[_options.ForwardConcurrency];
        for (var i = 0; i < _senders.Length; i++)
        {
            _senders[i] = Task.Run(SendLoopAsync);
        }
    }

    /// <summary>Takes a batch for delivery, or drops and counts it when the buffer is full.</summary>
    public bool TryEnqueue(Batch batch)
    {
        if (_stopping)
        {
            Drop(batch, "stopping");
            return false;
        }

        AgentTags.Apply(batch, _agentTags);
        var spans = batch.Spans.Count;
        if (Interlocked.Add(ref _bufferedSpans, spans) > _options.MaxBufferedSpans && spans > 0)
        {
            Interlocked.Add(ref _bufferedSpans, -spans);
            Drop(batch, "buffer_full");
            return false;
        }

        if (!_buffer.Writer.TryWrite(batch))
        {
            Interlocked.Add(ref _bufferedSpans, -spans);
            Drop(batch, "buffer_full");
            return false;
        }

        return true;
    }

    /// <summary>Stops taking batches and delivers what is buffered until the token fires; the rest is dropped and counted.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _buffer.Writer.TryComplete();
        using var registration = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort);
        await Task.WhenAll(_senders).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _buffer.Writer.TryComplete();
        await _abort.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_senders).ConfigureAwait(false);
        _abort.Dispose();
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    private async Task SendLoopAsync()
    {
        var reader = _buffer.Reader;
        var abort = _abort.Token;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var batch))
            {
                try
                {
                    if (abort.IsCancellationRequested)
                    {
                        Drop(batch, "stopping");
                    }
                    else
                    {
                        await DeliverAsync(batch, abort).ConfigureAwait(false);
                    }
                }
                finally
                {
                    Interlocked.Add(ref _bufferedSpans, -batch.Spans.Count);
                }
            }
        }
    }

    private async Task DeliverAsync(Batch batch, CancellationToken abort)
    {
        var spans = batch.Spans.Count;
        for (var attempt = 0; ; attempt++)
        {
            var client = _clients[(int)((uint)Interlocked.Increment(ref _next) % (uint)_clients.Count)];
            SendResult result;
            try
            {
                result = await client.SendAsync(batch, abort).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                Drop(batch, "stopping");
                return;
            }
            catch (Exception e)
            {
                result = new SendResult(SendOutcome.Retryable, e.GetType().Name);
            }

            if (result.Outcome == SendOutcome.Delivered)
            {
                _metrics.BatchForwarded(spans - result.RefusedSpans);
                if (result.RefusedSpans > 0)
                {
                    _metrics.SpansRefused(result.RefusedSpans);
                }

                return;
            }

            _metrics.SendFailed();
            AgentLog.SendFailed(_logger, spans, client.Name, result.Reason, attempt + 1);
            if (result.Outcome == SendOutcome.Rejected)
            {
                Drop(batch, "rejected");
                return;
            }

            if (attempt >= _options.MaxRetries)
            {
                Drop(batch, "retries_exhausted");
                return;
            }

            _metrics.Retried();
            try
            {
                await Task.Delay(Backoff(attempt), _time, abort).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Drop(batch, "stopping");
                return;
            }
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var ticks = _options.InitialBackoff.Ticks * Math.Pow(2, Math.Min(attempt, 30));
        return ticks >= _options.MaxBackoff.Ticks ? _options.MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }

    private void Drop(Batch batch, string reason)
    {
        _metrics.BatchDropped(batch.Spans.Count, reason);
        if (reason != "buffer_full")
        {
            // A full buffer can drop thousands of batches a second: the counter tells, a log line per drop would flood.
            AgentLog.BatchDropped(_logger, batch.Spans.Count, reason);
        }
    }
}
