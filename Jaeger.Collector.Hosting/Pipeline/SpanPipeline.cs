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
/// <param name="Status">What happened to the request.</param>
/// <param name="Accepted">Spans queued.</param>
/// <param name="Dropped">Spans dropped (and counted) by the full-queue policy or because the collector stops.</param>
/// <param name="Stored">
/// Under at-least-once ingest, completes when every accepted span reached every writer and fails when any did not;
/// otherwise completed at once (Jaeger acknowledges on enqueue).
/// </param>
internal readonly record struct SubmitOutcome(SubmitStatus Status, int Accepted, int Dropped, Task Stored);

/// <summary>
/// Every receiver's batches go through here: bounded queue -> sanitizers -> collector tags -> filters -> pre-save
/// hooks -> every registered <see cref="ISpanWriter"/> (and the dependency aggregator when enabled).
/// </summary>
/// <remarks>
/// The unit is the batch as a receiver decoded it (one process and its spans, with format, transport, sequence
/// number and client stats): queued whole, prepared in place, and handed to writers without copies, several
/// batches per write call when the queue holds several. The queue is bounded in spans, and each full-queue policy
/// counts exactly the spans it drops.
/// </remarks>
internal sealed partial class SpanPipeline : ISpanSink, IHostedService, IDisposable
{
    // The upper bounds of the Workers and MaxWriteBatch options, which writers' preferences do not go past either.
    private const int MaxWorkers = 1024;
    private const int MaxSpansPerWrite = 100_000;

    private readonly JaegerCollectorOptions _options;
    private readonly ISpanWriter[] _writers;
    private readonly ISpanFilter[] _filters;
    private readonly IPreSaveHook[] _hooks;
    private readonly ISpanSanitizer[] _sanitizers;
    private readonly IDependencyWriter? _dependencyWriter;
    private readonly DependencyAggregator? _dependencies;
    private readonly IMetricsWriter? _metricsWriter;
    private readonly SpanMetricsAggregator? _spanMetrics;
    private readonly CollectorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<SpanPipeline> _logger;
    private readonly BatchQueue _queue;
    private readonly CancellationTokenSource _abort = new();
    private Task[] _workers = [];
    private Task _dependencyFlusher = Task.CompletedTask;
    private Task _spanMetricsFlusher = Task.CompletedTask;
    private volatile bool _stopping;
    private int _maxWriteBatch;

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
        _queue = new BatchQueue(_options.QueueSize, _options.ResumeWorkersInline);
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

