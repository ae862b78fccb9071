using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Jaeger.Model;

namespace Jaeger.Client.Tracing;

/// <summary>
/// A live span: <see cref="SampledSpan"/> records tags and logs and is itself the <see cref="Model.Span"/> reported at
/// <see cref="ISpan.Finish()"/>; <see cref="UnsampledSpan"/> keeps only what its context and its children need.
/// A span object is not reused: code that still holds a finished span (to read its context, or to finish it
/// again) must not see another span through it. The one exception is opt-in: a tracer with
/// <see cref="TracerSettings.PoolUnsampledSpans"/> reuses finished unsampled spans of the same thread.
/// A span is meant to be used by one thread at a time (as <see cref="System.Diagnostics.Activity"/>).
/// </summary>
internal interface IJaegerSpan : ISpan
{
    /// <summary>The span that now speaks for this one: itself, or the recording span an unsampled span was promoted to.</summary>
    IJaegerSpan Current { get; }

    TraceId TraceId { get; }

    SpanId SpanId { get; }

    SpanFlags Flags { get; }

    bool IsSampled { get; }

    KeyValuePair<string, string>[] BaggageArray { get; }

    string? TraceState { get; }

    void SetTag(in KeyValue tag);
}

/// <summary>What both kinds of live span share.</summary>
internal static class LiveSpans
{
    public static bool IsSamplingPriority(string key) => string.Equals(key, WellKnownTags.SamplingPriority, StringComparison.Ordinal);

    public static bool TryGetSamplingPriority(in KeyValue tag, out double priority)
    {
        switch (tag.Type)
        {
            case KeyValueType.Int64:
                priority = tag.Int64Value;
                return true;
            case KeyValueType.Float64:
                priority = tag.Float64Value;
                return true;
            case KeyValueType.String when int.TryParse(tag.StringValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p):
                priority = p;
                return true;
            default:
                priority = 0;
                return false;
        }
    }

    /// <summary>
    /// Applies a baggage change to <paramref name="baggage"/>; false when nothing changed. A key the tracer's baggage
    /// restrictions do not allow is refused (<paramref name="invalid"/>); the value is truncated to the key's limit
    /// (the tracer's limit without restrictions); metrics are counted.
    /// </summary>
    public static bool SetBaggage(JaegerTracer tracer, ref KeyValuePair<string, string>[] baggage, string key, ref string? value,
        out bool overridden, out bool truncated, out bool invalid)
    {
        var limit = tracer.MaxBaggageValueLength;
        overridden = false;
        truncated = false;
        invalid = tracer.BaggageRestrictions is { } restrictions && !restrictions.TryGetMaxValueLength(key, out limit);
        if (invalid)
        {
            tracer.Metrics.BaggageUpdate(ok: false);
            return false;
        }

        if (value is not null && value.Length > limit)
        {
            value = value[..limit];
            truncated = true;
            tracer.Metrics.BaggageTruncated();
        }

        var old = Baggage.Get(baggage, key);
        overridden = old is not null;
        if (value is null && old is null)
        {
            return false;
        }

        baggage = Baggage.With(baggage, key, value);
        tracer.Metrics.BaggageUpdate(ok: true);
        return true;
    }
}

/// <summary>
/// A span of a sampled trace. It is its own <see cref="Model.Span"/>: ids, name, references and start time are set
/// at start, tags go into the model's tag array (of the final size when the operation's last span predicts it), and
/// at finish the same object is handed to the reporter. After that it changes no more: late tags, logs, a new name
/// or a new sampling priority are ignored; its context can still be read.
/// </summary>
internal sealed class SampledSpan : Span, IJaegerSpan
{
    private const int DefaultTagCapacity = 8;

    private readonly JaegerTracer _tracer;
    private KeyValuePair<string, string>[] _baggage;
    private JaegerSpanContext? _context;

    // The trace state and the logs: rare, so they live in a side object created when first needed.
    private Extras? _extras;
    private int _tagCount;

