using System.Collections.Immutable;

namespace Jaeger.Model;

/// <summary>The spans of one trace, plus warnings about the trace as a whole.</summary>
public sealed class Trace
{
    /// <summary>Creates a trace over spans.</summary>
    public Trace(IEnumerable<Span> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        Spans = [.. spans];
    }

    /// <summary>Creates an empty trace.</summary>
    public Trace()
    {
    }

    /// <summary>The spans, in no guaranteed order.</summary>
    public List<Span> Spans { get; } = [];

    /// <summary>Problems found in the trace as a whole.</summary>
    public ImmutableArray<string> Warnings { get; set; } = ImmutableArray<string>.Empty;

    /// <summary>The trace id of the first span, or empty for an empty trace.</summary>
    public TraceId TraceId => Spans.Count > 0 ? Spans[0].TraceId : default;
}
