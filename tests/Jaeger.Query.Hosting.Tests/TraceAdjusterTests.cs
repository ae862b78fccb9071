using Jaeger.Model;
using Jaeger.Query.Adjusters;

namespace Jaeger.Query.Hosting.Tests;

public sealed class TraceAdjusterTests
{
    private static readonly TraceId Id = new(0, 99);
    private static readonly Process HostA = new("a", [KeyValue.String("ip", "1.1.1.1")]);
    private static readonly Process HostB = new("b", [KeyValue.String("ip", "2.2.2.2")]);
    private static readonly Process NoHost = new("c");

    private static Span S(ulong id, ulong parent, Process p, long start, long duration) => new()
    {
        TraceId = Id,
        SpanId = new SpanId(id),
        Process = p,
        StartTimeMicros = start,
        DurationMicros = duration,
        References = parent == 0 ? [] : [new SpanRef(Id, new SpanId(parent))],
        Logs = [new Log(start + 1, [KeyValue.String("event", "x")])],
    };

    [Fact]
    public void Skew_beyond_the_maximum_is_not_applied_and_says_so()
    {
        var trace = new Trace([S(1, 0, HostA, 10_000_000, 100), S(2, 1, HostB, 0, 10)]);
        var adjusted = new TraceAdjuster(true, TimeSpan.FromSeconds(1)).Adjust(trace);
        var child = adjusted.Spans.Single(s => s.SpanId.Value == 2);
        Assert.Equal(0, child.StartTimeMicros);
        Assert.Equal("max clock skew adjustment delta of 1s exceeded; not applying calculated delta of 10.000045s", Assert.Single(child.Warnings));
    }

    [Fact]
    public void Skew_shifts_logs_too_and_can_be_turned_off()
    {
        var trace = new Trace([S(1, 0, HostA, 1_000, 100), S(2, 1, HostB, 500, 20)]);
        var on = new TraceAdjuster(true, TimeSpan.FromSeconds(1)).Adjust(trace).Spans.Single(s => s.SpanId.Value == 2);
        Assert.Equal(1_040, on.StartTimeMicros);
        Assert.Equal(1_041, on.Logs[0].TimestampMicros);
        var off = new TraceAdjuster(false, TimeSpan.FromSeconds(1)).Adjust(trace).Spans.Single(s => s.SpanId.Value == 2);
        Assert.Equal(500, off.StartTimeMicros);
        Assert.Equal(500, trace.Spans[1].StartTimeMicros);
    }

    [Fact]
    public void Spans_on_the_same_host_or_without_a_host_are_not_shifted()
    {
        var trace = new Trace([S(1, 0, HostA, 1_000, 100), S(2, 1, HostA, 500, 20), S(3, 1, NoHost, 400, 20)]);
        var adjusted = new TraceAdjuster(true, TimeSpan.FromSeconds(1)).Adjust(trace);
        Assert.Equal([400L, 500L, 1_000L], adjusted.Spans.Select(s => s.StartTimeMicros).ToArray());
        Assert.All(adjusted.Spans, s => Assert.Empty(s.Warnings));
    }

    [Fact]
    public void A_longer_child_is_aligned_with_its_parents_start()
    {
        var trace = new Trace([S(1, 0, HostA, 1_000, 100), S(2, 1, HostB, 900, 300)]);
        var child = new TraceAdjuster(true, TimeSpan.FromSeconds(1)).Adjust(trace).Spans.Single(s => s.SpanId.Value == 2);
        Assert.Equal(1_000, child.StartTimeMicros);
    }

    [Fact]
    public void Reference_cycles_do_not_hang()
    {
        var trace = new Trace([S(1, 2, HostA, 1_000, 100), S(2, 1, HostB, 900, 300)]);
        var adjusted = new TraceAdjuster(true, TimeSpan.FromSeconds(1)).Adjust(trace);
        Assert.Equal(2, adjusted.Spans.Count);
    }

    [Fact]
    public void Parent_reference_is_moved_first()
    {
        var span = S(2, 0, HostA, 0, 1);
        span.References = [new SpanRef(new TraceId(0, 5), new SpanId(7), SpanRefType.FollowsFrom), new SpanRef(Id, new SpanId(1))];
        var adjusted = new TraceAdjuster(false, TimeSpan.Zero).Adjust(new Trace([span]));
        Assert.Equal(new SpanRef(Id, new SpanId(1)), adjusted.Spans[0].References[0]);
        Assert.Equal(2, adjusted.Spans[0].References.Length);
    }
}
