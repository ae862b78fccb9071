using Jaeger.Model;
using Jaeger.Storage.Cassandra.Protocol;

namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>
/// Jaeger's search over its Cassandra index tables. Trace ids come from one index path, as Jaeger chooses it: the
/// duration index when a duration bound is given (intersected with the tag index when tags are given too, which
/// Jaeger itself refuses), else service+operation (intersected with tags), else tags, else the service index over its
/// ten buckets. Each index query is limited to three times the trace limit, as Jaeger's. The traces found are then
/// loaded and kept only when one span matches every condition, so an answer is never wrong, only possibly short
/// when an index query hit its limit: the reader does not declare <see cref="SearchCapabilities.ExactLimit"/>.
/// </summary>
internal sealed class CassandraSpanReader : ISpanReader
{
    private readonly CassandraStore _store;

    public CassandraSpanReader(CassandraStore store)
    {
        _store = store;
        var index = store.Options.Index;
        Capabilities = SearchCapabilities.OperationSpanKinds | SearchCapabilities.TagsWithDuration
            | (index.ProcessTags ? SearchCapabilities.ProcessTags : 0)
            | (index.Logs ? SearchCapabilities.LogFields : 0);
    }

    public SearchCapabilities Capabilities { get; }

    public async ValueTask<Trace?> GetTraceAsync(TraceGetParameters query, CancellationToken cancellationToken = default)
    {
        // The traces table is partitioned by trace id alone: the time window cannot narrow the read.
        var spans = new List<Span>();
        await _store.ForEachRowAsync(CassandraStatements.SelectTrace, [SpanRows.TraceIdBytes(query.TraceId)], (rows, row) => spans.Add(SpanRows.ReadSpan(rows, row)), cancellationToken).ConfigureAwait(false);
        return spans.Count == 0 ? null : new Trace(spans);
    }

