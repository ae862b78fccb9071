using Jaeger.Client.Sampling;
using Microsoft.Extensions.Configuration;

namespace Jaeger.Client.Tests.Tracing;

/// <summary>The per-thread span builder and the opt-in pool of unsampled span objects.</summary>
public class SpanReuseTests
{
    private static JaegerSpanContext Ctx(ISpan span) => (JaegerSpanContext)span.Context;

    [Fact]
    public void With_pooling_a_finished_unsampled_span_object_becomes_the_next_span_with_nothing_of_the_old_one()
    {
        var (tracer, reporter) = TestTracers.Create(new ConstSampler(false), poolUnsampledSpans: true);
        var first = tracer.BuildSpan("first").Start();
        first.SetBaggageItem("user", "alice");
        var firstContext = Ctx(first);
        var (firstTrace, firstSpan) = (firstContext.TraceId, firstContext.SpanId);
        first.Finish();

        var second = tracer.BuildSpan("second").Start();
        Assert.Same(first, second);
        var secondContext = Ctx(second);
        Assert.NotSame(firstContext, secondContext);
        Assert.NotEqual(firstTrace, secondContext.TraceId);
        Assert.NotEqual(firstSpan, secondContext.SpanId);
        Assert.Null(second.GetBaggageItem("user"));
        Assert.Empty(secondContext.GetBaggageItems());
        Assert.Contains("second", second.ToString(), StringComparison.Ordinal);

        // A context read before the finish is its own object and still names the first span.
        Assert.Equal(firstTrace, firstContext.TraceId);
        Assert.Equal(firstSpan, firstContext.SpanId);
        Assert.Equal("alice", firstContext.GetBaggageItems().Single(b => b.Key == "user").Value);

        // The reused span is a live span again: a sampling.priority tag still promotes and reports it.
        second.SetTag(Tags.SamplingPriority, 1);
        second.SetTag("after", "promotion");
        second.Finish();
        var reported = Assert.Single(reporter.GetSpans());
        Assert.Equal("second", reported.OperationName);
        Assert.Equal(secondContext.SpanId, reported.SpanId);
        Assert.True(reported.TryGetTag("after", out _));
    }

    [Fact]
    public void Without_pooling_unsampled_span_objects_are_never_reused()
    {
        var (tracer, _) = TestTracers.Create(new ConstSampler(false));
        var first = tracer.BuildSpan("first").Start();
        first.Finish();
        Assert.NotSame(first, tracer.BuildSpan("second").Start());
    }

    [Fact]
    public void A_pooled_span_finished_twice_before_reuse_is_handed_out_once()
    {
        var (tracer, _) = TestTracers.Create(new ConstSampler(false), poolUnsampledSpans: true);
        var span = tracer.BuildSpan("twice").Start();
        span.Finish();
        span.Finish();
        span.Finish(DateTimeOffset.UtcNow);
        var a = tracer.BuildSpan("a").Start();
        var b = tracer.BuildSpan("b").Start();
        Assert.NotSame(a, b);
        Assert.NotEqual(Ctx(a).SpanId, Ctx(b).SpanId);
    }

    [Fact]
    public void Sampled_and_promoted_spans_are_never_pooled()
    {
        var (sampledTracer, sampledReporter) = TestTracers.Create(new ConstSampler(true), poolUnsampledSpans: true);
        var sampled = sampledTracer.BuildSpan("sampled").Start();
        sampled.Finish();
        Assert.NotSame(sampled, sampledTracer.BuildSpan("next").Start());
        Assert.Single(sampledReporter.GetSpans());

        var (tracer, reporter) = TestTracers.Create(new ConstSampler(false), poolUnsampledSpans: true);
        var promoted = tracer.BuildSpan("promoted").Start();
        promoted.SetTag(Tags.SamplingPriority, 1);
        promoted.Finish();
        var next = tracer.BuildSpan("next").Start();
        Assert.NotSame(promoted, next);
        Assert.False(Ctx(next).IsSampled);
        Assert.Equal("promoted", Assert.Single(reporter.GetSpans()).OperationName);
    }

    [Fact]
    public void A_pooled_child_span_gets_its_parent_and_trace_each_time_it_is_reused()
    {
        var (tracer, _) = TestTracers.Create(new ConstSampler(false), poolUnsampledSpans: true);
        var parent = tracer.BuildSpan("parent").Start();
        var child = tracer.BuildSpan("child").AsChildOf(parent).Start();
        child.Finish();
        var other = tracer.BuildSpan("other-root").Start();
        Assert.Same(child, other);
        Assert.NotEqual(Ctx(parent).TraceId, Ctx(other).TraceId);
        Assert.True(Ctx(other).ParentId.IsEmpty);
        other.Finish();

        var again = tracer.BuildSpan("child-again").AsChildOf(parent).Start();
        Assert.Same(child, again);
        Assert.Equal(Ctx(parent).TraceId, Ctx(again).TraceId);
        Assert.Equal(Ctx(parent).SpanId, Ctx(again).ParentId);
    }

