using Jaeger.Model;
using Jaeger.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaeger.Collector.Pipeline;

/// <summary>What the pipeline did with one request's spans.</summary>
internal enum SubmitStatus
{
    /// <summary>Taken (some may have been dropped under a drop policy; see the counts).</summary>
    Accepted,

    /// <summary>Refused whole because the queue is full and the policy is push back.</summary>
    PushedBack,

    /// <summary>Refused whole because the collector is stopping.</summary>
    Stopping,
}

/// <summary>The outcome of <see cref="SpanPipeline.Submit"/>.</summary>
internal readonly record struct SubmitOutcome(SubmitStatus Status, int Accepted, int Dropped);

/// <summary>
/// Every receiver's spans go through here: bounded queue -> sanitizers -> collector tags -> filters -> pre-save
/// hooks -> every registered <see cref="ISpanWriter"/> (and the dependency aggregator when enabled).
/// </summary>
internal sealed partial class SpanPipeline : ISpanSink, IHostedService, IDisposable
{
    private readonly JaegerCollectorOptions _options;
    private readonly ISpanWriter[] _writers;
    private readonly ISpanFilter[] _filters;
    private readonly IPreSaveHook[] _hooks;
    private readonly ISpanSanitizer[] _sanitizers;
    private readonly IDependencyWriter? _dependencyWriter;
    private readonly DependencyAggregator? _dependencies;
    private readonly CollectorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<SpanPipeline> _logger;
    private readonly BoundedSpanQueue _queue;
    private readonly CancellationTokenSource _abort = new();
    private Task[] _workers = [];
    private Task _dependencyFlusher = Task.CompletedTask;
    private volatile bool _stopping;

    public SpanPipeline(
        IOptions<JaegerCollectorOptions> options,
        IEnumerable<ISpanWriter> writers,
        IEnumerable<ISpanFilter> filters,
        IEnumerable<IPreSaveHook> hooks,
        IServiceProvider services,
        CollectorMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _writers = [.. writers];
        _filters = [.. filters];
        _hooks = [.. hooks];
        _metrics = metrics;
        _time = time;
        _logger = loggerFactory.CreateLogger<SpanPipeline>();
        _queue = new BoundedSpanQueue(_options.QueueSize);
        List<ISpanSanitizer> sanitizers =
        [
            new ServiceNameSanitizer(loggerFactory.CreateLogger<ServiceNameSanitizer>()),
            new Utf8Sanitizer(),
            new DurationSanitizer(Time.ToMicros(_options.MaxSpanDuration), loggerFactory.CreateLogger<DurationSanitizer>()),
            new TagSizeSanitizer(_options.MaxTagValueLength, loggerFactory.CreateLogger<TagSizeSanitizer>()),
        ];
        if (_options.Tags.Count > 0)
        {
            sanitizers.Add(new CollectorTagsSanitizer(new Dictionary<string, string>(_options.Tags, StringComparer.Ordinal)));
        }

        _sanitizers = [.. sanitizers];
        if (_options.AggregateDependencies)
        {
            _dependencyWriter = services.GetService<IDependencyWriter>();
            if (_dependencyWriter is not null)
            {
                _dependencies = new DependencyAggregator(_options.DependencySpanMemory);
            }
        }

        metrics.Meter.CreateObservableGauge("jaeger.collector.queue.length", () => _queue.Count, "{span}", "Spans waiting in the queue.");
        metrics.Meter.CreateObservableGauge("jaeger.collector.queue.capacity", () => _queue.Capacity, "{span}", "The queue's capacity.");
    }

