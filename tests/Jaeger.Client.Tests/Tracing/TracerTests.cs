using Jaeger.Client.Sampling;
using Jaeger.Model;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Client.Tests.Tracing;

public class TracerTests
{
    [Fact]
    public void Sampled_root_span_becomes_model_span_with_tags_logs_times_and_sampler_tags()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var (tracer, reporter) = TestTracers.Create(time: time);

        var span = tracer.BuildSpan("GET /orders").WithTag("component", "test").Start();
        span.SetTag("http.status_code", 200).SetTag("error", false).SetTag("ratio", 0.5).SetTag("user", "ann");
        time.Advance(TimeSpan.FromMilliseconds(3));
        span.Log("cache miss");
        time.Advance(TimeSpan.FromMilliseconds(2));
        span.Finish();

        var model = Assert.Single(reporter.GetSpans());
        Assert.Equal("GET /orders", model.OperationName);
        Assert.Equal(model.TraceId.Low, model.SpanId.Value);
        Assert.True(model.References.IsEmpty);
        Assert.Equal(SpanFlags.Sampled, model.Flags);
        Assert.Equal(Time.ToUnixMicros(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)), model.StartTimeMicros);
        Assert.Equal(5000, model.DurationMicros);
        Assert.True(model.TryGetTag("sampler.type", out var type) && type.StringValue == "const");
        Assert.True(model.TryGetTag("sampler.param", out var param) && param.BoolValue);
        Assert.True(model.TryGetTag("component", out var component) && component.StringValue == "test");
        Assert.True(model.TryGetTag("http.status_code", out var status) && status.Int64Value == 200);
        Assert.True(model.TryGetTag("ratio", out var ratio) && ratio.Float64Value == 0.5);
        var log = Assert.Single(model.Logs);
        Assert.Equal("cache miss", Assert.Single(log.Fields).StringValue);
        Assert.Equal(model.StartTimeMicros + 3000, log.TimestampMicros);
        Assert.Equal("test-service", model.Process.ServiceName);
    }

    [Fact]
    public void Child_span_shares_trace_and_points_to_parent_without_sampler_tags()
    {
        var (tracer, reporter) = TestTracers.Create();
        var parent = tracer.BuildSpan("parent").Start();
        var child = tracer.BuildSpan("child").AsChildOf(parent).Start();
        child.Finish();
        parent.Finish();

        var spans = reporter.GetSpans();
        var c = spans.Single(s => s.OperationName == "child");
        var p = spans.Single(s => s.OperationName == "parent");
        Assert.Equal(p.TraceId, c.TraceId);
        Assert.Equal(p.SpanId, c.ParentSpanId);
        Assert.NotEqual(p.SpanId, c.SpanId);
        Assert.False(c.TryGetTag("sampler.type", out _));
    }

    [Fact]
    public void Active_span_becomes_parent_unless_ignored_and_scope_dispose_finishes_and_restores()
    {
        var (tracer, reporter) = TestTracers.Create();
        using (var outer = tracer.BuildSpan("outer").StartActive())
        {
            Assert.Same(outer.Span, tracer.ActiveSpan);
            using (tracer.BuildSpan("inner").StartActive())
            {
            }

            Assert.Same(outer.Span, tracer.ActiveSpan);
            tracer.BuildSpan("detached").IgnoreActiveSpan().Start().Finish();
        }

        Assert.Null(tracer.ActiveSpan);
        var spans = reporter.GetSpans();
        var o = spans.Single(s => s.OperationName == "outer");
        Assert.Equal(o.SpanId, spans.Single(s => s.OperationName == "inner").ParentSpanId);
        Assert.NotEqual(o.TraceId, spans.Single(s => s.OperationName == "detached").TraceId);
    }

    [Fact]
    public async Task Active_scope_flows_into_awaited_calls()
    {
        var (tracer, reporter) = TestTracers.Create();
        using (tracer.BuildSpan("request").StartActive())
        {
            await Task.Run(() => tracer.BuildSpan("work").Start().Finish());
        }

        var spans = reporter.GetSpans();
        Assert.Equal(spans.Single(s => s.OperationName == "request").SpanId, spans.Single(s => s.OperationName == "work").ParentSpanId);
    }

    [Fact]
    public void Follows_from_and_multiple_references_are_recorded_with_child_of_preferred()
    {
        var (tracer, reporter) = TestTracers.Create();
        var a = tracer.BuildSpan("a").Start();
        var b = tracer.BuildSpan("b").Start();
        var c = tracer.BuildSpan("c").AddReference(References.FollowsFrom, a.Context).AddReference(References.ChildOf, b.Context)
            .AddReference("unknown_kind", a.Context).Start();
        c.Finish();

        var model = Assert.Single(reporter.GetSpans());
        Assert.Equal(2, model.References.Length);
        Assert.Equal(((JaegerSpanContext)b.Context).TraceId, model.TraceId);
        Assert.Equal(((JaegerSpanContext)b.Context).SpanId, model.ParentSpanId);
        Assert.Contains(model.References, r => r.RefType == SpanRefType.FollowsFrom && r.SpanId == ((JaegerSpanContext)a.Context).SpanId);
    }

    [Fact]
    public void Finishing_twice_reports_once()
    {
        var (tracer, reporter) = TestTracers.Create();
        var span = tracer.BuildSpan("op").Start();
        span.Finish();
        span.Finish();
        span.Finish(DateTimeOffset.UtcNow);
        Assert.Single(reporter.GetSpans());
    }

    [Fact]
    public void Unsampled_spans_report_nothing_and_keep_no_tags_but_propagate_ids()
    {
        var (tracer, reporter) = TestTracers.Create(new ConstSampler(false));
        var root = tracer.BuildSpan("root").WithTag("k", "v").Start();
        root.SetTag("a", 1).Log("event");
        var context = (JaegerSpanContext)root.Context;
        var child = tracer.BuildSpan("child").AsChildOf(root).Start();
        Assert.Equal(context.TraceId, ((JaegerSpanContext)child.Context).TraceId);
        Assert.False(((JaegerSpanContext)child.Context).IsSampled);
        child.Finish();
        root.Finish();
        Assert.Empty(reporter.GetSpans());
    }

    [Fact]
    public void Tags_and_logs_set_after_finish_do_not_change_the_reported_span()
    {
        var (tracer, reporter) = TestTracers.Create();
        var span = tracer.BuildSpan("op").Start();
        span.SetTag("before", 1);
        span.Finish();
        span.SetTag("after", 2).SetTag("late", "x").Log("late event");
        span.Finish();

        var model = Assert.Single(reporter.GetSpans());
        Assert.True(model.TryGetTag("before", out _));
        Assert.False(model.TryGetTag("after", out _));
        Assert.False(model.TryGetTag("late", out _));
        Assert.Empty(model.Logs);
    }

    [Fact]
    public void Spans_of_one_operation_with_changing_tag_counts_each_report_exactly_their_own_tags()
    {
        // The tag array is sized from the previous span of the operation: fewer, equal and more tags must all come out right.
        var (tracer, reporter) = TestTracers.Create();
        foreach (var count in new[] { 3, 3, 1, 6, 6, 0, 20 })
        {
            var span = tracer.BuildSpan("op").IgnoreActiveSpan().Start();
            for (var i = 0; i < count; i++)
            {
                span.SetTag("k" + i, i);
            }

            span.Finish();
        }

        var spans = reporter.GetSpans();
        Assert.Equal([3, 3, 1, 6, 6, 0, 20], spans.Select(s => s.Tags.Count(t => t.Key.StartsWith('k'))));
        Assert.All(spans, s => Assert.Equal(2, s.Tags.Count(t => t.Key.StartsWith("sampler.", StringComparison.Ordinal))));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), spans[^1].Tags.Where(t => t.Key.StartsWith('k')).Select(t => t.Int64Value));
    }

    [Fact]
    public void An_unsampled_follows_from_child_promoted_by_sampling_priority_keeps_its_reference_and_ids()
    {
        var (tracer, reporter) = TestTracers.Create(new ConstSampler(false));
        var parent = tracer.BuildSpan("parent").Start();
        var child = tracer.BuildSpan("child").AddReference(References.FollowsFrom, parent.Context).Start();
        Assert.False(((JaegerSpanContext)child.Context).IsSampled);
        child.SetTag("dropped", "before promotion");
        child.SetTag(Tags.SamplingPriority, 1);
        child.SetTag("kept", "after promotion").Log("promoted");
        var promotedContext = (JaegerSpanContext)child.Context;
        child.Finish();
        child.Finish();
        parent.Finish();

        var model = Assert.Single(reporter.GetSpans());
        Assert.Equal(SpanFlags.Sampled | SpanFlags.Debug, promotedContext.Flags);
        Assert.Equal(promotedContext.SpanId, model.SpanId);
        var reference = Assert.Single(model.References);
        Assert.Equal(SpanRefType.FollowsFrom, reference.RefType);
        Assert.Equal(((JaegerSpanContext)parent.Context).SpanId, reference.SpanId);
        Assert.True(model.TryGetTag("kept", out _));
        Assert.False(model.TryGetTag("dropped", out _));
        Assert.Single(model.Logs);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_finished_span_keeps_its_identity_so_a_late_finish_or_context_read_touches_no_other_span(bool sampled)
    {
        var (tracer, reporter) = TestTracers.Create(new ConstSampler(sampled));
        var first = tracer.BuildSpan("a").Start();
        first.Finish();
        var second = tracer.BuildSpan("b").Start();
        Assert.NotSame(first, second);

        // Finishing the first span again (allowed and harmless) must not finish the second one.
        first.Finish();
        Assert.Equal(sampled ? 1 : 0, reporter.GetSpans().Count);
        second.SetTag("still", "open");
        second.Finish();
        Assert.Equal(sampled ? 2 : 0, reporter.GetSpans().Count);
        Assert.NotEqual(((JaegerSpanContext)first.Context).SpanId, ((JaegerSpanContext)second.Context).SpanId);
        if (sampled)
        {
            Assert.Equal(((JaegerSpanContext)first.Context).SpanId, reporter.GetSpans()[0].SpanId);
            Assert.Contains(reporter.GetSpans()[1].Tags, t => t.Key == "still");
        }
    }

    [Fact]
    public void Sampling_priority_above_zero_forces_debug_sampling_and_zero_suppresses()
    {
        var (tracer, reporter) = TestTracers.Create(new ConstSampler(false));
        tracer.BuildSpan("forced").WithTag(Tags.SamplingPriority, 1).Start().Finish();
        var later = tracer.BuildSpan("forced-later").Start();
        later.SetTag(Tags.SamplingPriority, 1);
        later.SetTag("after", "kept");
        later.Finish();

        var (tracer2, reporter2) = TestTracers.Create(new ConstSampler(true));
        tracer2.BuildSpan("suppressed").WithTag(Tags.SamplingPriority, 0).Start().Finish();

        var spans = reporter.GetSpans();
        Assert.Equal(2, spans.Count);
        Assert.All(spans, s => Assert.Equal(SpanFlags.Sampled | SpanFlags.Debug, s.Flags));
        Assert.True(spans.Single(s => s.OperationName == "forced-later").TryGetTag("after", out _));
        Assert.Empty(reporter2.GetSpans());
    }

    [Fact]
    public void Jaeger_debug_id_header_starts_debug_trace_tagged_with_the_id()
    {
        var (tracer, reporter) = TestTracers.Create(new ConstSampler(false));
        var headers = new Dictionary<string, string> { ["jaeger-debug-id"] = "my-debug" };
        var extracted = tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(headers));
        Assert.NotNull(extracted);
        tracer.BuildSpan("server").AsChildOf(extracted).Start().Finish();

        var span = Assert.Single(reporter.GetSpans());
        Assert.Equal(SpanFlags.Sampled | SpanFlags.Debug, span.Flags);
        Assert.True(span.References.IsEmpty);
        Assert.True(span.TryGetTag("jaeger-debug-id", out var tag) && tag.StringValue == "my-debug");
    }

    [Fact]
    public void Baggage_without_a_trace_starts_a_new_trace_that_carries_it()
    {
        var (tracer, reporter) = TestTracers.Create(new ConstSampler(true));
        var headers = new Dictionary<string, string> { ["jaeger-baggage"] = "tenant=acme, plan=gold", ["uberctx-user"] = "ann" };
        var extracted = (JaegerSpanContext?)tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(headers));
        Assert.NotNull(extracted);
        Assert.True(extracted.TraceId.IsEmpty);

        var server = tracer.BuildSpan("server").AsChildOf(extracted).Start();
        var child = tracer.BuildSpan("child").AsChildOf(server).Start();

        Assert.Equal("acme", server.GetBaggageItem("tenant"));
        Assert.Equal("gold", child.GetBaggageItem("plan"));
        Assert.Equal("ann", child.GetBaggageItem("user"));
        child.Finish();
        server.Finish();
        var reported = reporter.GetSpans().Single(s => s.OperationName == "server");
        Assert.False(reported.TraceId.IsEmpty);
        Assert.Equal(SpanFlags.Sampled, reported.Flags);
        Assert.True(reported.References.IsEmpty);
        Assert.Null(tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(new Dictionary<string, string> { ["other"] = "x" })));
    }

    [Fact]
    public void A_real_parent_wins_over_a_baggage_only_context_in_a_composite()
    {
        var (tracer, _) = TestTracers.Create(propagation: "jaeger,w3c");
        var headers = new Dictionary<string, string>
        {
            ["jaeger-baggage"] = "tenant=acme",
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
        var extracted = (JaegerSpanContext)tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(headers))!;
        Assert.Equal(new TraceId(0x0af7651916cd43dd, 0x8448eb211c80319c), extracted.TraceId);
    }

    [Fact]
    public void Trace_ids_are_128_bit_on_option_and_64_bit_by_default()
    {
        var (t64, _) = TestTracers.Create();
        var (t128, _) = TestTracers.Create(traceId128: true);
        Assert.False(((JaegerSpanContext)t64.BuildSpan("a").Start().Context).TraceId.Is128Bit);
        var id = ((JaegerSpanContext)t128.BuildSpan("a").Start().Context).TraceId;
        Assert.True(id.Is128Bit);
        Assert.Equal(32, id.ToString().Length);
    }

    [Fact]
    public void Process_carries_version_hostname_ip_uuid_and_tracer_tags()
    {
        var (tracer, _) = TestTracers.Create(tags: [KeyValue.String("env", "prod"), KeyValue.String("jaeger.version", "fake")]);
        var tags = tracer.Process.Tags;
        Assert.Contains(tags, t => t.Key == "env" && t.StringValue == "prod");
        Assert.Single(tags, t => t.Key == "jaeger.version");
        Assert.Contains(tags, t => t.Key == "jaeger.version" && t.StringValue.StartsWith("CSharp-", StringComparison.Ordinal));
        Assert.Contains(tags, t => t.Key == "hostname" && t.StringValue.Length > 0);
        Assert.Contains(tags, t => t.Key == "client-uuid" && t.StringValue.Length == 32);
    }

    [Fact]
    public void Baggage_flows_to_children_and_is_logged_on_sampled_spans_and_truncated()
    {
        var (tracer, reporter) = TestTracers.Create();
        var root = tracer.BuildSpan("root").Start();
        root.SetBaggageItem("user", "ann");
        root.SetBaggageItem("big", new string('x', 5000));
        var child = tracer.BuildSpan("child").AsChildOf(root).Start();
        Assert.Equal("ann", child.GetBaggageItem("user"));
        Assert.Equal(2048, child.GetBaggageItem("big")!.Length);
        root.SetBaggageItem("user", null);
        Assert.Null(root.GetBaggageItem("user"));
        Assert.Equal("ann", child.GetBaggageItem("user"));
        root.Finish();
        var logs = Assert.Single(reporter.GetSpans()).Logs;
        Assert.Contains(logs, l => l.Fields.Any(f => f.Key == "truncated"));
    }

    [Fact]
    public void Log_fields_keep_their_types_and_explicit_timestamps()
    {
        var (tracer, reporter) = TestTracers.Create();
        var at = new DateTimeOffset(2026, 5, 5, 0, 0, 0, TimeSpan.Zero);
        tracer.BuildSpan("op").Start().Log(at, new Dictionary<string, object?> { ["n"] = 3, ["ok"] = true, ["x"] = 1.5, ["s"] = "t", ["nothing"] = null })
            .Finish(at.AddSeconds(1));
        var span = Assert.Single(reporter.GetSpans());
        var fields = Assert.Single(span.Logs).Fields;
        Assert.Equal(Time.ToUnixMicros(at), span.Logs[0].TimestampMicros);
        Assert.Equal(KeyValueType.Int64, fields.Single(f => f.Key == "n").Type);
        Assert.Equal(KeyValueType.Bool, fields.Single(f => f.Key == "ok").Type);
        Assert.Equal(KeyValueType.Float64, fields.Single(f => f.Key == "x").Type);
    }

    [Fact]
    public void A_sampled_span_reports_itself_and_nothing_done_after_finish_changes_the_reported_span()
    {
        var (tracer, reporter) = TestTracers.Create();
        var parent = tracer.BuildSpan("parent").Start();
        var span = tracer.BuildSpan("op").AsChildOf(parent).Start();
        span.SetTag("before", 1);
        span.Finish();
        var model = Assert.Single(reporter.GetSpans());
        var duration = model.DurationMicros;

        span.SetOperationName("renamed");
        span.SetTag(Tags.SamplingPriority, 0);
        span.SetBaggageItem("late", "bag");
        span.Finish(DateTimeOffset.UnixEpoch);

        Assert.Equal("op", model.OperationName);
        Assert.Equal(SpanFlags.Sampled, model.Flags);
        Assert.Equal(duration, model.DurationMicros);
        Assert.Empty(model.Logs);
        Assert.Equal(["before"], model.Tags.Select(t => t.Key));

        // The context is still the span's own, with the parent it was started with.
        var context = (JaegerSpanContext)span.Context;
        Assert.Equal(model.SpanId, context.SpanId);
        Assert.Equal(((JaegerSpanContext)parent.Context).SpanId, context.ParentId);
        Assert.True(context.IsSampled);
        Assert.Equal("bag", span.GetBaggageItem("late"));
    }

    [Fact]
    public void Tags_set_after_a_promotion_are_all_reported_even_beyond_the_first_buffer()
    {
        var (tracer, reporter) = TestTracers.Create(new ConstSampler(false));
        var span = tracer.BuildSpan("promoted").Start();
        span.SetTag(Tags.SamplingPriority, 1);
        for (var i = 0; i < 12; i++)
        {
            span.SetTag("k" + i, i);
        }

        span.Finish();

        var model = Assert.Single(reporter.GetSpans());
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), model.Tags.Where(t => t.Key.StartsWith('k')).Select(t => t.Int64Value));
        Assert.True(model.TryGetTag(Tags.SamplingPriority, out _));
        Assert.False(model.TryGetTag("sampler.type", out _));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_trace_state_from_the_parent_is_kept_by_sampled_unsampled_and_promoted_spans(bool sampled)
    {
        var (tracer, reporter) = TestTracers.Create();
        var parent = new JaegerSpanContext(new TraceId(0, 42), new SpanId(7), default, sampled ? SpanFlags.Sampled : SpanFlags.None,
            JaegerSpanContext.NoBaggage, null, "vendor=x");
        var span = tracer.BuildSpan("op").AsChildOf(parent).Start();
        Assert.Equal("vendor=x", ((JaegerSpanContext)span.Context).TraceState);
        var child = tracer.BuildSpan("child").AsChildOf(span).Start();
        Assert.Equal("vendor=x", ((JaegerSpanContext)child.Context).TraceState);

        span.SetTag(Tags.SamplingPriority, 1);
        span.Log("after");
        var context = (JaegerSpanContext)span.Context;
        Assert.Equal("vendor=x", context.TraceState);
        Assert.Equal(new SpanId(7), context.ParentId);
        span.Finish();

        var model = Assert.Single(reporter.GetSpans());
        Assert.Equal(new SpanId(7), model.ParentSpanId);
        Assert.Single(model.Logs);
    }

    [Fact]
    public void Only_root_spans_carry_the_sampler_tags_and_each_root_reports_its_own_copy_of_them()
    {
        var (tracer, reporter) = TestTracers.Create(new ProbabilisticSampler(1.0));
        var first = tracer.BuildSpan("root").Start();
        tracer.BuildSpan("child").AsChildOf(first).Start().Finish();
        first.Finish();
        tracer.BuildSpan("root").Start().Finish();

        var spans = reporter.GetSpans();
        var roots = spans.Where(s => s.OperationName == "root").ToArray();
        Assert.Equal(2, roots.Length);
        Assert.All(roots, r =>
        {
            Assert.True(r.TryGetTag("sampler.type", out var type) && type.StringValue == "probabilistic");
            Assert.True(r.TryGetTag("sampler.param", out var param) && param.Float64Value == 1.0);
        });
        Assert.NotSame(roots[0], roots[1]);
        Assert.False(spans.Single(s => s.OperationName == "child").TryGetTag("sampler.type", out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_unsampled_span_context_follows_its_baggage_and_survives_promotion(bool withReferenceAndTraceState)
    {
        var (tracer, reporter) = TestTracers.Create(new ConstSampler(false));
        var builder = tracer.BuildSpan("op");
        if (withReferenceAndTraceState)
        {
            builder.AddReference(References.FollowsFrom, new JaegerSpanContext(new TraceId(0, 9), new SpanId(3), default, SpanFlags.None,
                JaegerSpanContext.NoBaggage, null, "vendor=y"));
        }

        var span = builder.Start();
        var first = (JaegerSpanContext)span.Context;
        Assert.Same(first, span.Context);
        Assert.Empty(first.GetBaggageItems());

        span.SetBaggageItem("user", "ann");
        var second = (JaegerSpanContext)span.Context;
        Assert.NotSame(first, second);
        Assert.Equal("ann", second.GetBaggageItem("user"));
        Assert.Equal(first.SpanId, second.SpanId);
        Assert.Equal(withReferenceAndTraceState ? "vendor=y" : null, second.TraceState);

        span.SetTag(Tags.SamplingPriority, 1);
        var promoted = (JaegerSpanContext)span.Context;
        Assert.True(promoted.IsSampled);
        Assert.Equal(first.SpanId, promoted.SpanId);
        Assert.Equal("ann", promoted.GetBaggageItem("user"));
        Assert.Equal(withReferenceAndTraceState ? "vendor=y" : null, promoted.TraceState);
        span.Finish();

        var model = Assert.Single(reporter.GetSpans());
        Assert.Equal(withReferenceAndTraceState ? 1 : 0, model.References.Length);
        Assert.Contains("op", span.ToString(), StringComparison.Ordinal);
    }
}