    // 1 once finished.
    private int _finished;

    // start: an explicit start time, or null for now. references: default for a root or a single child_of the
    // parent id. initialTags: tags the span starts with (a sampled root's sampler tags).
    public SampledSpan(JaegerTracer tracer, string operationName, TraceId traceId, SpanId spanId, SpanId parentId, SpanFlags flags,
        KeyValuePair<string, string>[] baggage, string? traceState, ImmutableArray<SpanRef> references, DateTimeOffset? start,
        ImmutableArray<KeyValue> initialTags)
    {
        _tracer = tracer;
        _baggage = baggage;
        if (traceState is not null)
        {
            _extras = new Extras { TraceState = traceState };
        }

        var clock = tracer.Clock;
        if (start is { } explicitStart)
        {
            StartTimeMicros = Time.ToUnixMicros(explicitStart);
        }
        else
        {
            // Until the finish, the duration field holds the monotonic start timestamp (never 0 once read).
            var timestamp = clock.GetTimestamp();
            StartTimestamp = timestamp;
            StartTimeMicros = clock.ToUnixMicros(timestamp);
        }

        if (references.IsDefault && !parentId.IsEmpty)
        {
            references = [new SpanRef(traceId, parentId, SpanRefType.ChildOf)];
        }

        TraceId = traceId;
        SpanId = spanId;
        if (!references.IsDefault)
        {
            References = references;
        }

        OperationName = operationName;
        Flags = flags;
        Process = tracer.Process;

        // A tag array of the size this operation's spans ended with last time becomes the reported array as it is.
        var expected = tracer.TagCountHints.Get(operationName);
        if (expected > 0)
        {
            var tags = new KeyValue[expected];
            Tags = ImmutableCollectionsMarshal.AsImmutableArray(tags);
            if (initialTags.Length <= expected)
            {
                initialTags.AsSpan().CopyTo(tags);
                _tagCount = initialTags.Length;
                return;
            }
        }

        foreach (var tag in initialTags)
        {
            AddTag(tag);
        }
    }

    private long StartTimestamp
    {
        get => DurationMicros;
        set => DurationMicros = value;
    }

    internal JaegerTracer Tracer => _tracer;

    public IJaegerSpan Current => this;

    public KeyValuePair<string, string>[] BaggageArray => _baggage;

    public string? TraceState => _extras?.TraceState;

    public ISpanContext Context => JaegerContext;

    internal JaegerSpanContext JaegerContext =>
        _context ??= new JaegerSpanContext(TraceId, SpanId, ParentSpanId, Flags, _baggage, null, TraceState);

    private bool IsFinished => Volatile.Read(ref _finished) != 0;

    public ISpan SetOperationName(string operationName)
    {
        ArgumentNullException.ThrowIfNull(operationName);
        if (!IsFinished)
        {
            OperationName = operationName;
        }

        return this;
    }

    public ISpan SetTag(string key, string? value)
    {
        if (LiveSpans.IsSamplingPriority(key) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var priority))
        {
            ApplySamplingPriority(priority);
        }

        if (IsSampled)
        {
            AddTag(KeyValue.String(key, value ?? string.Empty));
        }

