using System.Collections.Immutable;
using Jaeger.Model;

namespace Jaeger.Core.Tests.Model;

public class SpanTests
{
    private static readonly TraceId Trace = new(0, 7);

    [Fact]
    public void ParentSpanId_prefers_child_of_in_same_trace_over_follows_from()
    {
        var span = new Span
        {
            TraceId = Trace,
            References = [
                new SpanRef(new TraceId(0, 99), new SpanId(1), SpanRefType.ChildOf),
                new SpanRef(Trace, new SpanId(2), SpanRefType.FollowsFrom),
                new SpanRef(Trace, new SpanId(3), SpanRefType.ChildOf),
            ],
        };
        Assert.Equal(new SpanId(3), span.ParentSpanId);
    }

    [Fact]
    public void ParentSpanId_falls_back_to_first_follows_from_in_same_trace_then_zero()
    {
        var span = new Span
        {
            TraceId = Trace,
            References = [
                new SpanRef(new TraceId(0, 99), new SpanId(1), SpanRefType.ChildOf),
                new SpanRef(Trace, new SpanId(2), SpanRefType.FollowsFrom),
                new SpanRef(Trace, new SpanId(4), SpanRefType.FollowsFrom),
            ],
        };
        Assert.Equal(new SpanId(2), span.ParentSpanId);
        Assert.True(new Span { TraceId = Trace, References = [new SpanRef(new TraceId(0, 99), new SpanId(1))] }.ParentSpanId.IsEmpty);
    }

    [Fact]
    public void Times_keep_microsecond_precision()
    {
        var start = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero).AddTicks(12_340);
        var span = new Span { StartTime = start, Duration = TimeSpan.FromTicks(15) };
        Assert.Equal(start.AddTicks(-start.Ticks % 10), span.StartTime);
        Assert.Equal(1, span.DurationMicros);
        Assert.Equal(Time.ToUnixMicros(start), span.StartTimeMicros);
    }

    [Fact]
    public void Default_collections_are_empty_not_default()
    {
        var span = new Span { Tags = default, Logs = default };
        Assert.Empty(span.Tags);
        Assert.Empty(span.Logs);
        Assert.Empty(span.References);
        Assert.Empty(new Log(1, default).Fields);
    }

    [Theory]
    [MemberData(nameof(KeyValues))]
    public void KeyValue_renders_values_as_text_for_search(KeyValue kv, string text)
    {
        Assert.Equal(text, kv.ValueAsString());
        Assert.True(kv.ValueEquals(text));
        Assert.False(kv.ValueEquals(text + "x"));
    }

    public static TheoryData<KeyValue, string> KeyValues() => new()
    {
        { KeyValue.String("s", "v"), "v" },
        { KeyValue.Bool("b", true), "true" },
        { KeyValue.Bool("b", false), "false" },
        { KeyValue.Int64("i", -42), "-42" },
        { KeyValue.Float64("f", 72.5), "72.5" },
        { KeyValue.Binary("x", [0xde, 0xad]), "dead" },
    };

    [Fact]
    public void KeyValue_typed_accessors_and_equality()
    {
        Assert.Equal(KeyValue.Binary("x", [1, 2]), KeyValue.Binary("x", [1, 2]));
        Assert.NotEqual(KeyValue.Int64("x", 1), KeyValue.Float64("x", 1));
        Assert.Equal(3.25, KeyValue.Float64("x", 3.25).Float64Value);
        Assert.Equal(0, KeyValue.String("x", "1").Int64Value);
        Assert.Equal("span.kind", WellKnownTags.SpanKind);
        var span = new Span { Tags = ImmutableArray.Create(KeyValue.String("span.kind", "server")) };
        Assert.Equal("server", span.SpanKind);
    }

    [Fact]
    public void Clone_of_a_derived_span_is_a_plain_span_with_the_same_values()
    {
        var span = new DerivedSpan
        {
            TraceId = Trace,
            SpanId = new SpanId(5),
            OperationName = "op",
            References = [new SpanRef(Trace, new SpanId(2), SpanRefType.ChildOf)],
            Flags = SpanFlags.Sampled,
            StartTimeMicros = 10,
            DurationMicros = 20,
            Tags = [KeyValue.Int64("n", 1)],
            Logs = [new Log(11, [KeyValue.String("event", "e")])],
            Process = new Process("svc", []),
            Warnings = ["w"],
        };

        var clone = span.Clone();

        Assert.Equal(typeof(Span), clone.GetType());
        Assert.Equal(span.TraceId, clone.TraceId);
        Assert.Equal(span.SpanId, clone.SpanId);
        Assert.Equal(span.OperationName, clone.OperationName);
        Assert.Equal(span.References, clone.References);
        Assert.Equal(span.Flags, clone.Flags);
        Assert.Equal(span.StartTimeMicros, clone.StartTimeMicros);
        Assert.Equal(span.DurationMicros, clone.DurationMicros);
        Assert.Equal(span.Tags, clone.Tags);
        Assert.Equal(span.Logs, clone.Logs);
        Assert.Same(span.Process, clone.Process);
        Assert.Equal(span.Warnings, clone.Warnings);
    }

    private sealed class DerivedSpan : Span
    {
    }
}
