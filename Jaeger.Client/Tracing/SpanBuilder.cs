using System.Collections.Immutable;
using System.Diagnostics;
using Jaeger.Client.Bridge;
using Jaeger.Model;

namespace Jaeger.Client.Tracing;

/// <summary>
/// Builds one span. Each thread keeps one builder: BuildSpan hands it out and Start makes it free again. A builder asked for
/// while the thread's one is out (a second BuildSpan before the first Start, or a builder never started) is a new one,
/// which then becomes the thread's.
/// </summary>
internal sealed class SpanBuilder : ISpanBuilder
{
    private readonly List<Parent> _parents = [];
    private readonly List<KeyValue> _tags = [];

    // The tracer and operation name stay after a start (written again only when they differ), so the usual
    // BuildSpan of the same tracer and name stores no object reference.
    private JaegerTracer _tracer = null!;
    private string _operationName = string.Empty;
    private DateTimeOffset? _start;
    private bool _ignoreActiveSpan;

    // Out: handed out by BuildSpan and not started yet. Cleared by Start, which may run on another thread.
    private volatile bool _out;

    public static SpanBuilder Rent(JaegerTracer tracer, string operationName)
    {
        var state = ThreadState.Current;
        var builder = state.Builder;
        if (builder is null || builder._out)
        {
            builder = new SpanBuilder();
            state.Builder = builder;
        }

        builder._out = true;
        if (!ReferenceEquals(builder._tracer, tracer))
        {
            builder._tracer = tracer;
        }

        if (!ReferenceEquals(builder._operationName, operationName))
        {
            builder._operationName = operationName;
        }

        return builder;
    }

    public ISpanBuilder AsChildOf(ISpanContext? parent) => AddReference(References.ChildOf, parent);

    public ISpanBuilder AsChildOf(ISpan? parent)
    {
        switch (parent)
        {
            case null:
                return this;
            case IJaegerSpan live:
                // Read the live span directly so a child of an unsampled parent does not allocate its context.
                var span = live.Current;
                _parents.Add(new Parent(SpanRefType.ChildOf, span.TraceId, span.SpanId, span.Flags, span.BaggageArray, null, span.TraceState));
                return this;
            default:
                return AddReference(References.ChildOf, parent.Context);
        }
    }

    public ISpanBuilder AddReference(string referenceType, ISpanContext? referencedContext)
    {
        if (referencedContext is not JaegerSpanContext context)
        {
            return this;
        }

        SpanRefType type;
        if (string.Equals(referenceType, References.ChildOf, StringComparison.Ordinal))
        {
            type = SpanRefType.ChildOf;
        }
        else if (string.Equals(referenceType, References.FollowsFrom, StringComparison.Ordinal))
        {
            type = SpanRefType.FollowsFrom;
        }
        else
        {
            return this;
        }

        _parents.Add(new Parent(type, context.TraceId, context.SpanId, context.Flags, context.BaggageArray, context.DebugId, context.TraceState));
        return this;
    }

    public ISpanBuilder IgnoreActiveSpan()
    {
        _ignoreActiveSpan = true;
        return this;
    }

    public ISpanBuilder WithTag(string key, string? value) => WithTag(KeyValue.String(key, value ?? string.Empty));

    public ISpanBuilder WithTag(string key, bool value) => WithTag(KeyValue.Bool(key, value));

    public ISpanBuilder WithTag(string key, int value) => WithTag(KeyValue.Int64(key, value));

    public ISpanBuilder WithTag(string key, long value) => WithTag(KeyValue.Int64(key, value));

    public ISpanBuilder WithTag(string key, double value) => WithTag(KeyValue.Float64(key, value));

    internal SpanBuilder WithTag(KeyValue tag)
    {
        _tags.Add(tag);
        return this;
    }

    public ISpanBuilder WithStartTimestamp(DateTimeOffset timestamp)
    {
        _start = timestamp;
        return this;
    }

    public IScope StartActive(bool finishSpanOnDispose = true)
    {
        var scopeManager = _tracer.ScopeManager;
        return scopeManager.Activate(Start(), finishSpanOnDispose);
    }