        return this;
    }

    public ISpan SetTag(string key, bool value)
    {
        if (IsSampled)
        {
            AddTag(KeyValue.Bool(key, value));
        }

        return this;
    }

    public ISpan SetTag(string key, int value) => SetTag(key, (long)value);

    public ISpan SetTag(string key, long value)
    {
        if (LiveSpans.IsSamplingPriority(key))
        {
            ApplySamplingPriority(value);
        }

        if (IsSampled)
        {
            AddTag(KeyValue.Int64(key, value));
        }

        return this;
    }

    public ISpan SetTag(string key, double value)
    {
        if (LiveSpans.IsSamplingPriority(key))
        {
            ApplySamplingPriority(value);
        }

        if (IsSampled)
        {
            AddTag(KeyValue.Float64(key, value));
        }

        return this;
    }

    public void SetTag(in KeyValue tag)
    {
        if (LiveSpans.IsSamplingPriority(tag.Key) && LiveSpans.TryGetSamplingPriority(tag, out var priority))
        {
            ApplySamplingPriority(priority);
        }

        if (IsSampled)
        {
            AddTag(tag);
        }
    }

    private void ApplySamplingPriority(double priority)
    {
        // The reported span does not change after the finish.
        if (IsFinished)
        {
            return;
        }

        if (priority > 0)
        {
            SetFlags(Flags | SpanFlags.Sampled | SpanFlags.Debug);
        }
        else if (priority == 0)
        {
            SetFlags(Flags & ~(SpanFlags.Sampled | SpanFlags.Debug));
        }
    }

    private void SetFlags(SpanFlags flags)
    {
        Flags = flags;
        _context = null;
    }

    private void AddTag(in KeyValue tag)
    {
        if (IsFinished)
        {
            // The span was handed to the reporter: a late tag must not change it.
            return;
        }

        var tags = ImmutableCollectionsMarshal.AsArray(Tags)!;
        var count = _tagCount;
        if (count == tags.Length)
        {
            tags = Grow(tags);
        }

        tags[count] = tag;
        _tagCount = count + 1;
    }

    // The first tag takes this thread's scratch buffer (or a new one); a full array is replaced by one twice as large.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private KeyValue[] Grow(KeyValue[] tags)
    {
        KeyValue[] bigger;
        if (tags.Length == 0)
        {
            bigger = ThreadState.Current.TakeTagBuffer() ?? new KeyValue[DefaultTagCapacity];
        }
        else
        {
            bigger = new KeyValue[Math.Max(DefaultTagCapacity, tags.Length * 2)];
            tags.AsSpan().CopyTo(bigger);
            ReleaseBuffer(tags);
        }

        Tags = ImmutableCollectionsMarshal.AsImmutableArray(bigger);
        return bigger;
    }

    // A buffer not reported (outgrown, or not the final size) becomes this thread's scratch buffer.
    private static void ReleaseBuffer(KeyValue[] buffer)
    {
        if (buffer.Length == 0)
        {
            // The shared empty array.
            return;
        }

        Array.Clear(buffer);
        ThreadState.Current.ReturnTagBuffer(buffer);
    }

    public ISpan Log(IEnumerable<KeyValuePair<string, object?>> fields) => LogFields(null, fields);

    public ISpan Log(DateTimeOffset timestamp, IEnumerable<KeyValuePair<string, object?>> fields) => LogFields(timestamp, fields);

    public ISpan Log(string eventName) => LogEvent(null, eventName);

    public ISpan Log(DateTimeOffset timestamp, string eventName) => LogEvent(timestamp, eventName);

    private ISpan LogFields(DateTimeOffset? timestamp, IEnumerable<KeyValuePair<string, object?>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (IsSampled)
        {
            var builder = ImmutableArray.CreateBuilder<KeyValue>();
            foreach (var (key, value) in fields)
            {
                builder.Add(TagValues.From(key, value));
            }

            AddLog(timestamp, builder.ToImmutable());
        }

        return this;
    }

    private ISpan LogEvent(DateTimeOffset? timestamp, string eventName)
    {
        if (IsSampled)
        {
            AddLog(timestamp, [KeyValue.String(Client.LogFields.Event, eventName ?? string.Empty)]);
        }

        return this;
    }

    private void AddLog(DateTimeOffset? timestamp, ImmutableArray<KeyValue> fields)
    {
        if (IsFinished)
        {
            return;
        }

        var micros = timestamp is { } t ? Time.ToUnixMicros(t) : _tracer.Clock.NowUnixMicros();
        ((_extras ??= new Extras()).Logs ??= []).Add(new Log(micros, fields));
    }

    public ISpan SetBaggageItem(string key, string? value)
    {
        if (key is null)
        {
            return this;
        }

        var changed = LiveSpans.SetBaggage(_tracer, ref _baggage, key, ref value, out var overridden, out var truncated, out var invalid);
        if (changed)
        {
            _context = null;
        }

        // A refused key is logged as the Jaeger clients do; an unchanged item (removing a missing key) is not.
        if (!IsSampled || !(changed || invalid))
        {
            return this;
        }

        var fields = ImmutableArray.CreateBuilder<KeyValue>(5);
        fields.Add(KeyValue.String(Client.LogFields.Event, "baggage"));
        fields.Add(KeyValue.String("key", key));
        fields.Add(KeyValue.String("value", value ?? string.Empty));
        if (overridden)
        {
            fields.Add(KeyValue.Bool("override", true));
        }

        if (truncated)
        {
            fields.Add(KeyValue.Bool("truncated", true));
        }

        if (invalid)
        {
            fields.Add(KeyValue.Bool("invalid", true));
        }

        AddLog(null, fields.ToImmutable());
        return this;
    }

    public string? GetBaggageItem(string key) => Baggage.Get(_baggage, key);

    public void Finish() => FinishCore(null);

    public void Finish(DateTimeOffset finishTimestamp) => FinishCore(finishTimestamp);

    private void FinishCore(DateTimeOffset? finish)
    {
        // Finishing twice (even from two threads) reports once.
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        var tags = ImmutableCollectionsMarshal.AsArray(Tags)!;
        var count = _tagCount;
        var tracer = _tracer;
        if (!IsSampled)
        {
            tracer.RpcMetrics?.Observe(OperationName, tags.AsSpan(0, count), DurationUntil(finish));
            Tags = ImmutableArray<KeyValue>.Empty;
            ReleaseBuffer(tags);
            return;
        }

        var duration = DurationUntil(finish);
        tracer.RpcMetrics?.Observe(OperationName, tags.AsSpan(0, count), duration);

        if (count != tags.Length)
        {
            Tags = count == 0 ? ImmutableArray<KeyValue>.Empty : ImmutableCollectionsMarshal.AsImmutableArray(tags.AsSpan(0, count).ToArray());
            ReleaseBuffer(tags);
        }

        tracer.TagCountHints.Set(OperationName, count);
        DurationMicros = Math.Max(0, duration);
        if (_extras?.Logs is { } logs)
        {
            Logs = [.. logs];
            _extras.Logs = null;
        }

        tracer.Report(this);
    }

    // Microseconds from the start to the given finish time, or to now.
    private long DurationUntil(DateTimeOffset? finish)
    {
        var clock = _tracer.Clock;
        if (finish is { } explicitFinish)
        {
            return Time.ToUnixMicros(explicitFinish) - StartTimeMicros;
        }

        return StartTimestamp != 0 ? clock.ElapsedMicros(StartTimestamp, clock.GetTimestamp()) : clock.NowUnixMicros() - StartTimeMicros;
    }

    public override string ToString() => $"{JaegerContext} - {OperationName}";

    private sealed class Extras
    {
        public string? TraceState { get; init; }

        public List<Log>? Logs { get; set; }
    }
}

