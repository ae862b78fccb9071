using System.Collections.Immutable;
using Jaeger.Model;

namespace Jaeger.Storage.Conformance;

/// <summary>Builds a fixture trace span by span; each span names its process, and times are absolute dates.</summary>
public sealed class TraceBuilder
{
    private readonly List<Span> _spans = [];

    public TraceBuilder(TraceId traceId)
    {
        TraceId = traceId;
    }

    public TraceId TraceId { get; }

    public IReadOnlyList<Span> Spans => _spans;

    /// <summary>Adds a span; <paramref name="parent"/> (when not zero) becomes a CHILD_OF reference in this trace.</summary>
    public TraceBuilder Span(
        ulong spanId,
        Process process,
        string operation,
        DateTimeOffset start,
        long durationMicros,
        ulong parent = 0,
        ImmutableArray<KeyValue> tags = default,
        ImmutableArray<Log> logs = default,
        Action<Span>? customize = null)
    {
        var span = new Span
        {
            TraceId = TraceId,
            SpanId = new SpanId(spanId),
            OperationName = operation,
            Process = process,
            StartTime = start,
            DurationMicros = durationMicros,
            Flags = SpanFlags.Sampled,
            Tags = tags,
            Logs = logs,
            References = parent == 0 ? [] : [new SpanRef(TraceId, new SpanId(parent), SpanRefType.ChildOf)],
        };
        customize?.Invoke(span);
        _spans.Add(span);
        return this;
    }

    /// <summary>The trace as a reader should return it.</summary>
    public Trace Build() => new(_spans);
}
