using Jaeger.Collector.Pipeline;
using Jaeger.Model;

namespace Jaeger.Collector.Hosting.Tests;

public sealed class DependencyAggregatorTests
{
    private static Span Span(ulong trace, ulong id, ulong parent, string service) => new()
    {
        TraceId = new TraceId(trace),
        SpanId = new SpanId(id),
        Process = new Process(service),
        References = parent == 0 ? [] : [new SpanRef(new TraceId(trace), new SpanId(parent))],
    };

    [Fact]
    public void Links_are_counted_whichever_of_parent_and_child_arrives_first_and_same_service_calls_are_ignored()
    {
        var aggregator = new DependencyAggregator(capacity: 100);

        aggregator.Add(Span(1, 2, 1, "db"));        // child before parent
        aggregator.Add(Span(1, 1, 0, "api"));
        aggregator.Add(Span(1, 3, 1, "cache"));     // child after parent
        aggregator.Add(Span(1, 4, 1, "api"));       // same service: no link

        var links = aggregator.TakeLinks().OrderBy(l => l.Child).ToArray();

        Assert.Equal([new DependencyLink("api", "cache", 1), new DependencyLink("api", "db", 1)], links);
        Assert.Empty(aggregator.TakeLinks());
    }

    [Fact]
    public void Memory_is_bounded_so_a_parent_older_than_the_capacity_is_forgotten()
    {
        var aggregator = new DependencyAggregator(capacity: 16);
        aggregator.Add(Span(9, 1, 0, "old-parent"));
        for (ulong i = 100; i < 140; i++)
        {
            aggregator.Add(Span(i, i, 0, "filler"));
        }

        aggregator.Add(Span(9, 2, 1, "late-child"));

        Assert.Empty(aggregator.TakeLinks());
    }
}
