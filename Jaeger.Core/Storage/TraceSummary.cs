using Jaeger.Model;

namespace Jaeger.Storage;

/// <summary>A trace in brief, as <c>/api/v3/trace-summaries</c> shows it.</summary>
public sealed record TraceSummary
{
    /// <summary>The trace.</summary>
    public required TraceId TraceId { get; init; }

    /// <summary>The root span's service; "" when no span is stored.</summary>
    public string RootServiceName { get; init; } = string.Empty;

    /// <summary>The root span's operation; "" when no span is stored.</summary>
    public string RootOperationName { get; init; } = string.Empty;

    /// <summary>The earliest span start, microseconds since the Unix epoch.</summary>
    public long StartTimeMicros { get; init; }

    /// <summary>The latest span end minus <see cref="StartTimeMicros"/>, in microseconds.</summary>
    public long DurationMicros { get; init; }

    /// <summary>The number of spans.</summary>
    public int SpanCount { get; init; }

    /// <summary>The number of spans tagged <c>error=true</c>.</summary>
    public int ErrorSpanCount { get; init; }

    /// <summary>The number of spans whose parent is not in the trace.</summary>
    public int OrphanSpanCount { get; init; }

    /// <summary>Each service of the trace with its counts, in the order the services first appear.</summary>
    public IReadOnlyList<ServiceSpanCount> Services { get; init; } = [];

    /// <summary>
    /// Summarizes a whole trace. The root is the earliest span without a parent, else (no such span) the earliest
    /// span whose parent is missing.
    /// </summary>
    public static TraceSummary FromTrace(Trace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var spans = trace.Spans;
        var ids = new HashSet<SpanId>(spans.Count);
        long minStart = long.MaxValue, maxEnd = long.MinValue;
        foreach (var span in spans)
        {
            ids.Add(span.SpanId);
            minStart = Math.Min(minStart, span.StartTimeMicros);
            maxEnd = Math.Max(maxEnd, span.StartTimeMicros + span.DurationMicros);
        }

        Span? root = null;
        int errors = 0, orphans = 0;
        var services = new List<ServiceSpanCount>();
        var serviceIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var span in spans)
        {
            var parent = span.ParentSpanId;
            if (parent.IsEmpty || !ids.Contains(parent))
            {
                if (!parent.IsEmpty)
                {
                    orphans++;
                }

                if (root is null || (root.ParentSpanId.IsEmpty ? 0 : 1, root.StartTimeMicros).CompareTo((parent.IsEmpty ? 0 : 1, span.StartTimeMicros)) > 0)
                {
                    root = span;
                }
            }

            var isError = IsError(span);
            errors += isError ? 1 : 0;
            var name = span.Process.ServiceName;
            if (!serviceIndex.TryGetValue(name, out var at))
            {
                at = services.Count;
                serviceIndex[name] = at;
                services.Add(new ServiceSpanCount(name, 0, 0));
            }

            var counts = services[at];
            services[at] = counts with { SpanCount = counts.SpanCount + 1, ErrorSpanCount = counts.ErrorSpanCount + (isError ? 1 : 0) };
        }

        return new TraceSummary
        {
            TraceId = trace.TraceId,
            RootServiceName = root?.Process.ServiceName ?? string.Empty,
            RootOperationName = root?.OperationName ?? string.Empty,
            StartTimeMicros = spans.Count == 0 ? 0 : minStart,
            DurationMicros = spans.Count == 0 ? 0 : maxEnd - minStart,
            SpanCount = spans.Count,
            ErrorSpanCount = errors,
            OrphanSpanCount = orphans,
            Services = services,
        };
    }

    /// <summary>True when the span carries the tag <c>error</c> with the value true (bool or text).</summary>
    public static bool IsError(Span span)
    {
        ArgumentNullException.ThrowIfNull(span);
        foreach (var tag in span.Tags)
        {
            if (tag.Key == WellKnownTags.Error && tag.ValueEquals("true"))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A service's share of a trace.</summary>
/// <param name="Name">The service name.</param>
/// <param name="SpanCount">Its spans in the trace.</param>
/// <param name="ErrorSpanCount">Its spans tagged <c>error=true</c>.</param>
public readonly record struct ServiceSpanCount(string Name, int SpanCount, int ErrorSpanCount);
