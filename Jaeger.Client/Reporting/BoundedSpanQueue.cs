using System.Numerics;
using System.Runtime.InteropServices;

namespace Jaeger.Client.Reporting;

/// <summary>
/// A bounded multi-producer, single-consumer ring of references. Enqueueing is one compare-and-swap on the tail and
/// one store, never blocks and never allocates; a full or closed queue refuses the item. Only one thread may dequeue.
/// </summary>
/// <remarks>
/// The tail counts positions handed to producers; bit 62 marks the queue closed, so a producer's compare-and-swap
/// cannot succeed after <see cref="Close"/>. A producer stores its item after winning its position, so the consumer
/// may briefly see an empty slot at the head: it stops there (or, after closing, waits for the store).
/// </remarks>
internal sealed class BoundedSpanQueue<T>
    where T : class
{
    private const long ClosedBit = 1L << 62;

    // Slots are structs so that taking a reference to one needs no array type check.
    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly long _capacity;
    private QueuePositions _positions;

    public BoundedSpanQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 30);
        _capacity = capacity;
        _slots = new Slot[BitOperations.RoundUpToPowerOf2((uint)capacity)];
        _mask = _slots.Length - 1;
    }

    /// <summary>Items accepted and not yet dequeued.</summary>
    public int Count => (int)((Volatile.Read(ref _positions.Tail) & ~ClosedBit) - Volatile.Read(ref _positions.Head));

    public bool IsClosed => (Volatile.Read(ref _positions.Tail) & ClosedBit) != 0;

    /// <summary>Adds an item unless the queue is full or closed; <paramref name="count"/> is the length after the add.</summary>
    public bool TryEnqueue(T item, out int count)
    {
        var tail = Volatile.Read(ref _positions.Tail);
        while (true)
        {
            // The head is read after the tail, so tail - head can only under-state the free room: never overfills.
            var used = tail - Volatile.Read(ref _positions.Head);
            if (used >= _capacity || (tail & ClosedBit) != 0)
            {
                count = 0;
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _positions.Tail, tail + 1, tail);
            if (seen == tail)
            {
                // The slot is free: the consumer emptied it before moving the head past it.
                Volatile.Write(ref _slots[(int)tail & _mask].Item, item);
                count = (int)used + 1;
                return true;
            }

            tail = seen;
        }
    }

    /// <summary>
    /// Moves up to <paramref name="max"/> stored items, oldest first, into <paramref name="target"/> and returns how
    /// many. Single consumer only. The tail is read and the head published once per call, so the consumer does not
    /// bounce the producers' cache lines item by item. With <paramref name="waitForStores"/> (after <see cref="Close"/>)
    /// it waits for producers that won a position to store their item, so nothing accepted is left behind.
    /// </summary>
    public int DrainTo(List<T> target, int max, bool waitForStores = false)
    {
        var head = _positions.Head;
        var tail = Volatile.Read(ref _positions.Tail) & ~ClosedBit;
        var taken = 0;
        var spin = default(SpinWait);
        while (taken < max && head != tail)
        {
            ref var slot = ref _slots[(int)head & _mask].Item;
            var value = Volatile.Read(ref slot);
            if (value is null)
            {
                // A producer won this position and is about to store into it.
                if (!waitForStores)
                {
                    break;
                }

                spin.SpinOnce();
                continue;
            }

            slot = null;
            target.Add(value);
            head++;
            taken++;
        }

        if (taken > 0)
        {
            // Slots are emptied before the head moves past them: a producer that sees the new head finds them free.
            Volatile.Write(ref _positions.Head, head);
        }

        return taken;
    }

    /// <summary>Refuses every later enqueue. Items already accepted stay and can still be dequeued.</summary>
    public void Close() => Interlocked.Or(ref _positions.Tail, ClosedBit);

    private struct Slot
    {
        public T? Item;
    }
}

// Producers write the tail, the consumer the head: separate cache lines so they do not slow each other.
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal struct QueuePositions
{
    [FieldOffset(64)]
    public long Tail;

    [FieldOffset(128)]
    public long Head;
}
