using Jaeger.Model;
using Jaeger.Query.Mcp;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>The trace tree behind the MCP topology and critical path tools.</summary>
public sealed class McpTraceTreeTests
{
    private static readonly TraceId Id = new(0, 0x7e57);
    private static readonly Process Svc = new("svc", []);

    private static Span NewSpan(ulong id, long start, long duration, ulong parent = 0, SpanRefType type = SpanRefType.ChildOf) => new()
    {
        TraceId = Id,
        SpanId = new SpanId(id),
        OperationName = "op" + id,
        Process = Svc,
        StartTimeMicros = start,
        DurationMicros = duration,
        References = parent == 0 ? [] : [new SpanRef(Id, new SpanId(parent), type)],
    };

    private static (ulong Span, long Start, long End)[] Path(params Span[] spans) =>
        new TraceTree(new Trace(spans)).CriticalPath().Select(s => (s.Span.SpanId.Value, s.StartMicros, s.EndMicros)).ToArray();

    [Fact]
    public void A_follows_from_child_is_not_waited_for()
    {
        var path = Path(NewSpan(1, 0, 100), NewSpan(2, 10, 80, 1, SpanRefType.FollowsFrom));

        Assert.Equal([(1UL, 0L, 100L)], path);
    }

    [Fact]
    public void A_child_that_outlives_its_parent_is_clipped_to_the_parent()
    {
        var path = Path(NewSpan(1, 0, 100), NewSpan(2, 60, 500, 1));

        Assert.Equal([(1UL, 0L, 60L), (2UL, 60L, 100L)], path);
    }

    [Fact]
    public void Before_the_last_finishing_child_only_children_that_had_finished_when_it_started_are_on_the_path()
    {
        // 3 (30..90) finishes last; 2 (10..50) was still running when 3 started, so the parent waited on neither it
        // nor anything but 4 (2..8) before 30.
        var path = Path(NewSpan(1, 0, 100), NewSpan(2, 10, 40, 1), NewSpan(3, 30, 60, 1), NewSpan(4, 2, 6, 1));

        Assert.Equal([(1UL, 0L, 2L), (4UL, 2L, 8L), (1UL, 8L, 30L), (3UL, 30L, 90L), (1UL, 90L, 100L)], path);
    }

    [Fact]
    public void Random_trees_have_a_contiguous_path_covering_the_root()
    {
        var random = new Random(1234);
        for (var round = 0; round < 200; round++)
        {
            var spans = new List<Span> { NewSpan(1, 0, 1_000) };
            var count = random.Next(1, 40);
            for (var i = 2; i <= count; i++)
            {
                var parent = spans[random.Next(spans.Count)];
                var start = parent.StartTimeMicros + random.Next(-50, (int)parent.DurationMicros + 50);
                spans.Add(NewSpan((ulong)i, start, random.Next(0, 600), parent.SpanId.Value, random.Next(5) == 0 ? SpanRefType.FollowsFrom : SpanRefType.ChildOf));
            }

            var path = Path([.. spans]);

            Assert.Equal(0, path[0].Start);
            Assert.Equal(1_000, path[^1].End);
            for (var i = 1; i < path.Length; i++)
            {
                Assert.Equal(path[i - 1].End, path[i].Start);
            }
        }
    }

    [Fact]
    public void Spans_in_a_reference_cycle_and_orphans_are_reachable_as_roots()
    {
        var tree = new TraceTree(new Trace([NewSpan(1, 0, 10), NewSpan(2, 5, 10, 3), NewSpan(3, 6, 10, 2), NewSpan(4, 7, 1, 99)]));

        Assert.Equal([1UL, 2UL, 4UL], tree.Roots.Select(s => s.SpanId.Value).ToArray());
        Assert.Equal([3UL], tree.ChildrenOf(tree.Roots[1]).Select(s => s.SpanId.Value).ToArray());
        Assert.Equal(0, tree.Start);
        Assert.Equal(16, tree.End);
    }
}