    internal int QueueLength => _queue.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_writers.Length == 0)
        {
            LogNoWriter(_logger);
        }

        _workers = new Task[_options.Workers];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(() => RunWorkerAsync(_abort.Token), CancellationToken.None);
        }

        if (_dependencies is not null && _options.DependencyFlushInterval > TimeSpan.Zero)
        {
            _dependencyFlusher = Task.Run(() => FlushDependenciesPeriodicallyAsync(_abort.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _queue.Complete();
        try
        {
            await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            var left = _queue.Count;
            await _abort.CancelAsync().ConfigureAwait(false);
            if (left > 0)
            {
                _metrics.Dropped(left, DropReasons.ShutdownTimeout);
                LogShutdownDrop(_logger, left);
            }
        }

        await _abort.CancelAsync().ConfigureAwait(false);
        try
        {
            await _dependencyFlusher.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The flusher ends by cancellation; the final flush follows.
        }

        await FlushDependenciesAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public void Dispose() => _abort.Dispose();

    /// <summary>Offers spans from a receiver. Spans must carry their process.</summary>
    public SubmitOutcome Submit(IReadOnlyList<Span> spans, string format, string transport) => SubmitCore(spans, format, transport, reserved: false);

    // reserved: room for all the spans was already taken (the push-back policy only).
    private SubmitOutcome SubmitCore(IReadOnlyList<Span> spans, string format, string transport, bool reserved)
    {
        var n = spans.Count;
        if (n == 0)
        {
            return new SubmitOutcome(SubmitStatus.Accepted, 0, 0);
        }

        _metrics.Received(n, format, transport);
        if (_stopping)
        {
            if (reserved)
            {
                _queue.Release(n);
            }

            _metrics.Dropped(spans, DropReasons.Stopping, format, transport);
            return new SubmitOutcome(SubmitStatus.Stopping, 0, n);
        }

        var accepted = 0;
        var dropped = 0;

        // Only filled when something is dropped, to count the drops per service.
        List<Span>? droppedSpans = null;
        switch (_options.FullQueuePolicy)
        {
            case FullQueuePolicy.PushBack:
                if (!reserved && !_queue.TryReserve(n))
                {
                    _metrics.Dropped(spans, DropReasons.PushedBack, format, transport);
                    return new SubmitOutcome(SubmitStatus.PushedBack, 0, n);
                }

                for (var i = 0; i < n; i++)
                {
                    if (_queue.WriteReserved(new QueuedSpan(spans[i], format, transport)))
                    {
                        accepted++;
                    }
                    else
                    {
                        dropped++;
                        (droppedSpans ??= []).Add(spans[i]);
                    }
                }

                break;

            case FullQueuePolicy.DropOldest:
                var evicted = 0;
                for (var i = 0; i < n; i++)
                {
                    evicted += _queue.WriteEvictingOldest(new QueuedSpan(spans[i], format, transport), out var written);
                    if (written)
                    {
                        accepted++;
                    }
                    else
                    {
                        dropped++;
                        (droppedSpans ??= []).Add(spans[i]);
                    }
                }

                if (evicted > 0)
                {
                    _metrics.Dropped(evicted, DropReasons.EvictedOldest);
                }

                break;

            default:
                for (var i = 0; i < n; i++)
                {
                    if (_queue.TryReserveOne() && _queue.WriteReserved(new QueuedSpan(spans[i], format, transport)))
                    {
                        accepted++;
                    }
                    else
                    {
                        dropped++;
                        (droppedSpans ??= []).Add(spans[i]);
                    }
                }

                if (droppedSpans is not null)
                {
                    _metrics.Dropped(droppedSpans, _stopping ? DropReasons.Stopping : DropReasons.QueueFull, format, transport);
                }

                return new SubmitOutcome(SubmitStatus.Accepted, accepted, dropped);
        }

        if (droppedSpans is not null)
        {
            _metrics.Dropped(droppedSpans, DropReasons.Stopping, format, transport);
        }

        return new SubmitOutcome(SubmitStatus.Accepted, accepted, dropped);
    }

    /// <inheritdoc />
    public ValueTask<SpanSinkResult> SubmitAsync(Batch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var span in batch.Spans)
        {
            if (ReferenceEquals(span.Process, Process.Unknown))
            {
                span.Process = batch.Process;
            }
        }

        var spans = batch.Spans as IReadOnlyList<Span> ?? [.. batch.Spans];
        var reserved = false;
        if (_options.FullQueuePolicy == FullQueuePolicy.PushBack && spans.Count > 0 && !_stopping)
        {
            if (!_queue.TryReserve(spans.Count))
            {
                // In the same process, pushing back means making the caller wait for room, as a remote sender would retry.
                return SubmitWhenThereIsRoomAsync(spans, cancellationToken);
            }

            reserved = true;
        }

        var outcome = SubmitCore(spans, SpanFormats.InProcess, SpanFormats.InProcess, reserved);
        return ValueTask.FromResult(new SpanSinkResult(outcome.Accepted, outcome.Dropped));
    }

    private async ValueTask<SpanSinkResult> SubmitWhenThereIsRoomAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken)
    {
        var reserved = await _queue.ReserveAsync(spans.Count, cancellationToken).ConfigureAwait(false);
        var outcome = SubmitCore(spans, SpanFormats.InProcess, SpanFormats.InProcess, reserved);
        return new SpanSinkResult(outcome.Accepted, outcome.Dropped);
    }

    private async Task RunWorkerAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        var taken = new List<QueuedSpan>(_options.MaxWriteBatch);
        var toWrite = new List<Span>(_options.MaxWriteBatch);
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                taken.Clear();
                while (taken.Count < _options.MaxWriteBatch && reader.TryRead(out var item))
                {
                    taken.Add(item);
                }

                if (taken.Count == 0)
                {
                    continue;
                }

                _queue.Taken(taken.Count);
                toWrite.Clear();
                foreach (var item in taken)
                {
                    if (Prepare(item))
                    {
                        toWrite.Add(item.Span);
                    }
                }

                if (toWrite.Count > 0)
                {
                    await WriteAsync(toWrite.ToArray(), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown timeout: what is left was counted by StopAsync.
        }
    }

    private bool Prepare(QueuedSpan item)
    {
        var span = item.Span;
        foreach (var sanitizer in _sanitizers)
        {
            sanitizer.Sanitize(span);
        }

        foreach (var filter in _filters)
        {
            if (!filter.ShouldStore(span))
            {
                _metrics.Rejected(1, item.Format, item.Transport, "filter");
                return false;
            }
        }

        foreach (var hook in _hooks)
        {
            hook.OnSaving(span);
        }

        return true;
    }

    private async Task WriteAsync(Span[] spans, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var ok = true;
        foreach (var writer in _writers)
        {
            try
            {
                await writer.WriteSpansAsync(spans, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ok = false;
                LogWriteFailed(_logger, writer.GetType().Name, spans.Length, ex);
            }
        }

        _metrics.SaveLatency(_time.GetElapsedTime(started));

        // Spans count as saved once every effect of saving them happened (dependency links included).
        if (_dependencies is not null)
        {
            foreach (var span in spans)
            {
                _dependencies.Add(span);
            }
        }

        // Count per service in runs: spans of one batch share one process.
        var runStart = 0;
        for (var i = 1; i <= spans.Length; i++)
        {
            if (i == spans.Length || !ReferenceEquals(spans[i].Process, spans[runStart].Process))
            {
                _metrics.Saved(spans[runStart].Process.ServiceName, ok, i - runStart);
                runStart = i;
            }
        }
    }

    private async Task FlushDependenciesPeriodicallyAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.DependencyFlushInterval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await FlushDependenciesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal async Task FlushDependenciesAsync(CancellationToken cancellationToken)
    {
        if (_dependencies is null || _dependencyWriter is null)
        {
            return;
        }

        var links = _dependencies.TakeLinks();
        if (links.Count == 0)
        {
            return;
        }

        try
        {
            await _dependencyWriter.WriteDependenciesAsync(_time.GetUtcNow(), links, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDependencyWriteFailed(_logger, links.Count, ex);
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "The collector has no ISpanWriter registered: received spans are discarded. Register storage, for example AddJaegerInMemoryStorage().")]
    private static partial void LogNoWriter(ILogger logger);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Writer {Writer} failed to store {Count} spans.")]
    private static partial void LogWriteFailed(ILogger logger, string writer, int count, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "The shutdown timeout fired with {Count} spans still queued; they were dropped.")]
    private static partial void LogShutdownDrop(ILogger logger, int count);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "Writing {Count} dependency links failed.")]
    private static partial void LogDependencyWriteFailed(ILogger logger, int count, Exception exception);
}

/// <summary>A queued span with where it came from, for metrics.</summary>
internal readonly record struct QueuedSpan(Span Span, string Format, string Transport);