/// <summary>
/// A span of an unsampled trace: ids, flags, baggage and name only; tags and logs are ignored as in the Jaeger
/// clients. A <c>sampling.priority</c> above zero promotes it: from then on a <see cref="SampledSpan"/> with the same
/// ids records for it (its start is the promotion time, since the real start was not recorded).
/// </summary>
internal sealed class UnsampledSpan : IJaegerSpan
{
    // Not readonly: a tracer that pools unsampled spans re-initializes a finished one for its next span.
    private JaegerTracer _tracer = null!;
    private TraceId _traceId;
    private SpanId _spanId;
    private SpanId _parentId;
    private KeyValuePair<string, string>[] _baggage = JaegerSpanContext.NoBaggage;
    private string _operationName = string.Empty;
    private SpanFlags _flags;
    private bool _finished;

    // With PoolUnsampledSpans: set last by a finish that did not promote, so the object may become the starting
    // thread's next unsampled span.
    private bool _reusable;

    // One field for what is rare or read late, so the unsampled span stays small. Before a promotion: null (a root or
    // a single child_of the parent id, no trace state, context not read yet), the cached context (the same, once
    // read), or Extras (references or a trace state, and the cached context); after a promotion: the recording span.
    private object? _state;

    private UnsampledSpan()
    {
    }

