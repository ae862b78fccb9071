using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using Jaeger.Model;

namespace Jaeger.Client.Tracing;

/// <summary>
/// A live span: <see cref="SampledSpan"/> records tags and logs and becomes a <see cref="Model.Span"/> at
/// <see cref="Finish()"/>; <see cref="UnsampledSpan"/> keeps only what its context and its children need.
/// A span object is never reused: code that still holds a finished span (to read its context, or to finish it
/// again) must not see another span through it.
/// A span is meant to be used by one thread at a time (as <see cref="System.Diagnostics.Activity"/>).
/// </summary>
internal abstract class JaegerSpan : ISpan
{
    private readonly TraceId _traceId;
    private readonly SpanId _spanId;
    private readonly SpanId _parentId;
    private readonly string? _traceState;
    private KeyValuePair<string, string>[] _baggage;
    private JaegerSpanContext? _context;
    private string _operationName;
    private SpanFlags _flags;

    /// <summary>1 once finished; in the base class so it shares an 8-byte slot with the flags.</summary>
    private protected int _finished;

    private protected JaegerSpan(JaegerTracer tracer, string operationName, TraceId traceId, SpanId spanId, SpanId parentId, SpanFlags flags,
        KeyValuePair<string, string>[] baggage, string? traceState)
    {
        Tracer = tracer;
        _operationName = operationName;
        _traceId = traceId;
        _spanId = spanId;
        _parentId = parentId;
        _flags = flags;
        _baggage = baggage;
        _traceState = traceState;
    }

    internal JaegerTracer Tracer { get; }

    internal TraceId TraceId => _traceId;

    internal SpanId SpanId => _spanId;

    internal SpanId ParentId => _parentId;

    internal SpanFlags Flags
    {
        get => _flags;
        private protected set
        {
            _flags = value;
            _context = null;
        }
    }

    internal bool IsSampled => (_flags & SpanFlags.Sampled) != 0;

    internal KeyValuePair<string, string>[] BaggageArray => _baggage;

    internal string? TraceState => _traceState;

    internal string OperationName => _operationName;

    /// <summary>The span that now speaks for this one: itself, or the recording span an unsampled span was promoted to.</summary>
    internal virtual JaegerSpan Current => this;

    public virtual ISpanContext Context => JaegerContext;

    internal JaegerSpanContext JaegerContext =>
        _context ??= new JaegerSpanContext(_traceId, _spanId, _parentId, _flags, _baggage, null, _traceState);

    public virtual ISpan SetOperationName(string operationName)
    {
        _operationName = operationName ?? throw new ArgumentNullException(nameof(operationName));
        return this;
    }

    public abstract ISpan SetTag(string key, string? value);

    public abstract ISpan SetTag(string key, bool value);

    public ISpan SetTag(string key, int value) => SetTag(key, (long)value);

    public abstract ISpan SetTag(string key, long value);

    public abstract ISpan SetTag(string key, double value);

    internal abstract void SetTag(in KeyValue tag);

    public ISpan Log(IEnumerable<KeyValuePair<string, object?>> fields) => LogFields(null, fields);

    public ISpan Log(DateTimeOffset timestamp, IEnumerable<KeyValuePair<string, object?>> fields) => LogFields(timestamp, fields);

    public ISpan Log(string eventName) => LogEvent(null, eventName);

    public ISpan Log(DateTimeOffset timestamp, string eventName) => LogEvent(timestamp, eventName);

    private protected abstract ISpan LogFields(DateTimeOffset? timestamp, IEnumerable<KeyValuePair<string, object?>> fields);

    private protected abstract ISpan LogEvent(DateTimeOffset? timestamp, string eventName);

    public virtual ISpan SetBaggageItem(string key, string? value)
    {
        if (key is null)
        {
            return this;
        }

        var limit = Tracer.MaxBaggageValueLength;
        var truncated = false;
        if (value is not null && value.Length > limit)
        {
            value = value[..limit];
            truncated = true;
            Tracer.Metrics.BaggageTruncated();
        }

        var old = Baggage.Get(_baggage, key);
        if (value is null && old is null)
        {
            return this;
        }

        _baggage = Baggage.With(_baggage, key, value);
        _context = null;
        Tracer.Metrics.BaggageUpdate(ok: true);
        OnBaggageSet(key, value, old is not null, truncated);
        return this;
    }