        _metricsWriter = _options.AggregateSpanMetrics == false ? null : services.GetService<IMetricsWriter>();
        if (_options.AggregateSpanMetrics == true || _metricsWriter is not null)
        {
            _spanMetrics = new SpanMetricsAggregator(_options.MaxSpanMetricsSeries, metrics.Meter);
            if (_options.Admin.Enabled)
            {
                services.GetService<Jaeger.Hosting.Diagnostics.PrometheusMetrics>()?.AddWriter(_spanMetrics.WriteHistogram);
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

        (var workers, _maxWriteBatch) = ChooseWriteShape();
        _workers = new Task[workers];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(() => RunWorkerAsync(_abort.Token), CancellationToken.None);
        }

        if (_dependencies is not null && _options.DependencyFlushInterval > TimeSpan.Zero)
        {
            _dependencyFlusher = Task.Run(() => FlushDependenciesPeriodicallyAsync(_abort.Token), CancellationToken.None);
        }

        if (_spanMetrics is not null && _metricsWriter is not null)
        {
            _spanMetricsFlusher = Task.Run(() => FlushSpanMetricsPeriodicallyAsync(_abort.Token), CancellationToken.None);
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
            await _abort.CancelAsync().ConfigureAwait(false);
            var left = 0;
            while (_queue.Reader.TryRead(out var item))
            {
                left += item.Batch.Spans.Count;
                item.Acknowledgement?.BatchDone(ok: false);
            }

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
        try
        {
            await _spanMetricsFlusher.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // As the dependency flusher; the open minute is written next.
        }

        await FlushSpanMetricsAsync(includeOpen: true, CancellationToken.None).ConfigureAwait(false);
    }

    public void Dispose() => _abort.Dispose();

    /// <summary>Offers the batches of one request from a receiver; their spans carry the batch's process.</summary>
    public SubmitOutcome Submit(IReadOnlyList<Batch> batches, string format, string transport) => SubmitCore(batches, format, transport, reserved: false);

    // reserved: room for all the spans was already taken (the push-back policy only).
    private SubmitOutcome SubmitCore(IReadOnlyList<Batch> batches, string format, string transport, bool reserved)
    {
        var n = 0;
        for (var i = 0; i < batches.Count; i++)
        {
            var batch = batches[i];
            batch.Format = format;
            batch.Transport = transport;
            n += batch.Spans.Count;
        }

        if (n == 0)
        {
            return new SubmitOutcome(SubmitStatus.Accepted, 0, 0, Task.CompletedTask);
        }

        _metrics.Received(n, format, transport);
        if (_stopping)
        {
            if (reserved)
            {
                _queue.Release(n);
            }

            DropAll(batches, DropReasons.Stopping);
            return new SubmitOutcome(SubmitStatus.Stopping, 0, n, Task.CompletedTask);
        }

        var ack = _options.AcknowledgeAfterWrite ? new StoreAcknowledgement(batches.Count) : null;
        var accepted = 0;
        var dropped = 0;
        switch (_options.FullQueuePolicy)
        {
            case FullQueuePolicy.PushBack:
                if (!reserved && !_queue.TryReserve(n))
                {
                    DropAll(batches, DropReasons.PushedBack);
                    return new SubmitOutcome(SubmitStatus.PushedBack, 0, n, Task.CompletedTask);
                }

                foreach (var batch in batches)
                {
                    if (_queue.WriteReserved(new QueuedBatch(batch, ack)))
                    {
                        accepted += batch.Spans.Count;
                    }
                    else
                    {
                        dropped += Drop(batch, DropReasons.Stopping, ack);
                    }
                }

                break;

            case FullQueuePolicy.DropOldest:
                foreach (var batch in batches)
                {
                    // A batch larger than the whole queue keeps its newest spans, as span-by-span eviction would.
                    if (batch.Spans.Count > _queue.Capacity)
                    {
                        // Those spans count as accepted and then evicted, exactly as they would one by one.
                        var cut = batch.Spans.Count - _queue.Capacity;
                        _metrics.Dropped(Range(batch.Spans, 0, cut), DropReasons.EvictedOldest, format, transport);
                        accepted += cut;
                        ack?.MarkFailed();
                        batch.Spans = Range(batch.Spans, cut, batch.Spans.Count);
                    }

                    var evicted = _queue.WriteEvictingOldest(new QueuedBatch(batch, ack), out var written);
                    if (written)
                    {
                        accepted += batch.Spans.Count;
                    }
                    else
                    {
                        dropped += Drop(batch, DropReasons.Stopping, ack);
                    }

                    if (evicted is not null)
                    {
                        foreach (var old in evicted)
                        {
                            _metrics.Dropped(old.Batch.Spans as IReadOnlyList<Span> ?? [.. old.Batch.Spans], DropReasons.EvictedOldest, old.Batch.Format, old.Batch.Transport);
                            old.Acknowledgement?.BatchDone(ok: false);
                        }
                    }
                }

                break;

            default:
                foreach (var batch in batches)
                {
                    var count = batch.Spans.Count;
                    var room = _queue.ReserveUpTo(count);
                    if (room < count)
                    {
                        // Drop newest: the spans that do not fit are dropped and counted; the rest of the batch is queued.
                        _metrics.Dropped(Range(batch.Spans, room, count), _stopping ? DropReasons.Stopping : DropReasons.QueueFull, format, transport);
                        dropped += count - room;
                        if (room == 0)
                        {
                            ack?.BatchDone(ok: false);
                            continue;
                        }

                        batch.Spans = Range(batch.Spans, 0, room);
                        ack?.MarkFailed();
                    }

                    if (_queue.WriteReserved(new QueuedBatch(batch, ack)))
                    {
                        accepted += room;
                    }
                    else
                    {
                        dropped += Drop(batch, DropReasons.Stopping, ack);
                    }
                }

                break;
        }

        return new SubmitOutcome(SubmitStatus.Accepted, accepted, dropped, ack?.Stored ?? Task.CompletedTask);
    }

    private void DropAll(IReadOnlyList<Batch> batches, string reason)
    {
        foreach (var batch in batches)
        {
            _metrics.Dropped(batch.Spans as IReadOnlyList<Span> ?? [.. batch.Spans], reason, batch.Format, batch.Transport);
        }
    }

    private int Drop(Batch batch, string reason, StoreAcknowledgement? ack)
    {
        _metrics.Dropped(batch.Spans as IReadOnlyList<Span> ?? [.. batch.Spans], reason, batch.Format, batch.Transport);
        ack?.BatchDone(ok: false);
        return batch.Spans.Count;
    }

    private static List<Span> Range(IList<Span> spans, int from, int to)
    {
        var part = new List<Span>(to - from);
        for (var i = from; i < to; i++)
        {
            part.Add(spans[i]);
        }

        return part;
    }

    /// <inheritdoc />
    public async ValueTask<SpanSinkResult> SubmitAsync(Batch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var span in batch.Spans)
        {
            if (ReferenceEquals(span.Process, Process.Unknown))
            {
                span.Process = batch.Process;
            }
        }

        // Spans of one batch must share its process: split one whose spans name other processes.
        IReadOnlyList<Batch> batches = [batch];
        foreach (var span in batch.Spans)
        {
            if (!ReferenceEquals(span.Process, batch.Process))
            {
                batches = SpanWriterExtensions.ToBatches(batch.Spans);
                break;
            }
        }

        var n = batches.SpanCount();
        var reserved = false;
        if (_options.FullQueuePolicy == FullQueuePolicy.PushBack && n > 0 && !_stopping)
        {
            // In the same process, pushing back means making the caller wait for room, as a remote sender would retry.
            reserved = _queue.TryReserve(n) || await _queue.ReserveAsync(n, cancellationToken).ConfigureAwait(false);
        }

        var outcome = SubmitCore(batches, SpanFormats.InProcess, SpanFormats.InProcess, reserved);
        if (outcome.Accepted > 0 && _options.AcknowledgeAfterWrite)
        {
            try
            {
                await outcome.Stored.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return new SpanSinkResult(0, n);
            }
        }

        return new SpanSinkResult(outcome.Accepted, outcome.Dropped);
    }