    public async ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default)
    {
        var services = new SortedSet<string>(StringComparer.Ordinal);
        await _store.ForEachRowAsync(CassandraStatements.SelectServiceNames, [], (rows, row) => services.Add(rows.Get(row, 0) as string ?? string.Empty), cancellationToken).ConfigureAwait(false);
        return [.. services];
    }

    public async ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(query.ServiceName);
        var operations = new HashSet<Operation>();
        void Add(CqlRows rows, int row)
        {
            // Jaeger v1 wrote "unspecified" for spans without span.kind; v2 writes "" as this store does.
            var kind = rows.Get(row, 0) as string ?? string.Empty;
            operations.Add(new Operation(rows.Get(row, 1) as string ?? string.Empty, kind == "unspecified" ? string.Empty : kind));
        }

        if (string.IsNullOrEmpty(query.SpanKind))
        {
            await _store.ForEachRowAsync(CassandraStatements.SelectOperations, [query.ServiceName], Add, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _store.ForEachRowAsync(CassandraStatements.SelectOperationsByKind, [query.ServiceName, query.SpanKind], Add, cancellationToken).ConfigureAwait(false);
        }

        return [.. operations.OrderBy(o => o.Name, StringComparer.Ordinal).ThenBy(o => o.SpanKind, StringComparer.Ordinal)];
    }

    public async ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        SearchCapabilityCheck.ThrowIfUnsupported(query, Capabilities);
        query.Validate();
        var window = Window(query);
        var ids = await FindCandidateIdsAsync(query, window, cancellationToken).ConfigureAwait(false);
        var found = new List<(Trace Trace, long Start)>();
        foreach (var id in ids)
        {
            var trace = await GetTraceAsync(new TraceGetParameters(id), cancellationToken).ConfigureAwait(false);
            if (trace is not null && Matches(trace, query, window))
            {
                // Traces are ordered by their start, the earliest span start, newest first.
                found.Add((trace, trace.Spans.Min(s => s.StartTimeMicros)));
            }
        }

        return [.. found.OrderByDescending(f => f.Start).ThenBy(f => f.Trace.TraceId).Take(query.Limit).Select(f => f.Trace)];
    }

    public async ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
    {
        var traces = await FindTracesAsync(query, cancellationToken).ConfigureAwait(false);
        return [.. traces.Select(t => t.TraceId)];
    }

    public ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) =>
        this.SummarizeFoundTracesAsync(query, cancellationToken);

    /// <summary>The start-time window in microseconds; an open end is unbounded (the TTL removes old rows anyway).</summary>
    internal static (long Min, long Max) Window(TraceQueryParameters query) =>
        (query.StartTimeMin is { } min ? Micros(min) : 0, query.StartTimeMax is { } max ? Micros(max) : long.MaxValue);

    private static long Micros(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks / 10;

    /// <summary>Candidate trace ids from the index tables, in the order the indexes gave them (newest first per query).</summary>
    internal async Task<List<TraceId>> FindCandidateIdsAsync(TraceQueryParameters query, (long Min, long Max) window, CancellationToken cancellationToken)
    {
        var service = query.ServiceName!;
        var limit = checked(query.Limit * 3);
        List<TraceId>? ids = null;
        if (query.DurationMin is not null || query.DurationMax is not null)
        {
            ids = await ByDurationAsync(query, service, window, limit, cancellationToken).ConfigureAwait(false);
        }
        else if (!string.IsNullOrEmpty(query.OperationName))
        {
            ids = await IdsAsync(CassandraStatements.SelectByServiceOperation, [service, query.OperationName, window.Min, window.Max, limit], cancellationToken).ConfigureAwait(false);
        }

        if (query.Tags.Count > 0)
        {
            foreach (var (key, value) in query.Tags)
            {
                var tagged = await IdsAsync(CassandraStatements.SelectByTag, [service, key, value, window.Min, window.Max, limit], cancellationToken).ConfigureAwait(false);
                ids = ids is null ? tagged : Intersect(ids, tagged);
            }
        }

        return ids ?? await IdsAsync(CassandraStatements.SelectByService, [service, window.Min, window.Max, limit], cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<TraceId>> ByDurationAsync(TraceQueryParameters query, string service, (long Min, long Max) window, int limit, CancellationToken cancellationToken)
    {
        var min = (long)((query.DurationMin ?? TimeSpan.Zero).Ticks / 10);
        var max = query.DurationMax is { } dmax ? dmax.Ticks / 10 : 86_400_000_000L;
        // The duration index is bucketed by hour: an open window is walked from an hour ahead back over the TTL.
        var now = _store.Time.GetUtcNow();
        var first = CassandraSpanWriter.DurationBucket(query.StartTimeMax is null ? Micros(now + TimeSpan.FromHours(1)) : window.Max);
        var last = CassandraSpanWriter.DurationBucket(query.StartTimeMin is null ? Micros(now - _store.Options.Schema.TraceTtl) : window.Min);
        var ids = new List<TraceId>();
        var seen = new HashSet<TraceId>();
        for (var bucket = first; bucket >= last && ids.Count < limit; bucket -= TimeSpan.FromHours(1))
        {
            var found = await IdsAsync(CassandraStatements.SelectByDuration, [bucket, service, query.OperationName ?? string.Empty, min, max, limit], cancellationToken, pageSize: 5000).ConfigureAwait(false);
            foreach (var id in found)
            {
                if (seen.Add(id))
                {
                    ids.Add(id);
                }
            }
        }

        return ids;
    }

    private async Task<List<TraceId>> IdsAsync(string statement, object?[] values, CancellationToken cancellationToken, int pageSize = 0)
    {
        // Index queries run without paging, as Jaeger's: the service index query has IN and ORDER BY, which Cassandra cannot page.
        var result = await _store.ExecuteAsync(statement, values, cancellationToken, pageSize).ConfigureAwait(false);
        var ids = new List<TraceId>();
        var seen = new HashSet<TraceId>();
        if (result.Rows is { } rows)
        {
            for (var i = 0; i < rows.RowCount; i++)
            {
                if (TraceId.TryReadBytes(rows.Cell(i, 0), out var id) && seen.Add(id))
                {
                    ids.Add(id);
                }
            }
        }

        return ids;
    }

    private static List<TraceId> Intersect(List<TraceId> first, List<TraceId> second)
    {
        var other = new HashSet<TraceId>(second);
        return [.. first.Where(other.Contains)];
    }

    /// <summary>True when one span of the trace matches every condition.</summary>
    private static bool Matches(Trace trace, TraceQueryParameters query, (long Min, long Max) window)
    {
        foreach (var span in trace.Spans)
        {
            if (span.Process.ServiceName != query.ServiceName
                || (!string.IsNullOrEmpty(query.OperationName) && span.OperationName != query.OperationName)
                || span.StartTimeMicros < window.Min || span.StartTimeMicros > window.Max
                || (query.DurationMin is { } dmin && span.DurationMicros < dmin.Ticks / 10)
                || (query.DurationMax is { } dmax && span.DurationMicros > dmax.Ticks / 10))
            {
                continue;
            }

            var all = true;
            foreach (var (key, value) in query.Tags)
            {
                if (!HasTag(span, key, value))
                {
                    all = false;
                    break;
                }
            }

            if (all)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasTag(Span span, string key, string value)
    {
        static bool Match(KeyValue tag, string key, string value) => tag.Key == key && tag.Type != KeyValueType.Binary && SpanRows.TagValueText(tag) == value;
        foreach (var tag in span.Tags)
        {
            if (Match(tag, key, value))
            {
                return true;
            }
        }

        foreach (var tag in span.Process.Tags.IsDefault ? [] : span.Process.Tags)
        {
            if (Match(tag, key, value))
            {
                return true;
            }
        }

        foreach (var log in span.Logs)
        {
            foreach (var field in log.Fields)
            {
                if (Match(field, key, value))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