    private protected virtual void OnBaggageSet(string key, string? value, bool overridden, bool truncated)
    {
    }

    public virtual string? GetBaggageItem(string key) => Baggage.Get(_baggage, key);

    public void Finish() => FinishCore(null);

    public void Finish(DateTimeOffset finishTimestamp) => FinishCore(finishTimestamp);

    private protected abstract void FinishCore(DateTimeOffset? finish);

    private protected static bool IsSamplingPriority(string key) => string.Equals(key, WellKnownTags.SamplingPriority, StringComparison.Ordinal);

    private protected static bool TryGetSamplingPriority(in KeyValue tag, out double priority)
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

    public override string ToString() => $"{Current.JaegerContext} - {Current.OperationName}";
}

/// <summary>
/// A span of a sampled trace. It builds its <see cref="Model.Span"/> while it runs: ids, name, references and
/// start time go straight into it, tags into an array that becomes the model's tag array when its size is right.
/// </summary>
internal sealed class SampledSpan : JaegerSpan
{
    private const int DefaultTagCapacity = 8;

    private readonly Span _model;
    private readonly long _startTimestamp;
    private KeyValue[]? _tags;
    private int _tagCount;
    private List<Log>? _logs;

    // start: an explicit start time, or null for now. references: default for a root or a single child_of the
    // parent id. initialTags: tags the span starts with (a sampled root's sampler tags).
    public SampledSpan(JaegerTracer tracer, string operationName, TraceId traceId, SpanId spanId, SpanId parentId, SpanFlags flags,
        KeyValuePair<string, string>[] baggage, string? traceState, ImmutableArray<SpanRef> references, DateTimeOffset? start,
        ImmutableArray<KeyValue> initialTags)
        : base(tracer, operationName, traceId, spanId, parentId, flags, baggage, traceState)
    {
        var clock = tracer.Clock;
        long startMicros;
        if (start is { } explicitStart)
        {
            startMicros = Time.ToUnixMicros(explicitStart);
        }
        else
        {
            _startTimestamp = clock.GetTimestamp();
            startMicros = clock.ToUnixMicros(_startTimestamp);
        }

        if (references.IsDefault && !parentId.IsEmpty)
        {
            references = [new SpanRef(traceId, parentId, SpanRefType.ChildOf)];
        }

        _model = new Span
        {
            TraceId = traceId,
            SpanId = spanId,
            References = references,
            StartTimeMicros = startMicros,
            Process = tracer.Process,
        };

        // A tag array of the size this operation's spans ended with last time becomes the model's array as it is.
        var expected = tracer.TagCountHints.Get(operationName);
        if (expected > 0)
        {
            _tags = new KeyValue[expected];
        }

        foreach (var tag in initialTags)
        {
            AddTag(tag);
        }
    }

    public override ISpan SetTag(string key, string? value)
    {
        if (IsSamplingPriority(key) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var priority))
        {
            ApplySamplingPriority(priority);
        }

        if (IsSampled)
        {
            AddTag(KeyValue.String(key, value ?? string.Empty));
        }

