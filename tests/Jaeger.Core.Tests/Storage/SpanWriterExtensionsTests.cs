using Jaeger.Model;
using Jaeger.Storage;

namespace Jaeger.Core.Tests.Storage;

public sealed class SpanWriterExtensionsTests
{
    [Fact]
    public void ToBatches_groups_runs_of_spans_with_one_process_instance_in_order()
    {
        var a = new Process("a");
        var b = new Process("b");
        Span S(Process p, ulong id) => new() { SpanId = new SpanId(id), Process = p };

        var batches = SpanWriterExtensions.ToBatches([S(a, 1), S(a, 2), S(b, 3), S(a, 4)]);

        Assert.Equal(["a", "b", "a"], batches.Select(x => x.Process.ServiceName));
        Assert.Equal([2, 1, 1], batches.Select(x => x.Spans.Count));
        Assert.Equal(4, batches.CheckedSpanCount());
        Assert.All(batches, x => Assert.All(x.Spans, s => Assert.Same(x.Process, s.Process)));
    }

    [Fact]
    public void CheckedSpanCount_names_the_first_null_batch_or_span()
    {
        var good = new Batch(new Process("a"), [new Span()]);

        var nullBatch = Assert.Throws<ArgumentException>(() => new List<Batch> { good, null! }.CheckedSpanCount());
        var nullSpan = Assert.Throws<ArgumentException>(() => new List<Batch> { good, new(new Process("b"), [new Span(), null!]) }.CheckedSpanCount());

        Assert.StartsWith("Batch 1 is null.", nullBatch.Message, StringComparison.Ordinal);
        Assert.StartsWith("Span 1 of batch 1 is null.", nullSpan.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SpanWriterExtensions.ToBatches([new Span(), null!]));
    }
}
