using System.Diagnostics;
using Jaeger.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaeger.Storage.ClickHouse.Writing;

/// <summary>
/// Writes spans to Jaeger v2's <c>spans</c> table with the driver's binary (RowBinary) INSERT, grouping writes.
/// </summary>
/// <remarks>
/// <para>
/// Group commit: a write joins the open group; a group is sent when it reaches <see cref="ClickHouseStorageOptions.BatchSize"/>
/// spans or <see cref="ClickHouseStorageOptions.BatchMaxBytes"/> bytes, or as soon as an INSERT slot is free (after
/// <see cref="ClickHouseStorageOptions.FlushInterval"/> when one is set). So a lone write goes at once, and writes that
/// arrive while INSERTs run share the next one. Each write returns when every INSERT holding its spans has
/// succeeded, or throws that INSERT's <see cref="StorageException"/> (the collector retries transient ones).
/// </para>
/// <para>
/// Back-pressure: at most <see cref="ClickHouseStorageOptions.MaxPendingWrites"/> writes wait at once; more wait for
/// a slot, so a slow server slows the collector down instead of filling memory.
/// </para>
/// </remarks>
internal sealed class ClickHouseSpanWriter : ISpanWriter, IAsyncDisposable
{
    private readonly ClickHouseDatabase _database;
    private readonly ClickHouseStorageMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _batchSize;
    private readonly int _batchMaxBytes;
    private readonly TimeSpan _flushInterval;
    private readonly int _maxInserts;
    private readonly SemaphoreSlim _pendingWrites;
    private readonly Lock _gate = new();
    private readonly Queue<Group> _ready = new();
    private Group? _open;
    private int _running;
    private ITimer? _lingerTimer;
    private bool _closing;
    private TaskCompletionSource? _idle;

    public ClickHouseSpanWriter(ClickHouseDatabase database, ClickHouseStorageOptions options, ClickHouseStorageMetrics metrics, ILogger? logger = null, TimeProvider? time = null)
    {
        _database = database;
        _metrics = metrics;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _batchSize = options.BatchSize;
        _batchMaxBytes = options.BatchMaxBytes;
        _flushInterval = options.FlushInterval;
        _maxInserts = options.MaxConcurrentInserts;
        _pendingWrites = new SemaphoreSlim(options.MaxPendingWrites, options.MaxPendingWrites);
    }

    /// <summary>INSERTs running now (tests watch it).</summary>
    internal int RunningInserts => Volatile.Read(ref _running);

    /// <summary>Spans waiting for an INSERT, not yet sent (tests watch it).</summary>
    internal int QueuedSpans
    {
        get
        {
            lock (_gate)
            {
                return (_open?.Rows.Count ?? 0) + _ready.Sum(g => g.Rows.Count);
            }
        }
    }

    /// <summary>Write calls that may start now without waiting (tests watch it).</summary>
    internal int FreeWriteSlots => _pendingWrites.CurrentCount;

    public async ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        await _pendingWrites.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var groups = new List<Task>(1);
            foreach (var batch in batches)
            {
                var resource = new ResourceAttributes(batch.Process);
                foreach (var span in batch.Spans)
                {
                    var row = SpanRows.ToRow(span, batch.Process, resource, out var size);
                    var task = Add(row, size);
                    if (groups.Count == 0 || !ReferenceEquals(groups[^1], task))
                    {
                        groups.Add(task);
                    }
                }
            }

            Pump();
            await Task.WhenAll(groups).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pendingWrites.Release();
        }
    }

    /// <summary>Sends what is queued at once (no linger) and waits for every INSERT to finish, so an accepted span is not lost on a clean stop.</summary>
    public async ValueTask DisposeAsync()
    {
        Task idle;
        lock (_gate)
        {
            _closing = true;
            _lingerTimer?.Dispose();
            _lingerTimer = null;
            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            idle = _idle.Task;
        }

        Pump();
        lock (_gate)
        {
            if (IsIdle)
            {
                _idle.TrySetResult();
            }
        }

        await idle.ConfigureAwait(false);
    }

    private bool IsIdle => _running == 0 && _open is null && _ready.Count == 0;

    private Task Add(object[] row, int size)
    {
        lock (_gate)
        {
            _open ??= new Group();
            _open.Rows.Add(row);
            _open.Bytes += size;
            var task = _open.Done.Task;
            if (_open.Rows.Count >= _batchSize || _open.Bytes >= _batchMaxBytes)
            {
                _ready.Enqueue(_open);
                _open = null;
            }

            return task;
        }
    }

    // Starts INSERTs while slots are free: full groups first, then the open group (at once, or after the linger).
    private void Pump(bool lingerElapsed = false)
    {
        while (true)
        {
            Group? next;
            lock (_gate)
            {
                if (_running >= _maxInserts)
                {
                    return;
                }

                if (_ready.Count > 0)
                {
                    next = _ready.Dequeue();
                }
                else if (_open is not null && (_flushInterval == TimeSpan.Zero || lingerElapsed || _open.Lingered || _closing))
                {
                    next = _open;
                    _open = null;
                }
                else
                {
                    if (_open is not null && _lingerTimer is null && !_closing)
                    {
                        var group = _open;
                        _lingerTimer = _time.CreateTimer(
                            _ =>
                            {
                                lock (_gate)
                                {
                                    group.Lingered = true;
                                    _lingerTimer?.Dispose();
                                    _lingerTimer = null;
                                }

                                Pump(lingerElapsed: true);
                            },
                            null,
                            _flushInterval,
                            Timeout.InfiniteTimeSpan);
                    }

                    return;
                }

                _running++;
            }

            _ = InsertAsync(next);
        }
    }

    private async Task InsertAsync(Group group)
    {
        await Task.Yield();
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _database.InsertAsync("insert", "spans", SpanRows.Columns, group.Rows, CancellationToken.None).ConfigureAwait(false);
            foreach (var (service, count) in CountByService(group.Rows))
            {
                _metrics.SpansWritten.Add(count, new KeyValuePair<string, object?>("service", service));
            }

            _metrics.Inserts.Add(1);
            _metrics.InsertSpans.Record(group.Rows.Count);
            group.Done.TrySetResult();
        }
        catch (Exception e)
        {
            var failure = e as StorageException ?? ClickHouseDatabase.Translate(e, "insert", CancellationToken.None) ?? new StorageException("error", e.Message, false, e);
            _metrics.InsertFailures.Add(1, new KeyValuePair<string, object?>("reason", failure.Reason));
            ClickHouseLog.InsertFailed(_logger, group.Rows.Count, failure.Reason, failure.IsTransient, e);
            group.Done.TrySetException(failure);
        }
        finally
        {
            _metrics.InsertDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            lock (_gate)
            {
                _running--;
            }

            Pump();
            lock (_gate)
            {
                if (_closing && IsIdle)
                {
                    _idle?.TrySetResult();
                }
            }
        }
    }

    private static Dictionary<string, int> CountByService(List<object[]> rows)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var service = (string)row[SpanRows.ServiceNameColumn];
            counts[service] = counts.GetValueOrDefault(service) + 1;
        }

        return counts;
    }

    private sealed class Group
    {
        public List<object[]> Rows { get; } = [];

        public int Bytes { get; set; }

        public bool Lingered { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