        return this;
    }

    public override ISpan SetTag(string key, bool value)
    {
        if (IsSampled)
        {
            AddTag(KeyValue.Bool(key, value));
        }

        return this;
    }

    public override ISpan SetTag(string key, long value)
    {
        if (IsSamplingPriority(key))
        {
            ApplySamplingPriority(value);
        }

        if (IsSampled)
        {
            AddTag(KeyValue.Int64(key, value));
        }

        return this;
    }

    public override ISpan SetTag(string key, double value)
    {
        if (IsSamplingPriority(key))
        {
            ApplySamplingPriority(value);
        }

        if (IsSampled)
        {
            AddTag(KeyValue.Float64(key, value));
        }

        return this;
    }

    internal override void SetTag(in KeyValue tag)
    {
        if (IsSamplingPriority(tag.Key) && TryGetSamplingPriority(tag, out var priority))
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
        if (priority > 0)
        {
            Flags |= SpanFlags.Sampled | SpanFlags.Debug;
        }
        else if (priority == 0)
        {
            Flags &= ~(SpanFlags.Sampled | SpanFlags.Debug);
        }
    }

    private void AddTag(in KeyValue tag)
    {
        if (Volatile.Read(ref _finished) != 0)
        {
            // The model span was handed to the reporter: a late tag must not change it.
            return;
        }

        var tags = _tags;
        if (tags is null)
        {
            _tags = tags = ThreadState.Current.TakeTagBuffer() ?? new KeyValue[DefaultTagCapacity];
        }
        else if (_tagCount == tags.Length)
        {
            var bigger = new KeyValue[Math.Max(DefaultTagCapacity, tags.Length * 2)];
            tags.AsSpan().CopyTo(bigger);
            ReleaseBuffer(tags);
            _tags = tags = bigger;
        }

        tags[_tagCount++] = tag;
    }

    // A buffer not handed to the model (outgrown, or not the final size) becomes this thread's scratch buffer.
    private static void ReleaseBuffer(KeyValue[] buffer)
    {
        Array.Clear(buffer);
        ThreadState.Current.ReturnTagBuffer(buffer);
    }

    private protected override ISpan LogFields(DateTimeOffset? timestamp, IEnumerable<KeyValuePair<string, object?>> fields)
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

    private protected override ISpan LogEvent(DateTimeOffset? timestamp, string eventName)
    {
        if (IsSampled)
        {
            AddLog(timestamp, [KeyValue.String(Client.LogFields.Event, eventName ?? string.Empty)]);
        }

        return this;
    }

    private void AddLog(DateTimeOffset? timestamp, ImmutableArray<KeyValue> fields)
    {
        if (Volatile.Read(ref _finished) != 0)
        {
            return;
        }

        var micros = timestamp is { } t ? Time.ToUnixMicros(t) : Tracer.Clock.NowUnixMicros();
        (_logs ??= []).Add(new Log(micros, fields));
    }

    private protected override void OnBaggageSet(string key, string? value, bool overridden, bool truncated)
    {
        if (!IsSampled)
        {
            return;
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

        AddLog(null, fields.ToImmutable());
    }

    private protected override void FinishCore(DateTimeOffset? finish)
    {
        // Finishing twice (even from two threads) reports once.
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        var tags = _tags;
        _tags = null;
        if (!IsSampled)
        {
            if (tags is not null)
            {
                ReleaseBuffer(tags);
            }

            return;
        }

        var tracer = Tracer;
        var model = _model;
        long duration;
        if (finish is { } explicitFinish)
        {
            duration = Time.ToUnixMicros(explicitFinish) - model.StartTimeMicros;
        }
        else if (_startTimestamp != 0)
        {
            duration = tracer.Clock.ElapsedMicros(_startTimestamp, tracer.Clock.GetTimestamp());
        }
        else
        {
            duration = tracer.Clock.NowUnixMicros() - model.StartTimeMicros;
        }

        var operationName = OperationName;
        if (tags is not null)
        {
            var count = _tagCount;
            tracer.TagCountHints.Set(operationName, count);
            if (count == tags.Length)
            {
                model.Tags = ImmutableCollectionsMarshal.AsImmutableArray(tags);
            }
            else
            {
                model.Tags = ImmutableCollectionsMarshal.AsImmutableArray(tags.AsSpan(0, count).ToArray());
                ReleaseBuffer(tags);
            }
        }

        model.OperationName = operationName;
        model.Flags = Flags;
        model.DurationMicros = Math.Max(0, duration);
        if (_logs is { } logs)
        {
            model.Logs = [.. logs];
            _logs = null;
        }

        tracer.Report(model);
    }
}

/// <summary>
/// A span of an unsampled trace: ids, flags, baggage and name only; tags and logs are ignored as in the Jaeger
/// clients. A <c>sampling.priority</c> above zero promotes it: from then on a <see cref="SampledSpan"/> with the same
/// ids records for it (its start is the promotion time, since the real start was not recorded).
/// </summary>
internal sealed class UnsampledSpan : JaegerSpan
{
    // Before a promotion: the references array (null for a root or a single child_of the parent id); after: the
    // recording span. One field for both keeps the unsampled span small.
    private object? _referencesOrPromoted;