    private async Task RunWorkerAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        var taken = new List<QueuedBatch>();
        var toWrite = new List<Batch>();
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                taken.Clear();
                var spans = 0;
                while (spans < _maxWriteBatch && reader.TryRead(out var item))
                {
                    taken.Add(item);
                    spans += item.Batch.Spans.Count;
                }

                if (taken.Count == 0)
                {
                    continue;
                }

                _queue.Taken(spans);
                toWrite.Clear();
                foreach (var item in taken)
                {
                    if (Prepare(item.Batch))
                    {
                        toWrite.Add(item.Batch);
                    }
                }

                var ok = toWrite.Count == 0 || await WriteAsync(toWrite, cancellationToken).ConfigureAwait(false);
                foreach (var item in taken)
                {
                    item.Acknowledgement?.BatchDone(ok);
                }

                if (BatchQueue.InsideWrite && reader.TryPeek(out _))
                {
                    // Resumed on a receiver's thread, which waits to answer its request: more work goes to the thread pool.
                    await Task.Yield();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown timeout: what is left was counted by StopAsync.
        }
    }

    // Concurrent writer calls and spans per call: the larger of the options and what any writer prefers (workers are
    // async loops, so more of them cost little), within the options' own upper bounds. The queue bound is not touched.
    private (int Workers, int MaxWriteBatch) ChooseWriteShape()
    {
        var (workers, perWrite) = (_options.Workers, _options.MaxWriteBatch);
        var preferredBy = new List<string>();
        foreach (var writer in _writers)
        {
            if (writer is ISpanWriterPreferences preferences
                && (preferences.PreferredConcurrentWrites > workers || preferences.PreferredSpansPerWrite > perWrite))
            {
                workers = Math.Clamp(preferences.PreferredConcurrentWrites, workers, Math.Max(workers, MaxWorkers));
                perWrite = Math.Clamp(preferences.PreferredSpansPerWrite, perWrite, Math.Max(perWrite, MaxSpansPerWrite));
                preferredBy.Add($"{writer} prefers {preferences.PreferredConcurrentWrites} x {preferences.PreferredSpansPerWrite}");
            }
        }

        LogWriteShape(_logger, workers, perWrite, _options.Workers, _options.MaxWriteBatch, preferredBy.Count == 0 ? "no writer prefers more" : string.Join("; ", preferredBy));
        return (workers, perWrite);
    }

    // Sanitizes, filters (removing rejected spans from the batch in place) and runs hooks; false when no span is left.
    private bool Prepare(Batch batch)
    {
        var spans = batch.Spans;
        var kept = 0;
        var rejected = 0;
        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            span.Process = batch.Process;
            foreach (var sanitizer in _sanitizers)
            {
                sanitizer.Sanitize(span);
            }

            var store = true;
            foreach (var filter in _filters)
            {
                if (!filter.ShouldStore(span))
                {
                    store = false;
                    break;
                }
            }

            if (!store)
            {
                rejected++;
                continue;
            }

            foreach (var hook in _hooks)
            {
                hook.OnSaving(span);
            }

            if (kept != i)
            {
                if (spans.IsReadOnly)
                {
                    spans = batch.Spans = [.. spans];
                }

                spans[kept] = span;
            }

            kept++;
        }

        if (rejected > 0)
        {
            _metrics.Rejected(rejected, batch.Format, batch.Transport, "filter");
            if (spans is List<Span> list)
            {
                list.RemoveRange(kept, list.Count - kept);
            }
            else
            {
                batch.Spans = Range(spans, 0, kept);
            }
        }

        if (kept > 0)
        {
            // The service-name sanitizer replaces the process of every span of the batch alike.
            batch.Process = batch.Spans[0].Process;
        }

        return kept > 0;
    }

    private async Task<bool> WriteAsync(List<Batch> batches, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var ok = true;
        foreach (var writer in _writers)
        {
            try
            {
                await writer.WriteAsync(batches, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ok = false;
                LogWriteFailed(_logger, writer.GetType().Name, batches.SpanCount(), ex);
            }
        }

        _metrics.SaveLatency(_time.GetElapsedTime(started));

        // Spans count as saved once every effect of saving them happened (dependency links and span metrics included).
        var now = _time.GetUtcNow();
        foreach (var batch in batches)
        {
            _spanMetrics?.Add(batch, now);

            if (_dependencies is not null)
            {
                foreach (var span in batch.Spans)
                {
                    _dependencies.Add(span);
                }
            }

            _metrics.Saved(batch.Process.ServiceName, ok, batch.Spans.Count);
        }

        return ok;
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

    private async Task FlushSpanMetricsPeriodicallyAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            // Just after each minute ends, so a completed minute is written once, a second late at most.
            var now = _time.GetUtcNow();
            var next = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero) + TimeSpan.FromMinutes(1);
            await Task.Delay(next - now + TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
            await FlushSpanMetricsAsync(includeOpen: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the completed minutes' span metrics (with <paramref name="includeOpen"/>, the open minute's too).</summary>
    internal async Task FlushSpanMetricsAsync(bool includeOpen, CancellationToken cancellationToken)
    {
        if (_spanMetrics is null || _metricsWriter is null)
        {
            return;
        }

        var aggregates = _spanMetrics.TakeCompleted(_time.GetUtcNow(), includeOpen);
        if (aggregates.Count == 0)
        {
            return;
        }

        try
        {
            await _metricsWriter.WriteMetricsAsync(aggregates, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSpanMetricsWriteFailed(_logger, aggregates.Count, ex);
        }
    }

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Writing with {Workers} concurrent writer calls of up to {MaxWriteBatch} spans each (options Workers {OptionWorkers}, MaxWriteBatch {OptionMaxWriteBatch}; {Reason}).")]
    private static partial void LogWriteShape(ILogger logger, int workers, int maxWriteBatch, int optionWorkers, int optionMaxWriteBatch, string reason);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "Writing {Count} span-metrics aggregates failed.")]
    private static partial void LogSpanMetricsWriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "The collector has no ISpanWriter registered: received spans are discarded. Register storage, for example AddJaegerInMemoryStorage().")]
    private static partial void LogNoWriter(ILogger logger);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Writer {Writer} failed to store {Count} spans.")]
    private static partial void LogWriteFailed(ILogger logger, string writer, int count, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "The shutdown timeout fired with {Count} spans still queued; they were dropped.")]
    private static partial void LogShutdownDrop(ILogger logger, int count);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "Writing {Count} dependency links failed.")]
    private static partial void LogDependencyWriteFailed(ILogger logger, int count, Exception exception);
}