    /// <summary>
    /// A new unsampled span; with <see cref="TracerSettings.PoolUnsampledSpans"/>, a finished one of this thread's
    /// pool made into the new span. references: kept for a promotion; default for a root or a single child_of the
    /// parent id.
    /// </summary>
    public static UnsampledSpan Start(JaegerTracer tracer, ThreadState state, string operationName, TraceId traceId, SpanId spanId,
        SpanId parentId, SpanFlags flags, KeyValuePair<string, string>[] baggage, string? traceState, ImmutableArray<SpanRef> references)
    {
        UnsampledSpan span;
        if (!tracer.PoolUnsampledSpans)
        {
            span = new UnsampledSpan();
        }
        else if (state.LastUnsampledSpan is { } last && Volatile.Read(ref last._reusable))
        {
            // The thread's last unsampled span is finished (here or on another thread): it becomes this one. Finish
            // needs no thread-local lookup this way.
            span = last;
            span._reusable = false;
        }
        else
        {
            span = new UnsampledSpan();
            state.LastUnsampledSpan = span;
        }

        // A reused span usually has the same tracer, name and (empty) baggage: comparing is cheaper than storing.
        if (!ReferenceEquals(span._tracer, tracer))
        {
            span._tracer = tracer;
        }

        if (!ReferenceEquals(span._operationName, operationName))
        {
            span._operationName = operationName;
        }

        if (!ReferenceEquals(span._baggage, baggage))
        {
            span._baggage = baggage;
        }

        span._traceId = traceId;
        span._spanId = spanId;
        span._parentId = parentId;
        span._flags = flags;
        span._finished = false;
        span._state = traceState is not null || !references.IsDefault || tracer.RpcMetrics is not null
            ? new Extras(references.IsDefault ? null : ImmutableCollectionsMarshal.AsArray(references), traceState)
            {
                // RPC metrics need the tags and the duration of every server span, sampled or not.
                RpcStart = tracer.RpcMetrics is null ? 0 : tracer.Clock.GetTimestamp(),
            }
            : null;
        return span;
    }

    private SampledSpan? Promoted => _state as SampledSpan;

    public IJaegerSpan Current => (IJaegerSpan?)Promoted ?? this;

    public TraceId TraceId => _traceId;

    public SpanId SpanId => _spanId;

    public SpanFlags Flags => _flags;

    public bool IsSampled => (_flags & SpanFlags.Sampled) != 0;

    public KeyValuePair<string, string>[] BaggageArray => _baggage;

    // After a promotion, the promoted span's (the same).
    public string? TraceState => _state switch
    {
        Extras extras => extras.TraceState,
        SampledSpan promoted => promoted.TraceState,
        _ => null,
    };

    public ISpanContext Context => _state switch
    {
        JaegerSpanContext cached => cached,
        SampledSpan promoted => promoted.Context,
        _ => OwnContext(),
    };

    // Not promoted: the cached context, created on first use.
    private JaegerSpanContext OwnContext()
    {
        switch (_state)
        {
            case JaegerSpanContext cached:
                return cached;
            case Extras extras:
                return extras.Context ??= new JaegerSpanContext(_traceId, _spanId, _parentId, _flags, _baggage, null, extras.TraceState);
            default:
                var context = new JaegerSpanContext(_traceId, _spanId, _parentId, _flags, _baggage, null, null);
                _state = context;
                return context;
        }
    }

