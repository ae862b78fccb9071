using System.Threading.Channels;

namespace Jaeger.Collector.Pipeline;

/// <summary>
/// The collector's span queue. The channel itself is unbounded; the bound is an explicit counter so that the three
/// full-queue policies (drop newest, drop oldest, push back a whole request) are all exact.
/// </summary>
internal sealed class BoundedSpanQueue
{
    private readonly Channel<QueuedSpan> _channel = Channel.CreateUnbounded<QueuedSpan>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private int _count;

    // Completed (and replaced) when a worker frees room while someone waits for it; left completed after Complete().
    private TaskCompletionSource _roomFreed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;
    private volatile bool _completed;

    public BoundedSpanQueue(int capacity) => Capacity = capacity;

    public int Capacity { get; }

    public int Count => Volatile.Read(ref _count);

    public ChannelReader<QueuedSpan> Reader => _channel.Reader;

    /// <summary>Reserves room for <paramref name="n"/> spans at once, or none (push back).</summary>
    public bool TryReserve(int n)
    {
        while (true)
        {
            var current = Volatile.Read(ref _count);
            if (current + n > Capacity)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _count, current + n, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Reserves room for <paramref name="n"/> spans at once, waiting for workers to free it. False when the batch can
    /// never fit or the queue was completed; throws when the token fires.
    /// </summary>
    public async ValueTask<bool> ReserveAsync(int n, CancellationToken cancellationToken)
    {
        if (n > Capacity)
        {
            return false;
        }

        while (!TryReserve(n))
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

                if (TryReserve(n))
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
    public void Release(int n) => Taken(n);

    /// <summary>Writes a span whose room was reserved.</summary>
    public bool WriteReserved(QueuedSpan span)
    {
        if (_channel.Writer.TryWrite(span))
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    /// <summary>Takes one slot if there is one (drop newest otherwise).</summary>
    public bool TryReserveOne() => TryReserve(1);

    /// <summary>Writes a span, evicting queued ones while the queue is over capacity; returns how many were evicted.</summary>
    public int WriteEvictingOldest(QueuedSpan span, out bool written)
    {
        Interlocked.Increment(ref _count);
        written = WriteReserved(span);
        var evicted = 0;
        while (Volatile.Read(ref _count) > Capacity && _channel.Reader.TryRead(out _))
        {
            Interlocked.Decrement(ref _count);
            evicted++;
        }

        return evicted;
    }

    /// <summary>Called by a worker for each span it took.</summary>
    public void Taken(int n)
    {
        Interlocked.Add(ref _count, -n);
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
