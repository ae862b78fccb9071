using System.Threading.Channels;
using Jaeger.Model;

namespace Jaeger.Collector.Pipeline;

/// <summary>A batch waiting in the collector's queue, with the acknowledgement its request waits on (at-least-once ingest only).</summary>
internal readonly record struct QueuedBatch(Batch Batch, StoreAcknowledgement? Acknowledgement);

/// <summary>
/// The collector's queue of whole batches, bounded in spans. The channel itself is unbounded; the bound is an explicit
/// span counter, so the three full-queue policies (drop newest, drop oldest, push back a whole request) stay exact
/// per span while batches are never split except when a policy drops part of one.
/// </summary>
/// <remarks>
/// <para>
/// Invariant: <see cref="Count"/> is the number of spans reserved or queued and not yet taken by a worker; it never
/// exceeds <see cref="Capacity"/> except transiently inside <see cref="WriteEvictingOldest"/>, which evicts until it does.
/// </para>
/// <para>
/// Workers waiting for work are resumed on the writing thread (synchronous continuations): a request that finds the
/// queue idle is prepared and handed to the writers by the receiver's own thread up to the writers' first real await,
/// without waking another thread and moving the request's spans to another core. The queue's bound and accounting are
/// unchanged: the batch is queued and taken as from any worker. A worker resumed that way hands further rounds to the
/// thread pool (see <see cref="InsideWrite"/>), so the request is answered.
/// </para>
/// </remarks>
internal sealed class BatchQueue
{
    [ThreadStatic]
    private static bool t_insideWrite;

    private readonly Channel<QueuedBatch> _channel;
    private int _count;

    // Completed (and replaced) when a worker frees room while someone waits for it; left completed after Complete().
    private TaskCompletionSource _roomFreed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;
    private volatile bool _completed;

    /// <param name="capacity">The bound, in spans.</param>
    /// <param name="resumeWorkersInline">Resume a waiting worker on the thread that queues a batch (see the remarks).</param>
    public BatchQueue(int capacity, bool resumeWorkersInline = true)
    {
        Capacity = capacity;
        _channel = Channel.CreateUnbounded<QueuedBatch>(new UnboundedChannelOptions
        {
            SingleReader = false,
            SingleWriter = false,
            AllowSynchronousContinuations = resumeWorkersInline,
        });
    }

    /// <summary>True on a thread inside a write to the queue: a worker that sees it was resumed by the writer itself.</summary>
    public static bool InsideWrite => t_insideWrite;

    public int Capacity { get; }

    /// <summary>Spans queued or reserved.</summary>
    public int Count => Volatile.Read(ref _count);

    public ChannelReader<QueuedBatch> Reader => _channel.Reader;

    /// <summary>Reserves room for <paramref name="spans"/> spans at once, or none (push back).</summary>
    public bool TryReserve(int spans)
    {
        while (true)
        {
            var current = Volatile.Read(ref _count);
            if (current + spans > Capacity)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _count, current + spans, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Reserves room for as many of <paramref name="spans"/> spans as fit (drop newest); returns how many.</summary>
    public int ReserveUpTo(int spans)
    {
        while (true)
        {
            var current = Volatile.Read(ref _count);
            var room = Math.Min(spans, Capacity - current);
            if (room <= 0)
            {
                return 0;
            }

            if (Interlocked.CompareExchange(ref _count, current + room, current) == current)
            {
                return room;
            }
        }
    }

    /// <summary>
    /// Reserves room for <paramref name="spans"/> spans at once, waiting for workers to free it. False when the request
    /// can never fit or the queue was completed; throws when the token fires.
    /// </summary>
    public async ValueTask<bool> ReserveAsync(int spans, CancellationToken cancellationToken)
    {
        if (spans > Capacity)
        {
            return false;
        }

        while (!TryReserve(spans))
        {
            Interlocked.Increment(ref _waiting);
            try
            {
                // Read the signal before trying again: room freed after this read completes it.
                var roomFreed = Volatile.Read(ref _roomFreed).Task;
                if (_completed)
                {
                    return false;
                }

                if (TryReserve(spans))
                {
                    return true;
                }

                await roomFreed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        return true;
    }

    /// <summary>Gives back room reserved but not used.</summary>
    public void Release(int spans) => Taken(spans);

    /// <summary>Writes a batch whose room was reserved; false (room given back) when the queue was completed.</summary>
    public bool WriteReserved(QueuedBatch batch)
    {
        var outer = t_insideWrite;
        t_insideWrite = true;
        bool written;
        try
        {
            written = _channel.Writer.TryWrite(batch);
        }
        finally
        {
            t_insideWrite = outer;
        }

        if (written)
        {
            return true;
        }

        Release(batch.Batch.Spans.Count);
        return false;
    }

    /// <summary>
    /// Writes a batch, then evicts the oldest queued batches while the queue is over capacity. Returns the evicted
    /// batches (null when none), so the caller counts their spans and fails their acknowledgements.
    /// </summary>
    public List<QueuedBatch>? WriteEvictingOldest(QueuedBatch batch, out bool written)
    {
        Interlocked.Add(ref _count, batch.Batch.Spans.Count);
        written = WriteReserved(batch);
        List<QueuedBatch>? evicted = null;
        while (Volatile.Read(ref _count) > Capacity && _channel.Reader.TryRead(out var oldest))
        {
            Interlocked.Add(ref _count, -oldest.Batch.Spans.Count);
            (evicted ??= []).Add(oldest);
        }

        return evicted;
    }

    /// <summary>Called by a worker for the spans it took.</summary>
    public void Taken(int spans)
    {
        Interlocked.Add(ref _count, -spans);
        if (Volatile.Read(ref _waiting) > 0 && !_completed)
        {
            Interlocked.Exchange(ref _roomFreed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    public void Complete()
    {
        _completed = true;
        _channel.Writer.TryComplete();
        Volatile.Read(ref _roomFreed).TrySetResult();
    }
}

/// <summary>
/// What a request waits on under at-least-once ingest: done when every batch of it reached every writer, failed when
/// any batch was dropped or a writer failed. Counts batches, so one request may be spread over several worker calls.
/// </summary>
internal sealed class StoreAcknowledgement
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending;
    private volatile bool _failed;

    public StoreAcknowledgement(int batches) => _pending = batches;

    public Task Stored => _done.Task;

    /// <summary>Some spans of the request were dropped: it fails when its batches are done.</summary>
    public void MarkFailed() => _failed = true;

    public void BatchDone(bool ok)
    {
        if (!ok)
        {
            _failed = true;
        }

        if (Interlocked.Decrement(ref _pending) == 0)
        {
            if (_failed)
            {
                _done.TrySetException(new IOException("Storage did not take every span of the request."));
            }
            else
            {
                _done.TrySetResult();
            }
        }
    }
}