    [Fact]
    public void A_span_finished_on_another_thread_is_reused_by_the_thread_that_started_it()
    {
        var (tracer, _) = TestTracers.Create(new ConstSampler(false), poolUnsampledSpans: true);
        var span = tracer.BuildSpan("moves").Start();
        ISpan? startedThere = null;
        var thread = new Thread(() =>
        {
            span.Finish();
            startedThere = tracer.BuildSpan("on-the-finishing-thread").Start();
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        Assert.NotSame(span, startedThere);
        Assert.Same(span, tracer.BuildSpan("on-the-starting-thread").Start());
    }

    [Fact]
    public void An_unfinished_span_is_never_reused_and_the_newest_span_is_the_next_candidate()
    {
        var (tracer, _) = TestTracers.Create(new ConstSampler(false), poolUnsampledSpans: true);
        var parent = tracer.BuildSpan("parent").Start();
        var child = tracer.BuildSpan("child").AsChildOf(parent).Start();
        Assert.NotSame(parent, child);
        child.Finish();
        var second = tracer.BuildSpan("second-child").AsChildOf(parent).Start();
        Assert.Same(child, second);
        var third = tracer.BuildSpan("third").Start();
        Assert.NotSame(second, third);
        Assert.NotSame(parent, third);
        parent.Finish();
        Assert.NotSame(parent, tracer.BuildSpan("after-parent").Start());
    }

    [Fact]
    public void PoolUnsampledSpans_is_read_from_configuration_and_off_by_default()
    {
        Assert.False(new JaegerTracingOptions().PoolUnsampledSpans);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Client:ServiceName"] = "pooled",
            ["Jaeger:Client:PoolUnsampledSpans"] = "true",
            ["Jaeger:Client:SamplerType"] = "const",
            ["Jaeger:Client:SamplerParam"] = "0",
            ["Jaeger:Client:Disabled"] = "false",
        }).Build();
        var options = JaegerTracerFactory.OptionsFrom(configuration);
        Assert.True(options.PoolUnsampledSpans);
        options.ReporterOverride = new Jaeger.Client.Reporting.InMemoryReporter();
        using var tracer = JaegerTracerFactory.Create(options);
        var first = tracer.BuildSpan("a").Start();
        first.Finish();
        Assert.Same(first, tracer.BuildSpan("b").Start());
    }

    [Fact]
    public void A_second_BuildSpan_before_the_first_Start_gets_a_builder_of_its_own()
    {
        var (tracer, reporter) = TestTracers.Create();
        var outer = tracer.BuildSpan("outer").WithTag("which", "outer");
        var inner = tracer.BuildSpan("inner").WithTag("which", "inner");
        Assert.NotSame(outer, inner);
        inner.Start().Finish();
        outer.Start().Finish();
        var spans = reporter.GetSpans();
        Assert.Equal(["inner", "outer"], spans.Select(s => s.OperationName));
        Assert.All(spans, s => Assert.Equal(s.OperationName, Assert.Single(s.Tags, t => t.Key == "which").StringValue));
    }

    [Fact]
    public void A_builder_never_started_leaves_no_trace_in_later_spans()
    {
        var (tracer, reporter) = TestTracers.Create();
        _ = tracer.BuildSpan("abandoned").WithTag("left", "behind").WithStartTimestamp(DateTimeOffset.UnixEpoch).IgnoreActiveSpan();
        for (var i = 0; i < 3; i++)
        {
            tracer.BuildSpan("kept").Start().Finish();
        }

        Assert.All(reporter.GetSpans(), s =>
        {
            Assert.Equal("kept", s.OperationName);
            Assert.False(s.TryGetTag("left", out _));
            Assert.NotEqual(0, s.StartTimeMicros);
        });
    }

    [Fact]
    public void A_builder_started_on_another_thread_builds_its_span_and_the_first_thread_builds_on()
    {
        var (tracer, reporter) = TestTracers.Create();
        var builder = tracer.BuildSpan("crossed").WithTag("k", "v");
        var thread = new Thread(() => builder.Start().Finish());
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        tracer.BuildSpan("after").WithTag("n", 1).Start().Finish();

        var spans = reporter.GetSpans();
        Assert.Equal(["crossed", "after"], spans.Select(s => s.OperationName));
        Assert.Equal("v", Assert.Single(spans[0].Tags, t => t.Key == "k").StringValue);
        Assert.False(spans[1].TryGetTag("k", out _));
    }
}
