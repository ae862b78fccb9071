using Jaeger.Model;
using Jaeger.Storage.Filtering;

namespace Jaeger.Storage.Embedded;

/// <summary>A trace query as the per-span test Jaeger defines: one span must meet every condition.</summary>
internal sealed class SpanMatcher
{
    private readonly (string Key, string Text)[] _tags;
    private readonly SpanFilter? _filter;

    public SpanMatcher(TraceQueryParameters query)
    {
        ServiceName = string.IsNullOrEmpty(query.ServiceName) ? null : query.ServiceName;
        OperationName = string.IsNullOrEmpty(query.OperationName) ? null : query.OperationName;
        MinStart = query.StartTimeMin is { } min ? Time.ToUnixMicros(min) : long.MinValue;
        MaxStart = query.StartTimeMax is { } max ? Time.ToUnixMicros(max) : long.MaxValue;
        MinDuration = query.DurationMin is { } dmin ? Time.ToMicros(dmin) : long.MinValue;
        MaxDuration = query.DurationMax is { } dmax ? Time.ToMicros(dmax) : long.MaxValue;
        _filter = query.Filter;
        _tags = new (string, string)[query.Tags.Count];
        var i = 0;
        foreach (var (key, text) in query.Tags)
        {
            _tags[i++] = (key ?? string.Empty, text ?? string.Empty);
        }
    }

    public string? ServiceName { get; }

    public string? OperationName { get; }

    public long MinStart { get; }

    public long MaxStart { get; }

    public long MinDuration { get; }

    public long MaxDuration { get; }

    public IReadOnlyList<(string Key, string Text)> Tags => _tags;

    public bool DurationFits(long duration) => duration >= MinDuration && duration <= MaxDuration;

    public bool MatchesAnySpan(List<Span> spans)
    {
        for (var i = 0; i < spans.Count; i++)
        {
            if (Matches(spans[i]))
            {
                return true;
            }
        }

        return false;
    }

    public bool Matches(Span span)
    {
        if (ServiceName is not null && !string.Equals(span.Process.ServiceName, ServiceName, StringComparison.Ordinal))
        {
            return false;
        }

        if (OperationName is not null && !string.Equals(span.OperationName, OperationName, StringComparison.Ordinal))
        {
            return false;
        }

        var start = span.StartTimeMicros;
        if (start < MinStart || start > MaxStart || !DurationFits(span.DurationMicros))
        {
            return false;
        }

        foreach (var (key, text) in _tags)
        {
            if (!HasTag(span, key, text))
            {
                return false;
            }
        }

        // The structured filter holds on the same span as every other condition.
        if (_filter is not null && !_filter.Matches(span))
        {
            return false;
        }

        return true;
    }

    private static bool HasTag(Span span, string key, string text)
    {
        foreach (var tag in span.Tags)
        {
            if (string.Equals(tag.Key, key, StringComparison.Ordinal) && tag.ValueEquals(text))
            {
                return true;
            }
        }

        foreach (var tag in span.Process.Tags)
        {
            if (string.Equals(tag.Key, key, StringComparison.Ordinal) && tag.ValueEquals(text))
            {
                return true;
            }
        }

        foreach (var log in span.Logs)
        {
            foreach (var field in log.Fields)
            {
                if (string.Equals(field.Key, key, StringComparison.Ordinal) && field.ValueEquals(text))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
