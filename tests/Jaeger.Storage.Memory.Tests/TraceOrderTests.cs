using FsCheck;
using FsCheck.Xunit;
using Jaeger.Model;

namespace Jaeger.Storage.Memory.Tests;

/// <summary>The chunked trace order against a sorted set of the same traces, under random adds, moves and removals.</summary>
public sealed class TraceOrderTests
{
    [Property(MaxTest = 200)]
    public bool Any_sequence_of_adds_moves_and_removals_enumerates_as_a_sorted_set_newest_first(int seed, PositiveInt size)
    {
        var random = new Random(seed);
        var order = new TraceOrder();
        var expected = new SortedSet<(long Start, long Sequence)>();
        var live = new List<TraceEntry>();
        var operations = Math.Min(size.Get * 20, 3000);
        for (var i = 0; i < operations; i++)
        {
            var choice = random.Next(10);
            if (choice < 6 || live.Count == 0)
            {
                // Mostly newer than everything held (as spans arrive), sometimes anywhere, sometimes at an equal start.
                var start = choice switch
                {
                    0 => random.Next(0, 1000),
                    1 when live.Count > 0 => live[random.Next(live.Count)].StartMicros,
                    _ => 1000 + i,
                };
                var entry = new TraceEntry(new TraceId(0, (ulong)i + 1), i, start);
                if (!order.Add(entry) || order.Add(entry))
                {
                    return false;
                }

                expected.Add((entry.StartMicros, entry.Sequence));
                live.Add(entry);
            }
            else if (choice < 8)
            {
                // An earlier span of a held trace moves its start back: remove, change, add again.
                var entry = live[random.Next(live.Count)];
                if (!order.Remove(entry))
                {
                    return false;
                }

                expected.Remove((entry.StartMicros, entry.Sequence));
                entry.StartMicros -= random.Next(1, 500);
                order.Add(entry);
                expected.Add((entry.StartMicros, entry.Sequence));
            }
            else
            {
                // Eviction: mostly the oldest arrival, sometimes any.
                var at = choice == 8 ? 0 : random.Next(live.Count);
                var entry = live[at];
                live.RemoveAt(at);
                if (!order.Remove(entry) || order.Remove(entry))
                {
                    return false;
                }

                expected.Remove((entry.StartMicros, entry.Sequence));
            }
        }

        var actual = order.Select(e => (e.StartMicros, e.Sequence)).ToList();
        return order.Count == expected.Count && actual.SequenceEqual(expected.Reverse());
    }

    [Fact]
    public void An_empty_order_enumerates_nothing_and_removes_nothing()
    {
        var order = new TraceOrder();
        Assert.Empty(order);
        Assert.False(order.Remove(new TraceEntry(default, 1, 10)));
        var entry = new TraceEntry(default, 2, 20);
        Assert.True(order.Add(entry));
        order.Clear();
        Assert.Equal(0, order.Count);
        Assert.Empty(order);
    }
}
