using System.Collections.Immutable;
using Jaeger.Model;

namespace Jaeger.Storage.Memory;

/// <summary>A trace query turned into the per-span test: every condition must hold on one span.</summary>
internal readonly struct SpanSearch
{
    private readonly TagCondition[] _tags;
    private readonly ulong _requiredSignature;

    private SpanSearch(TraceQueryParameters query)
    {
        ServiceName = string.IsNullOrEmpty(query.ServiceName) ? null : query.ServiceName;
        OperationName = string.IsNullOrEmpty(query.OperationName) ? null : query.OperationName;
        MinStart = query.StartTimeMin is { } min ? Time.ToUnixMicros(min) : long.MinValue;
        MaxStart = query.StartTimeMax is { } max ? Time.ToUnixMicros(max) : long.MaxValue;
        MinDuration = query.DurationMin is { } dmin ? Time.ToMicros(dmin) : long.MinValue;
        MaxDuration = query.DurationMax is { } dmax ? Time.ToMicros(dmax) : long.MaxValue;
        _requiredSignature = (ServiceName is null ? 0 : SpanSignature.Service(ServiceName)) |
            (OperationName is null ? 0 : SpanSignature.Operation(OperationName));
        _tags = [];
        if (query.Tags is { Count: > 0 } tags)
        {
            _tags = new TagCondition[tags.Count];
            var i = 0;
            foreach (var (key, value) in tags)
            {
                _tags[i++] = new TagCondition(key, value);
            }
        }
    }

    public string? ServiceName { get; }

    public string? OperationName { get; }

    public long MinStart { get; }

    public long MaxStart { get; }

    public long MinDuration { get; }

    public long MaxDuration { get; }

    public static SpanSearch Create(TraceQueryParameters query)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        return new SpanSearch(query);
    }

    public bool MatchesAnySpan(TraceEntry entry)
    {
        var spans = entry.Spans;
        var signatures = entry.Signatures;
        var required = _requiredSignature;
        for (var i = 0; i < spans.Length; i++)
        {
            // The signature rules most spans out without reading them.
            var signature = signatures[i];
            if ((signature & required) != required || !TagsMayMatch(signature))
            {
                continue;
            }

            if (Matches(spans[i]))
            {
                return true;
            }
        }

        return false;
    }

    private bool TagsMayMatch(ulong signature)
    {
        foreach (var condition in _tags)
        {
            if (!condition.MayMatch(signature))
            {
                return false;
            }
        }

        return true;
    }

    private bool Matches(Span span)
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
        var duration = span.DurationMicros;
        if (start < MinStart || start > MaxStart || duration < MinDuration || duration > MaxDuration)
        {
            return false;
        }

        foreach (var condition in _tags)
        {
            if (!Contains(span.Tags, condition) && !Contains(span.Process.Tags, condition) && !InLogs(span.Logs, condition))
            {
                return false;
            }
        }

        return true;
    }

    private static bool InLogs(ImmutableArray<Log> logs, in TagCondition condition)
    {
        foreach (var log in logs)
        {
            if (Contains(log.Fields, condition))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(ImmutableArray<KeyValue> tags, in TagCondition condition)
    {
        foreach (var tag in tags)
        {
            if (condition.Matches(tag))
            {
                return true;
            }
        }

        return false;
    }
}
