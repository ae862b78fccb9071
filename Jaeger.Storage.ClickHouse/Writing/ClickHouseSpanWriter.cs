using System.Diagnostics;
using Jaeger.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaeger.Storage.ClickHouse.Writing;

/// <summary>
/// Writes spans to Jaeger v2's <c>spans</c> table in binary (RowBinary) INSERTs through the driver, grouping writes.
/// </summary>
/// <remarks>
/// <para>
/// Group commit: a write joins the open group; a group is sent when it reaches <see cref="ClickHouseStorageOptions.BatchSize"/>
/// spans or <see cref="ClickHouseStorageOptions.BatchMaxBytes"/> encoded bytes, or as soon as an INSERT slot is free (after
/// <see cref="ClickHouseStorageOptions.FlushInterval"/> when one is set). So a lone write goes at once, and writes that
/// arrive while INSERTs run share the next one. Each write returns when every INSERT holding its spans has
/// succeeded, or throws that INSERT's <see cref="StorageException"/> (the collector retries transient ones).
/// </para>
/// <para>
/// Back-pressure: at most <see cref="ClickHouseStorageOptions.MaxPendingWrites"/> writes wait at once; more wait for
/// a slot, so a slow server slows the collector down instead of filling memory.
/// </para>
/// <para>
/// Preferences (<see cref="ISpanWriterPreferences"/>): since an INSERT holds only the spans in flight, the writer asks
/// its caller for <see cref="ClickHouseStorageOptions.MaxPendingWrites"/> concurrent writes of
/// ceil(<see cref="ClickHouseStorageOptions.BatchSize"/> x <see cref="ClickHouseStorageOptions.MaxConcurrentInserts"/> /
/// <see cref="ClickHouseStorageOptions.MaxPendingWrites"/>) spans each (64 x 1,563 at the defaults): together enough
/// to fill every INSERT slot with a full group. Lowering <see cref="ClickHouseStorageOptions.BatchSize"/> lowers the spans in flight.
/// </para>
/// </remarks>
internal sealed class ClickHouseSpanWriter : ISpanWriter, ISpanWriterPreferences, IAsyncDisposable
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
        PreferredConcurrentWrites = options.MaxPendingWrites;
        PreferredSpansPerWrite = (int)Math.Max(1, ((long)options.BatchSize * options.MaxConcurrentInserts + options.MaxPendingWrites - 1) / options.MaxPendingWrites);
    }

    /// <summary><see cref="ClickHouseStorageOptions.MaxPendingWrites"/>: every write that may wait for an INSERT.</summary>
    public int PreferredConcurrentWrites { get; }

    /// <summary>Enough spans per write that the preferred writes together fill every INSERT slot with a full group.</summary>
    public int PreferredSpansPerWrite { get; }

    /// <summary>INSERTs running now (tests watch it).</summary>
    internal int RunningInserts => Volatile.Read(ref _running);

    /// <summary>Spans waiting for an INSERT, not yet sent (tests watch it).</summary>
    internal int QueuedSpans
    {
        get
        {
            lock (_gate)
            {
                return (_open?.Rows ?? 0) + _ready.Sum(g => g.Rows);
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
            // Encoded outside the lock, each process once; the rows are then copied into the open group(s).
            using var rows = new RowBinaryBuffer();
            var ends = new List<int>();
            var services = new List<(string Service, int Spans)>(batches.Count);
            foreach (var batch in batches)
            {
                if (batch.Spans.Count == 0)
                {
                    continue;
                }

                var resource = SpanRows.EncodeResource(batch.Process);
                foreach (var span in batch.Spans)
                {
                    SpanRows.Write(rows, span, resource);
                    ends.Add(rows.Length);
                }

                services.Add((batch.Process.ServiceName, batch.Spans.Count));
            }

            var groups = Add(rows.Written.Span, ends, services);
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

    // Appends encoded rows (row i ends at ends[i]; services says how many rows in turn are whose) to the open
    // group, closing groups as they fill; returns the groups' completions.
    private List<Task> Add(ReadOnlySpan<byte> rows, List<int> ends, List<(string Service, int Spans)> services)
    {
        var tasks = new List<Task>(1);
        lock (_gate)
        {
            var start = 0;
            var batch = -1;
            var left = 0;
            for (var i = 0; i < ends.Count; i++)
            {
                while (left == 0)
                {
                    left = services[++batch].Spans;
                }

                left--;
                _open ??= new Group();
                _open.Data.Append(rows[start..ends[i]]);
                _open.Rows++;
                _open.Services[services[batch].Service] = _open.Services.GetValueOrDefault(services[batch].Service) + 1;
                start = ends[i];
                if (tasks.Count == 0 || !ReferenceEquals(tasks[^1], _open.Done.Task))
                {
                    tasks.Add(_open.Done.Task);
                }

                if (_open.Rows >= _batchSize || _open.Data.Length >= _batchMaxBytes)
                {
                    _ready.Enqueue(_open);
                    _open = null;
                }
            }
        }

        return tasks;
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
            await _database.InsertRowBinaryAsync("insert", "spans", SpanRows.Columns, group.Data, CancellationToken.None).ConfigureAwait(false);
            foreach (var (service, count) in group.Services)
            {
                _metrics.SpansWritten.Add(count, new KeyValuePair<string, object?>("service", service));
            }

            _metrics.Inserts.Add(1);
            _metrics.InsertSpans.Record(group.Rows);
            group.Done.TrySetResult();
        }
        catch (Exception e)
        {
            var failure = e as StorageException ?? ClickHouseDatabase.Translate(e, "insert", CancellationToken.None) ?? new StorageException("error", e.Message, false, e);
            _metrics.InsertFailures.Add(1, new KeyValuePair<string, object?>("reason", failure.Reason));
            ClickHouseLog.InsertFailed(_logger, group.Rows, failure.Reason, failure.IsTransient, e);
            group.Done.TrySetException(failure);
        }
        finally
        {
            group.Data.Dispose();
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

    private sealed class Group
    {
        /// <summary>The rows, RowBinary-encoded.</summary>
        public RowBinaryBuffer Data { get; } = new();

        public int Rows { get; set; }

        /// <summary>Rows per service, for the spans-written counter.</summary>
        public Dictionary<string, int> Services { get; } = new(StringComparer.Ordinal);

        public bool Lingered { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
