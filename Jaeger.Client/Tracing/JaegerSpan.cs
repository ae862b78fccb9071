using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using Jaeger.Model;

namespace Jaeger.Client.Tracing;

/// <summary>
/// A live span. Sampled spans keep tags and logs and become a <see cref="Model.Span"/> at <see cref="Finish()"/>;
/// unsampled spans keep nothing. A span object is never reused: code that still holds a finished span (to read its
/// context, or to finish it again) must not see another span through it.
/// A span is meant to be used by one thread at a time (as <see cref="System.Diagnostics.Activity"/>).
/// </summary>
internal sealed class JaegerSpan : ISpan
{
    private const int InitialTagCapacity = 8;

    private JaegerTracer _tracer = null!;
    private TraceId _traceId;
    private SpanId _spanId;
    private SpanId _parentId;
    private SpanFlags _flags;
    private KeyValuePair<string, string>[] _baggage = JaegerSpanContext.NoBaggage;
    private string? _traceState;
    private JaegerSpanContext? _context;
    private string _operationName = string.Empty;
    private ImmutableArray<SpanRef> _references;
    private long _startMicros;
    private long _startTimestamp;
    private KeyValue[]? _tags;
    private int _tagCount;
    private List<Log>? _logs;
    private int _finished;

    internal TraceId TraceId => _traceId;

    internal SpanId SpanId => _spanId;

    internal SpanFlags Flags => _flags;

    internal bool IsSampled => (_flags & SpanFlags.Sampled) != 0;

    internal bool IsFinished => Volatile.Read(ref _finished) != 0;

    internal KeyValuePair<string, string>[] BaggageArray => _baggage;

    internal string? TraceState => _traceState;

    internal string OperationName => _operationName;

    public ISpanContext Context => JaegerContext;

    internal JaegerSpanContext JaegerContext =>
        _context ??= new JaegerSpanContext(_traceId, _spanId, _parentId, _flags, _baggage, null, _traceState);

    internal void Initialize(JaegerTracer tracer, string operationName, TraceId traceId, SpanId spanId, SpanId parentId, SpanFlags flags,
        KeyValuePair<string, string>[] baggage, string? traceState, ImmutableArray<SpanRef> references, DateTimeOffset? start)
    {
        _tracer = tracer;
        _operationName = operationName;
        _traceId = traceId;
        _spanId = spanId;
        _parentId = parentId;
        _flags = flags;
        _baggage = baggage;
        _traceState = traceState;
        _references = references;
        _context = null;
        _tagCount = 0;
        _logs = null;
        _finished = 0;
        if ((flags & SpanFlags.Sampled) != 0)
        {
            StartRecording(start);
        }
    }

    private void StartRecording(DateTimeOffset? start)
    {
        var time = _tracer.TimeProvider;
        if (start is { } explicitStart)
        {
            _startMicros = Time.ToUnixMicros(explicitStart);
            _startTimestamp = 0;
        }
        else
        {
            _startMicros = Time.ToUnixMicros(time.GetUtcNow());
            _startTimestamp = time.GetTimestamp();
        }

        _tags ??= ArrayPool<KeyValue>.Shared.Rent(InitialTagCapacity);
    }

    public ISpan SetOperationName(string operationName)
    {
        _operationName = operationName ?? throw new ArgumentNullException(nameof(operationName));
        return this;
    }

    public ISpan SetTag(string key, string? value)
    {
        if (IsSamplingPriority(key))
        {
            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var priority))
            {
                ApplySamplingPriority(priority);
            }
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

    public ISpan SetTag(string key, double value)
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

    internal void SetTag(in KeyValue tag)
    {
        if (IsSamplingPriority(tag.Key))
        {
            switch (tag.Type)
            {
                case KeyValueType.Int64:
                    ApplySamplingPriority(tag.Int64Value);
                    break;
                case KeyValueType.Float64:
                    ApplySamplingPriority(tag.Float64Value);
                    break;
                case KeyValueType.String when int.TryParse(tag.StringValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p):
                    ApplySamplingPriority(p);
                    break;
                default:
                    break;
            }
        }

        if (IsSampled)
        {
            AddTag(tag);
        }
    }

    private static bool IsSamplingPriority(string key) => string.Equals(key, WellKnownTags.SamplingPriority, StringComparison.Ordinal);

    private void ApplySamplingPriority(double priority)
    {
        if (priority > 0)
        {
            if (!IsSampled)
            {
                // Promoted after start: the start time is the promotion time (the start was not recorded).
                _flags |= SpanFlags.Sampled | SpanFlags.Debug;
                StartRecording(null);
            }
            else
            {
                _flags |= SpanFlags.Debug;
            }
        }
        else if (priority == 0)
        {
            _flags &= ~(SpanFlags.Sampled | SpanFlags.Debug);
        }

        _context = null;
    }