    public ISpan Start()
    {
        var tracer = _tracer;
        if (_parents.Count == 0 && !_ignoreActiveSpan)
        {
            if (tracer.ActiveSpanFast is { } active)
            {
                AsChildOf(active);
            }
            else if (tracer.JoinsActivities && Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
            {
                // Straight into the parent list: no context object per span.
                _parents.Add(new Parent(SpanRefType.ChildOf, ActivityBridge.ToJaeger(activity.TraceId), ActivityBridge.ToJaeger(activity.SpanId),
                    activity.Recorded ? SpanFlags.Sampled : SpanFlags.None, ActivityBridge.BaggageOf(activity), null, activity.TraceStateString));
            }
        }

        var state = ThreadState.Current;
        IJaegerSpan span;
        if (_parents.Count == 0 && _tags.Count == 0)
        {
            // The usual root: no parent, no tag that could change the decision.
            span = StartRoot(tracer, state, JaegerSpanContext.NoBaggage, out var sampled);
            tracer.Metrics.SpanStarted(sampled);
        }
        else
        {
            span = StartCore(tracer, state);
        }

        Reset();
        return span;
    }

    private static TraceId NewTraceId(JaegerTracer tracer, ThreadState state) =>
        tracer.TraceId128Bit ? new TraceId(state.NextNonZeroId(), state.NextNonZeroId()) : new TraceId(state.NextNonZeroId());

    // A new trace: its ids, the sampler's decision, and the span of that decision.
    private IJaegerSpan StartRoot(JaegerTracer tracer, ThreadState state, KeyValuePair<string, string>[] baggage, out bool sampled)
    {
        var traceId = NewTraceId(tracer, state);
        var spanId = new SpanId(traceId.Low);
        var status = tracer.Sampler.Sample(_operationName, traceId);
        sampled = status.IsSampled;
        IJaegerSpan span = sampled
            ? new SampledSpan(tracer, _operationName, traceId, spanId, default, SpanFlags.Sampled, baggage, null, default, _start, status.Tags)
            : UnsampledSpan.Start(tracer, state, _operationName, traceId, spanId, default, SpanFlags.None, baggage, null, default);
        tracer.Metrics.TraceStarted(sampled);
        return span;
    }

    private IJaegerSpan StartCore(JaegerTracer tracer, ThreadState state)
    {
        // Contexts with no trace (only a jaeger-debug-id and/or jaeger-baggage) count only when no real parent is
        // there: the new root takes their baggage, and a debug id makes it a debug trace.
        var preferred = -1;
        var container = -1;
        var realParents = 0;
        for (var i = 0; i < _parents.Count; i++)
        {
            var parent = _parents[i];
            if (parent.TraceId.IsEmpty)
            {
                if (container < 0 || (parent.DebugId is not null && _parents[container].DebugId is null))
                {
                    container = i;
                }

                continue;
            }

            realParents++;
            if (preferred < 0 || (parent.Type == SpanRefType.ChildOf && _parents[preferred].Type != SpanRefType.ChildOf))
            {
                preferred = i;
            }
        }

        // Whether the new span records, kept here so the usual path makes no interface call to ask the span.
        IJaegerSpan span;
        bool sampled;
        if (preferred < 0)
        {
            var baggage = container >= 0 ? _parents[container].Baggage : JaegerSpanContext.NoBaggage;
            if (container >= 0 && _parents[container].DebugId is { } debugId)
            {
                var traceId = NewTraceId(tracer, state);
                span = new SampledSpan(tracer, _operationName, traceId, new SpanId(traceId.Low), default, SpanFlags.Sampled | SpanFlags.Debug, baggage,
                    null, default, _start, ImmutableArray<KeyValue>.Empty);
                span.SetTag(KeyValue.String(WellKnownTags.DebugId, debugId));
                sampled = true;
                tracer.Metrics.TraceStarted(sampled: true);
            }
            else
            {
                span = StartRoot(tracer, state, baggage, out sampled);
            }
        }
        else
        {
            var main = _parents[preferred];
            var baggage = main.Baggage;
            var flags = main.Flags & (SpanFlags.Sampled | SpanFlags.Debug);

            // The usual single child_of parent needs no references array: the span derives it from the parent id.
            ImmutableArray<SpanRef> references = default;
            if (realParents == 1)
            {
                if (main.Type != SpanRefType.ChildOf)
                {
                    references = [new SpanRef(main.TraceId, main.SpanId, main.Type)];
                }
            }
            else
            {
                var builder = ImmutableArray.CreateBuilder<SpanRef>(realParents);
                foreach (var parent in _parents)
                {
                    if (!parent.TraceId.IsEmpty)
                    {
                        builder.Add(new SpanRef(parent.TraceId, parent.SpanId, parent.Type));
                        if (parent.Baggage != main.Baggage)
                        {
                            baggage = Baggage.Merge(baggage, parent.Baggage);
                        }
                    }
                }

                references = builder.MoveToImmutable();
            }

            var spanId = new SpanId(state.NextNonZeroId());
            sampled = (flags & SpanFlags.Sampled) != 0;
            span = sampled
                ? new SampledSpan(tracer, _operationName, main.TraceId, spanId, main.SpanId, flags, baggage, main.TraceState, references, _start,
                    ImmutableArray<KeyValue>.Empty)
                : UnsampledSpan.Start(tracer, state, _operationName, main.TraceId, spanId, main.SpanId, flags, baggage, main.TraceState, references);
            if (tracer.Metrics is { } metrics && HasServerKind())
            {
                metrics.TraceJoined(sampled);
            }
        }

        if (_tags.Count > 0)
        {
            // A sampling.priority tag may change the decision.
            foreach (var tag in _tags)
            {
                span.SetTag(tag);
            }

            sampled = span.IsSampled;
        }

        tracer.Metrics.SpanStarted(sampled);
        return span;
    }

    private bool HasServerKind()
    {
        foreach (var tag in _tags)
        {
            if (string.Equals(tag.Key, WellKnownTags.SpanKind, StringComparison.Ordinal) && tag.ValueEquals(Tags.SpanKindServer))
            {
                return true;
            }
        }

        return false;
    }

    private void Reset()
    {
        _parents.Clear();
        _tags.Clear();
        _start = null;
        _ignoreActiveSpan = false;
        _out = false;
    }

    private readonly record struct Parent(SpanRefType Type, TraceId TraceId, SpanId SpanId, SpanFlags Flags,
        KeyValuePair<string, string>[] Baggage, string? DebugId, string? TraceState);
}
