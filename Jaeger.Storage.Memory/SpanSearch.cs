using System.Collections.Immutable;
using Jaeger.Model;
using Jaeger.Storage.Filtering;

namespace Jaeger.Storage.Memory;

/// <summary>A trace query turned into the per-span test: every condition must hold on one span.</summary>
internal readonly struct SpanSearch
{
    private readonly TagCondition[] _tags;
    private readonly ulong _requiredSignature;
    private readonly byte[]? _operationUtf8;
    private readonly SpanFilter? _filter;

    private SpanSearch(TraceQueryParameters query)
    {
        ServiceName = string.IsNullOrEmpty(query.ServiceName) ? null : query.ServiceName;
        OperationName = string.IsNullOrEmpty(query.OperationName) ? null : query.OperationName;
        _operationUtf8 = OperationName is null ? null : SpanEncoding.Utf8OrNull(OperationName);
        MinStart = query.StartTimeMin is { } min ? Time.ToUnixMicros(min) : long.MinValue;
        MaxStart = query.StartTimeMax is { } max ? Time.ToUnixMicros(max) : long.MaxValue;
        MinDuration = query.DurationMin is { } dmin ? Time.ToMicros(dmin) : long.MinValue;
        MaxDuration = query.DurationMax is { } dmax ? Time.ToMicros(dmax) : long.MaxValue;
        _requiredSignature = (ServiceName is null ? 0 : SpanSignature.Service(ServiceName)) |
            (OperationName is null ? 0 : SpanSignature.Operation(OperationName));
        _filter = query.Filter;
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

    public bool MatchesAnySpan(TraceEntry entry, SpanSlabs slabs, StringTable strings)
    {
        var spans = entry.Spans;
        var required = _requiredSignature;
        for (var i = 0; i < spans.Length; i++)
        {
            // The signature rules most spans out without reading them.
            var signature = spans[i].Signature;
            if ((signature & required) != required || !TagsMayMatch(signature))
            {
                continue;
            }

            // The filter reads a decoded span: it runs only on spans that passed the cheaper conditions.
            var encoded = slabs.Get(spans[i].Location);
            if (Matches(entry, encoded, strings) && (_filter is null || _filter.Matches(SpanEncoding.Decode(encoded, entry, strings))))
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

    /// <summary>Reads the encoded span only as far as the conditions need.</summary>
    private bool Matches(TraceEntry entry, ReadOnlySpan<byte> span, StringTable strings)
    {
        var reader = new EncodedSpanReader(span);
        var header = reader.ReadHeader(entry.BaseMicros);
        var process = entry.GetProcess(header.ProcessIndex).Process;
        if (ServiceName is not null && !string.Equals(process.ServiceName, ServiceName, StringComparison.Ordinal))
        {
            return false;
        }

        var operation = reader.ReadString();
        if (OperationName is not null && !operation.TextEquals(OperationName, _operationUtf8, strings))
        {
            return false;
        }

        var start = header.StartMicros;
        var duration = header.DurationMicros;
        if (start < MinStart || start > MaxStart || duration < MinDuration || duration > MaxDuration)
        {
            return false;
        }

        var tags = _tags;
        if (tags.Length == 0)
        {
            return true;
        }

        // A condition holds when a span tag, a process tag or a log field matches it: one pass over each marks them.
        Span<bool> found = tags.Length <= 32 ? stackalloc bool[tags.Length] : new bool[tags.Length];
        var missing = tags.Length;
        for (var c = 0; c < tags.Length; c++)
        {
            if (Contains(process.Tags, tags[c]))
            {
                found[c] = true;
                missing--;
            }
        }

        if (missing == 0)
        {
            return true;
        }

        reader.SkipReferences();
        missing = MarkFound(ref reader, found, missing, strings);
        var logs = (int)reader.ReadVarint();
        for (var i = 0; i < logs && missing > 0; i++)
        {
            reader.ReadZigZag();
            missing = MarkFound(ref reader, found, missing, strings);
        }

        return missing == 0;
    }

    /// <summary>Reads a list of key-values, marking the conditions they satisfy; stops early (mid-list) once none is missing.</summary>
    private int MarkFound(ref EncodedSpanReader reader, scoped Span<bool> found, int missing, StringTable strings)
    {
        var tags = _tags;
        var count = (int)reader.ReadVarint();
        for (var i = 0; i < count && missing > 0; i++)
        {
            var value = reader.ReadKeyValue();
            for (var c = 0; c < tags.Length; c++)
            {
                if (!found[c] && tags[c].Matches(value, strings))
                {
                    found[c] = true;
                    missing--;
                }
            }
        }

        return missing;
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