    private void AddTag(in KeyValue tag)
    {
        var tags = _tags!;
        if (_tagCount == tags.Length)
        {
            var bigger = ArrayPool<KeyValue>.Shared.Rent(tags.Length * 2);
            tags.AsSpan().CopyTo(bigger);
            ArrayPool<KeyValue>.Shared.Return(tags, clearArray: true);
            _tags = tags = bigger;
        }

        tags[_tagCount++] = tag;
    }

    internal void AddTags(ImmutableArray<KeyValue> tags)
    {
        foreach (var tag in tags)
        {
            AddTag(tag);
        }
    }

    public ISpan Log(IEnumerable<KeyValuePair<string, object?>> fields) => LogCore(null, fields);

    public ISpan Log(DateTimeOffset timestamp, IEnumerable<KeyValuePair<string, object?>> fields) => LogCore(timestamp, fields);

    public ISpan Log(string eventName) => Log(null, eventName);

    public ISpan Log(DateTimeOffset timestamp, string eventName) => Log((DateTimeOffset?)timestamp, eventName);

    private JaegerSpan Log(DateTimeOffset? timestamp, string eventName)
    {
        if (IsSampled)
        {
            AddLog(timestamp, [KeyValue.String(LogFields.Event, eventName ?? string.Empty)]);
        }

        return this;
    }

    private JaegerSpan LogCore(DateTimeOffset? timestamp, IEnumerable<KeyValuePair<string, object?>> fields)
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

    internal void AddLog(DateTimeOffset? timestamp, ImmutableArray<KeyValue> fields)
    {
        var micros = Time.ToUnixMicros(timestamp ?? _tracer.TimeProvider.GetUtcNow());
        (_logs ??= []).Add(new Log(micros, fields));
    }

    public ISpan SetBaggageItem(string key, string? value)
    {
        if (key is null)
        {
            return this;
        }

        var limit = _tracer.MaxBaggageValueLength;
        var truncated = false;
        if (value is not null && value.Length > limit)
        {
            value = value[..limit];
            truncated = true;
            _tracer.Metrics.BaggageTruncated();
        }

        var old = Baggage.Get(_baggage, key);
        if (value is null && old is null)
        {
            return this;
        }

        _baggage = Baggage.With(_baggage, key, value);
        _context = null;
        _tracer.Metrics.BaggageUpdate(ok: true);
        if (IsSampled)
        {
            var fields = ImmutableArray.CreateBuilder<KeyValue>(5);
            fields.Add(KeyValue.String(LogFields.Event, "baggage"));
            fields.Add(KeyValue.String("key", key));
            fields.Add(KeyValue.String("value", value ?? string.Empty));
            if (old is not null)
            {
                fields.Add(KeyValue.Bool("override", true));
            }

            if (truncated)
            {
                fields.Add(KeyValue.Bool("truncated", true));
            }

            AddLog(null, fields.ToImmutable());
        }

        return this;
    }

    public string? GetBaggageItem(string key) => Baggage.Get(_baggage, key);

    public void Finish() => FinishCore(null);

    public void Finish(DateTimeOffset finishTimestamp) => FinishCore(finishTimestamp);

    private void FinishCore(DateTimeOffset? finish)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        var tracer = _tracer;
        if (!IsSampled)
        {
            if (_tags is { } rented)
            {
                _tags = null;
                ArrayPool<KeyValue>.Shared.Return(rented, clearArray: true);
            }

            return;
        }

        long duration;
        if (finish is { } explicitFinish)
        {
            duration = Time.ToUnixMicros(explicitFinish) - _startMicros;
        }
        else if (_startTimestamp != 0)
        {
            duration = Time.ToMicros(tracer.TimeProvider.GetElapsedTime(_startTimestamp));
        }
        else
        {
            duration = Time.ToUnixMicros(tracer.TimeProvider.GetUtcNow()) - _startMicros;
        }

        var tags = ImmutableArray<KeyValue>.Empty;
        if (_tags is { } buffer)
        {
            if (_tagCount > 0)
            {
                tags = ImmutableCollectionsMarshal.AsImmutableArray(buffer.AsSpan(0, _tagCount).ToArray());
            }

            _tags = null;
            ArrayPool<KeyValue>.Shared.Return(buffer, clearArray: true);
        }

        var span = new Span
        {
            TraceId = _traceId,
            SpanId = _spanId,
            OperationName = _operationName,
            References = _references,
            Flags = _flags,
            StartTimeMicros = _startMicros,
            DurationMicros = Math.Max(0, duration),
            Tags = tags,
            Logs = _logs is null ? ImmutableArray<Log>.Empty : [.. _logs],
            Process = tracer.Process,
        };

        _logs = null;
        tracer.Report(span);
    }

    public override string ToString() => $"{JaegerContext} - {_operationName}";
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
