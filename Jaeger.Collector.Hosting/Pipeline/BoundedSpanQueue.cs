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
    public void Taken(int n) => Interlocked.Add(ref _count, -n);

    public void Complete() => _channel.Writer.TryComplete();
}
