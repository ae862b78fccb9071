using Jaeger.Client.Reporting;

namespace Jaeger.Client.Tests.Reporting;

public class BoundedSpanQueueTests
{
    [Fact]
    public void Capacity_is_exact_even_when_not_a_power_of_two_and_order_is_kept()
    {
        var queue = new BoundedSpanQueue<string>(3);
        Assert.True(queue.TryEnqueue("a", out var c1));
        Assert.True(queue.TryEnqueue("b", out _));
        Assert.True(queue.TryEnqueue("c", out var c3));
        Assert.False(queue.TryEnqueue("d", out _));
        Assert.Equal((1, 3, 3), (c1, c3, queue.Count));

        var first = new List<string>();
        Assert.Equal(1, queue.DrainTo(first, 1));
        Assert.True(queue.TryEnqueue("e", out _));
        var rest = new List<string>();
        Assert.Equal(3, queue.DrainTo(rest, 10));

        Assert.Equal(["a"], first);
        Assert.Equal(["b", "c", "e"], rest);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_closed_queue_refuses_new_items_and_still_hands_out_accepted_ones()
    {
        var queue = new BoundedSpanQueue<string>(4);
        queue.TryEnqueue("a", out _);
        queue.Close();
        Assert.True(queue.IsClosed);
        Assert.False(queue.TryEnqueue("b", out _));
        var items = new List<string>();
        Assert.Equal(1, queue.DrainTo(items, 10, waitForStores: true));
        Assert.Equal(["a"], items);
        Assert.Equal(0, queue.DrainTo(items, 10, waitForStores: true));
    }

    [Fact]
    public async Task Concurrent_producers_lose_nothing_that_was_accepted_and_never_exceed_the_capacity()
    {
        const int Producers = 4;
        const int PerProducer = 50_000;
        const int Capacity = 100;
        var queue = new BoundedSpanQueue<int[]>(Capacity);
        var accepted = new int[Producers];
        using var stop = new CancellationTokenSource();
        var received = new HashSet<(int, int)>();
        var maxSeen = 0;
        var consumer = Task.Run(() =>
        {
            var batch = new List<int[]>();
            while (true)
            {
                maxSeen = Math.Max(maxSeen, queue.Count);
                var closed = queue.IsClosed;
                batch.Clear();
                queue.DrainTo(batch, 7, waitForStores: closed);
                foreach (var item in batch)
                {
                    Assert.True(received.Add((item[0], item[1])));
                }

                if (closed && batch.Count == 0)
                {
                    return;
                }
            }
        });

        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < PerProducer; i++)
            {
                if (queue.TryEnqueue([p, i], out var count))
                {
                    Assert.InRange(count, 1, Capacity);
                    accepted[p]++;
                }
            }
        })).ToArray();
        await Task.WhenAll(producers);
        queue.Close();
        await consumer;

        Assert.Equal(accepted.Sum(), received.Count);
        Assert.True(accepted.Sum() > 0);
        Assert.InRange(maxSeen, 0, Capacity);
    }
}
