using Jaeger.Collector.Receivers;
using Jaeger.Model;

namespace Jaeger.Collector.Hosting.Tests;

public sealed class ReceivedSpansTests
{
    [Fact]
    public void Spans_of_one_process_become_one_batch_that_is_the_decoded_list_itself()
    {
        var process = new Process("one");
        var spans = new List<Span> { S(process, 1), S(process, 2), S(process, 3) };

        var batch = Assert.Single(ReceivedSpans.ToBatches(spans));

        Assert.Same(process, batch.Process);
        Assert.Same(spans, batch.Spans);
    }

    [Fact]
    public void Spans_of_several_processes_become_runs_by_process_in_order()
    {
        Process a = new("a"), b = new("b");
        var spans = new List<Span> { S(a, 1), S(a, 2), S(b, 3), S(a, 4) };

        var batches = ReceivedSpans.ToBatches(spans);

        Assert.Equal([a, b, a], batches.Select(x => x.Process));
        Assert.Equal([[1UL, 2UL], [3UL], [4UL]], batches.Select(x => x.Spans.Select(s => s.SpanId.Value).ToArray()));
        Assert.Empty(ReceivedSpans.ToBatches([]));
    }

    [Fact]
    public void The_list_is_sized_from_the_body_within_bounds()
    {
        Assert.Equal(4, ReceivedSpans.ListFor(0).Capacity);
        Assert.Equal(100, ReceivedSpans.ListFor(25_600).Capacity);
        Assert.Equal(1024, ReceivedSpans.ListFor(int.MaxValue).Capacity);
    }

    private static Span S(Process process, ulong id) => new() { TraceId = new TraceId(1, 1), SpanId = new SpanId(id), Process = process, OperationName = "op" };
}