    // references: kept for a promotion; default for a root or a single child_of the parent id.
    public UnsampledSpan(JaegerTracer tracer, string operationName, TraceId traceId, SpanId spanId, SpanId parentId, SpanFlags flags,
        KeyValuePair<string, string>[] baggage, string? traceState, ImmutableArray<SpanRef> references)
        : base(tracer, operationName, traceId, spanId, parentId, flags, baggage, traceState)
    {
        _referencesOrPromoted = references.IsDefault ? null : ImmutableCollectionsMarshal.AsArray(references);
    }

    private SampledSpan? Promoted => _referencesOrPromoted as SampledSpan;

    internal override JaegerSpan Current => (JaegerSpan?)Promoted ?? this;

    public override ISpanContext Context => Promoted is { } p ? p.Context : JaegerContext;

    public override ISpan SetOperationName(string operationName)
    {
        if (Promoted is { } p)
        {
            p.SetOperationName(operationName);
        }

        return base.SetOperationName(operationName);
    }

    public override ISpan SetTag(string key, string? value)
    {
        if (Promoted is { } p)
        {
            p.SetTag(key, value);
        }
        else if (IsSamplingPriority(key) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var priority))
        {
            Promote(priority)?.SetTag(key, value);
        }

        return this;
    }

    public override ISpan SetTag(string key, bool value)
    {
        Promoted?.SetTag(key, value);
        return this;
    }

    public override ISpan SetTag(string key, long value)
    {
        if (Promoted is { } p)
        {
            p.SetTag(key, value);
        }
        else if (IsSamplingPriority(key))
        {
            Promote(value)?.SetTag(key, value);
        }

        return this;
    }

    public override ISpan SetTag(string key, double value)
    {
        if (Promoted is { } p)
        {
            p.SetTag(key, value);
        }
        else if (IsSamplingPriority(key))
        {
            Promote(value)?.SetTag(key, value);
        }

        return this;
    }

    internal override void SetTag(in KeyValue tag)
    {
        if (Promoted is { } p)
        {
            p.SetTag(tag);
        }
        else if (IsSamplingPriority(tag.Key) && TryGetSamplingPriority(tag, out var priority))
        {
            Promote(priority)?.SetTag(tag);
        }
    }

    private SampledSpan? Promote(double priority)
    {
        if (priority <= 0 || _finished != 0)
        {
            return null;
        }

        var references = ImmutableCollectionsMarshal.AsImmutableArray(_referencesOrPromoted as SpanRef[]);
        var promoted = new SampledSpan(Tracer, OperationName, TraceId, SpanId, ParentId, Flags | SpanFlags.Sampled | SpanFlags.Debug,
            BaggageArray, TraceState, references, null, ImmutableArray<KeyValue>.Empty);
        _referencesOrPromoted = promoted;
        return promoted;
    }

    private protected override ISpan LogFields(DateTimeOffset? timestamp, IEnumerable<KeyValuePair<string, object?>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (Promoted is { } p)
        {
            if (timestamp is { } t)
            {
                p.Log(t, fields);
            }
            else
            {
                p.Log(fields);
            }
        }

        return this;
    }

    private protected override ISpan LogEvent(DateTimeOffset? timestamp, string eventName)
    {
        if (Promoted is { } p)
        {
            if (timestamp is { } t)
            {
                p.Log(t, eventName);
            }
            else
            {
                p.Log(eventName);
            }
        }

        return this;
    }

    public override ISpan SetBaggageItem(string key, string? value)
    {
        if (Promoted is { } p)
        {
            p.SetBaggageItem(key, value);
            return this;
        }

        return base.SetBaggageItem(key, value);
    }

    public override string? GetBaggageItem(string key) => Promoted is { } p ? p.GetBaggageItem(key) : base.GetBaggageItem(key);

    private protected override void FinishCore(DateTimeOffset? finish)
    {
        // Nothing is reported for an unsampled span, so a plain flag is enough to make a second finish harmless.
        _finished = 1;
        if (Promoted is { } p)
        {
            if (finish is { } f)
            {
                p.Finish(f);
            }
            else
            {
                p.Finish();
            }
        }
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
