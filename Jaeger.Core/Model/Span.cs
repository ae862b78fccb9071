using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace Jaeger.Model;

/// <summary>
/// One timed operation of a trace, as Jaeger stores it. Times are microseconds since the Unix epoch.
/// Not sealed so that a tracer's live span can be its own model span (no copy when it finishes); the model adds no
/// virtual behaviour, and <see cref="Clone"/> always returns a plain <see cref="Span"/>.
/// </summary>
public class Span
{
    // No field initializers: a default (null) field reads as empty, so creating a span stores only what is set.
    private ImmutableArray<SpanRef> _references;
    private ImmutableArray<KeyValue> _tags;
    private ImmutableArray<Log> _logs;
    private ImmutableArray<string> _warnings;
    private string? _operationName;
    private Process? _process;

    /// <summary>The trace the span belongs to.</summary>
    public TraceId TraceId { get; set; }

    /// <summary>The span's own id.</summary>
    public SpanId SpanId { get; set; }

    /// <summary>The operation name.</summary>
    public string OperationName
    {
        get => _operationName ?? string.Empty;
        set => _operationName = value;
    }

    /// <summary>References to other spans. The parent is a CHILD_OF reference (see <see cref="ParentSpanId"/>).</summary>
    public ImmutableArray<SpanRef> References
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _references.IsDefault ? ImmutableArray<SpanRef>.Empty : _references;
        set => _references = value;
    }

    /// <summary>Sampled, debug and firehose flags.</summary>
    public SpanFlags Flags { get; set; }

    /// <summary>Start time in microseconds since the Unix epoch.</summary>
    public long StartTimeMicros { get; set; }

    /// <summary>Duration in microseconds.</summary>
    public long DurationMicros { get; set; }

    /// <summary>Span tags.</summary>
    public ImmutableArray<KeyValue> Tags
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _tags.IsDefault ? ImmutableArray<KeyValue>.Empty : _tags;
        set => _tags = value;
    }

    /// <summary>Span logs.</summary>
    public ImmutableArray<Log> Logs
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _logs.IsDefault ? ImmutableArray<Log>.Empty : _logs;
        set => _logs = value;
    }

    /// <summary>The emitting process; spans of one batch share one instance.</summary>
    public Process Process
    {
        get => _process ?? Process.Unknown;
        set => _process = value;
    }

    /// <summary>Problems found while receiving or adjusting the span, shown to the user.</summary>
    public ImmutableArray<string> Warnings
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _warnings.IsDefault ? ImmutableArray<string>.Empty : _warnings;
        set => _warnings = value;
    }

    /// <summary>Start time as a date.</summary>
    public DateTimeOffset StartTime
    {
        get => Time.FromUnixMicros(StartTimeMicros);
        set => StartTimeMicros = Time.ToUnixMicros(value);
    }

    /// <summary>Duration as a time span.</summary>
    public TimeSpan Duration
    {
        get => Time.FromMicros(DurationMicros);
        set => DurationMicros = Time.ToMicros(value);
    }

    /// <summary>True when the sampled flag is set.</summary>
    public bool IsSampled => (Flags & SpanFlags.Sampled) != 0;

    /// <summary>True when the debug flag is set.</summary>
    public bool IsDebug => (Flags & SpanFlags.Debug) != 0;

    /// <summary>
    /// The parent, as Jaeger defines it: the first CHILD_OF reference within the same trace, else the first
    /// FOLLOWS_FROM reference within the same trace, else <see cref="SpanId"/> zero.
    /// </summary>
    public SpanId ParentSpanId
    {
        get
        {
            SpanId followsFrom = default;
            var found = false;
            foreach (var reference in References)
            {
                if (reference.TraceId != TraceId)
                {
                    continue;
                }

                if (reference.RefType == SpanRefType.ChildOf)
                {
                    return reference.SpanId;
                }

                if (!found)
                {
                    followsFrom = reference.SpanId;
                    found = true;
                }
            }

            return followsFrom;
        }
    }

    /// <summary>The value of the <c>span.kind</c> tag, or "" when absent.</summary>
    public string SpanKind
    {
        get
        {
            foreach (var tag in Tags)
            {
                if (tag.Type == KeyValueType.String && string.Equals(tag.Key, WellKnownTags.SpanKind, StringComparison.Ordinal))
                {
                    return tag.StringValue;
                }
            }

            return string.Empty;
        }
    }

    /// <summary>Finds a span tag by key.</summary>
    public bool TryGetTag(string key, out KeyValue tag)
    {
        foreach (var t in Tags)
        {
            if (string.Equals(t.Key, key, StringComparison.Ordinal))
            {
                tag = t;
                return true;
            }
        }

        tag = default;
        return false;
    }

    /// <summary>A shallow copy, always a plain <see cref="Span"/>: collections are immutable and shared, the process is shared.</summary>
    public Span Clone() => new()
    {
        TraceId = TraceId,
        SpanId = SpanId,
        _operationName = _operationName,
        _references = _references,
        Flags = Flags,
        StartTimeMicros = StartTimeMicros,
        DurationMicros = DurationMicros,
        _tags = _tags,
        _logs = _logs,
        _process = _process,
        _warnings = _warnings,
    };

    /// <inheritdoc />
    public override string ToString() => $"{TraceId}:{SpanId} {OperationName}";
}