    public ISpan SetOperationName(string operationName)
    {
        ArgumentNullException.ThrowIfNull(operationName);
        Promoted?.SetOperationName(operationName);
        _operationName = operationName;
        return this;
    }

    // The usual tag on an unsampled span changes nothing: not promoted, no cached context, and a key that cannot be
    // sampling.priority. That test is small enough to be inlined into the caller; the rest is in the Slow methods.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Ignores(string key) => _state is null && key is not null && key.Length != WellKnownTags.SamplingPriority.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ISpan SetTag(string key, string? value)
    {
        if (!Ignores(key))
        {
            SetTagSlow(key, value);
        }

        return this;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ISpan SetTag(string key, bool value)
    {
        if (!Ignores(key))
        {
            SetTagSlow(key, value);
        }

        return this;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ISpan SetTag(string key, int value) => SetTag(key, (long)value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ISpan SetTag(string key, long value)
    {
        if (!Ignores(key))
        {
            SetTagSlow(key, value);
        }

        return this;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ISpan SetTag(string key, double value)
    {
        if (!Ignores(key))
        {
            SetTagSlow(key, value);
        }

        return this;
    }

    // Tags of an unsampled span are dropped; with RPC metrics on, the ones they look at are noted first.
    private void Observe(in KeyValue tag)
    {
        if (_state is Extras { RpcStart: not 0 } extras)
        {
            extras.Rpc.Add(tag);
        }
    }

    private void SetTagSlow(string key, string? value)
    {
        if (Promoted is { } p)
        {
            p.SetTag(key, value);
            return;
        }

        Observe(KeyValue.String(key, value ?? string.Empty));
        if (LiveSpans.IsSamplingPriority(key) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var priority))
        {
            Promote(priority)?.SetTag(key, value);
        }
    }

    private void SetTagSlow(string key, long value)
    {
        if (Promoted is { } p)
        {
            p.SetTag(key, value);
            return;
        }

        Observe(KeyValue.Int64(key, value));
        if (LiveSpans.IsSamplingPriority(key))
        {
            Promote(value)?.SetTag(key, value);
        }
    }

    private void SetTagSlow(string key, bool value)
    {
        if (Promoted is { } p)
        {
            p.SetTag(key, value);
        }
        else
        {
            Observe(KeyValue.Bool(key, value));
        }
    }

    private void SetTagSlow(string key, double value)
    {
        if (Promoted is { } p)
        {
            p.SetTag(key, value);
        }
        else if (LiveSpans.IsSamplingPriority(key))
        {
            Promote(value)?.SetTag(key, value);
        }
    }

    public void SetTag(in KeyValue tag)
    {
        if (Promoted is { } p)
        {
            p.SetTag(tag);
            return;
        }

        Observe(tag);
        if (LiveSpans.IsSamplingPriority(tag.Key) && LiveSpans.TryGetSamplingPriority(tag, out var priority))
        {
            Promote(priority)?.SetTag(tag);
        }
    }

    private SampledSpan? Promote(double priority)
    {
        if (priority <= 0 || _finished)
        {
            return null;
        }

        var extras = _state as Extras;
        var references = ImmutableCollectionsMarshal.AsImmutableArray(extras?.References);
        var promoted = new SampledSpan(_tracer, _operationName, _traceId, _spanId, _parentId, _flags | SpanFlags.Sampled | SpanFlags.Debug,
            _baggage, extras?.TraceState, references, null, ImmutableArray<KeyValue>.Empty);
        _state = promoted;
        return promoted;
    }

    public ISpan Log(IEnumerable<KeyValuePair<string, object?>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Promoted?.Log(fields);
        return this;
    }

    public ISpan Log(DateTimeOffset timestamp, IEnumerable<KeyValuePair<string, object?>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Promoted?.Log(timestamp, fields);
        return this;
    }

    public ISpan Log(string eventName)
    {
        Promoted?.Log(eventName);
        return this;
    }

    public ISpan Log(DateTimeOffset timestamp, string eventName)
    {
        Promoted?.Log(timestamp, eventName);
        return this;
    }

    public ISpan SetBaggageItem(string key, string? value)
    {
        if (Promoted is { } p)
        {
            p.SetBaggageItem(key, value);
        }
        else if (key is not null && LiveSpans.SetBaggage(_tracer, ref _baggage, key, ref value, out _, out _, out _))
        {
            // The cached context carries the old baggage.
            if (_state is Extras extras)
            {
                extras.Context = null;
            }
            else
            {
                _state = null;
            }
        }

        return this;
    }

    public string? GetBaggageItem(string key) => Promoted is { } p ? p.GetBaggageItem(key) : Baggage.Get(_baggage, key);

    public void Finish()
    {
        // Nothing is reported for an unsampled span, so a plain flag is enough to make a second finish harmless.
        if (!_finished)
        {
            _finished = true;
            if (Promoted is { } p)
            {
                p.Finish();
                return;
            }

            if (_state is Extras { RpcStart: not 0 } extras)
            {
                var clock = _tracer.Clock;
                _tracer.RpcMetrics!.Record(_operationName, extras.Rpc, clock.ElapsedMicros(extras.RpcStart, clock.GetTimestamp()));
            }

            if (_tracer.PoolUnsampledSpans)
            {
                // Last: everything above is done before the object can be reused.
                Volatile.Write(ref _reusable, true);
            }
        }
    }

    public void Finish(DateTimeOffset finishTimestamp)
    {
        if (!_finished)
        {
            _finished = true;
            if (Promoted is { } p)
            {
                p.Finish(finishTimestamp);
                return;
            }

            if (_state is Extras { RpcStart: not 0 } extras)
            {
                _tracer.RpcMetrics!.Record(_operationName, extras.Rpc, Time.ToUnixMicros(finishTimestamp) - _tracer.Clock.ToUnixMicros(extras.RpcStart));
            }

            if (_tracer.PoolUnsampledSpans)
            {
                // Last: everything above is done before the object can be reused.
                Volatile.Write(ref _reusable, true);
            }
        }
    }

    public override string ToString() => Promoted is { } p ? p.ToString() : $"{OwnContext()} - {_operationName}";

    private sealed class Extras(SpanRef[]? references, string? traceState)
    {
        public SpanRef[]? References { get; } = references;

        public string? TraceState { get; } = traceState;

        public JaegerSpanContext? Context { get; set; }

        // With RPC metrics on: the start timestamp (never 0 once read) and what the tags said so far.
        public long RpcStart { get; init; }

        public Diagnostics.RpcMetrics.Observation Rpc;
    }
}

/// <summary>Converts log field values to typed key-values.</summary>
internal static class TagValues
{
    public static KeyValue From(string key, object? value) => value switch
    {
        null => KeyValue.String(key, "null"),
        string s => KeyValue.String(key, s),
        bool b => KeyValue.Bool(key, b),
        int i => KeyValue.Int64(key, i),
        long l => KeyValue.Int64(key, l),
        short s => KeyValue.Int64(key, s),
        byte b => KeyValue.Int64(key, b),
        sbyte b => KeyValue.Int64(key, b),
        ushort u => KeyValue.Int64(key, u),
        uint u => KeyValue.Int64(key, u),
        ulong u when u <= long.MaxValue => KeyValue.Int64(key, (long)u),
        double d => KeyValue.Float64(key, d),
        float f => KeyValue.Float64(key, f),
        decimal m => KeyValue.Float64(key, (double)m),
        byte[] bytes => KeyValue.Binary(key, bytes),
        IFormattable f => KeyValue.String(key, f.ToString(null, CultureInfo.InvariantCulture)),
        _ => KeyValue.String(key, value.ToString() ?? string.Empty),
    };
}
