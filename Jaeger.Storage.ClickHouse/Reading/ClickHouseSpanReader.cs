using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Writing;

namespace Jaeger.Storage.ClickHouse.Reading;

/// <summary>
/// Reads Jaeger v2's ClickHouse tables. Services and operations come from their materialized tables; a search finds
/// trace ids on <c>spans</c> in time windows growing back from the newest (<see cref="NewestTraces"/>) and orders
/// them by trace start from <c>trace_id_timestamps</c> (exact limit, newest first); a trace is read by id within its time range (the caller's hint, else <c>trace_id_timestamps</c>), which
/// prunes day partitions (one statement: the range is a scalar subquery); summaries are aggregated by the server.
/// </summary>
internal sealed class ClickHouseSpanReader : ISpanReader
{
    private readonly ClickHouseDatabase _db;
    private readonly int _maxSearchDepth;
    private readonly TimeProvider _time;

    public ClickHouseSpanReader(ClickHouseDatabase database, ClickHouseStorageOptions options, TimeProvider? time = null)
    {
        _db = database;
        _maxSearchDepth = options.MaxSearchDepth;
        _time = time ?? TimeProvider.System;
    }

    public SearchCapabilities Capabilities => SearchCapabilities.All;

    public async ValueTask<Trace?> GetTraceAsync(TraceGetParameters query, CancellationToken cancellationToken = default)
    {
        var id = SpanRows.TraceIdText(query.TraceId);
        long? from = query.StartTime is { } start ? TraceSearch.Nanos(start) : null;
        long? to = query.EndTime is { } end ? TraceSearch.Nanos(end) : null;
        var traces = await ReadTracesAsync([id], from, to, cancellationToken, rangeOf: from is null && to is null ? id : null).ConfigureAwait(false);
        return traces.TryGetValue(id, out var trace) ? trace : null;
    }

    public async ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default)
    {
        var services = new List<string>();
        await _db.ReadAsync("services", $"SELECT name FROM {_db.Table("services")} GROUP BY name ORDER BY name", r => services.Add(r.GetString(0)), cancellationToken).ConfigureAwait(false);
        return services;
    }

    public async ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(query.ServiceName);
        var operations = new List<Operation>();
        var byKind = !string.IsNullOrEmpty(query.SpanKind);
        var sql = $"SELECT name, span_kind FROM {_db.Table("operations")} WHERE service_name = {{service:String}}{(byKind ? " AND span_kind = {kind:String}" : string.Empty)} GROUP BY name, span_kind ORDER BY name, span_kind";
        await _db.ReadAsync(
            "operations",
            sql,
            r =>
            {
                var kind = r.GetString(1);
                operations.Add(new Operation(r.GetString(0), SpanRows.Kinds.Contains(kind) ? kind : string.Empty));
            },
            cancellationToken,
            [ClickHouseDatabase.Parameter("service", "String", query.ServiceName), .. byKind ? [ClickHouseDatabase.Parameter("kind", "String", query.SpanKind!)] : Array.Empty<global::ClickHouse.Driver.ADO.Parameters.ClickHouseDbParameter>()]).ConfigureAwait(false);
        return operations;
    }

    public async ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
    {
        var found = await FindAsync(query, cancellationToken).ConfigureAwait(false);
        if (found.Count == 0)
        {
            return [];
        }

        var traces = await ReadTracesAsync([.. found.Select(f => f.Id)], found.Min(f => f.Start), found.Max(f => f.End), cancellationToken).ConfigureAwait(false);
        var result = new List<Trace>(found.Count);
        foreach (var f in found)
        {
            if (traces.TryGetValue(f.Id, out var trace))
            {
                result.Add(trace);
            }
        }

        return result;
    }

    public async ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
    {
        var found = await FindAsync(query, cancellationToken).ConfigureAwait(false);
        return [.. found.Select(f => TraceId.Parse(f.Id))];
    }

    public async ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
    {
        var found = await FindAsync(query, cancellationToken).ConfigureAwait(false);
        if (found.Count == 0)
        {
            return [];
        }

        var summaries = await TraceSummaries.ReadAsync(_db, [.. found.Select(f => f.Id)], found.Min(f => f.Start), found.Max(f => f.End), cancellationToken).ConfigureAwait(false);
        var result = new List<TraceSummary>(found.Count);
        foreach (var f in found)
        {
            if (summaries.TryGetValue(f.Id, out var summary))
            {
                result.Add(summary);
            }
        }

        return result;
    }

    /// <summary>The matching trace ids with their time ranges, newest trace start first, at most the limit.</summary>
    private async Task<List<(string Id, long Start, long End)>> FindAsync(TraceQueryParameters query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        SearchCapabilityCheck.ThrowIfUnsupported(query, Capabilities);
        query.Validate();
        var limit = Math.Min(query.Limit, _maxSearchDepth);
        return await NewestTraces.FindAsync(_db, query, limit, TraceSearch.Nanos(_time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The spans of the traces, read within [from, to] of span start when given. With <paramref name="rangeOf"/> (one
    /// trace, no bounds given), within that trace's time range as Jaeger v2 keeps it in <c>trace_id_timestamps</c>,
    /// looked up in the same statement (a scalar subquery ClickHouse runs first, so the range still prunes day
    /// partitions and parts); a trace the table does not know is read without bounds.
    /// </summary>
    private async Task<Dictionary<string, Trace>> ReadTracesAsync(string[] ids, long? from, long? to, CancellationToken cancellationToken, string? rangeOf = null)
    {
        var sql = (rangeOf is null ? string.Empty : $"WITH (SELECT (count(), min(start), max(end)) FROM {_db.Table("trace_id_timestamps")} WHERE trace_id = {{range_of:String}}) AS trace_range\n")
            + $"SELECT {SpanRowReader.SelectList} FROM {_db.Table("spans")} WHERE trace_id IN {{ids:Array(String)}}"
            + (from is null ? string.Empty : " AND start_time >= fromUnixTimestamp64Nano({from:Int64})")
            + (to is null ? string.Empty : " AND start_time <= fromUnixTimestamp64Nano({to:Int64})")
            + (rangeOf is null ? string.Empty : " AND (trace_range.1 = 0 OR (start_time >= trace_range.2 AND start_time <= trace_range.3))");
        var parameters = new List<global::ClickHouse.Driver.ADO.Parameters.ClickHouseDbParameter> { ClickHouseDatabase.Parameter("ids", "Array(String)", ids) };
        if (rangeOf is not null)
        {
            parameters.Add(ClickHouseDatabase.Parameter("range_of", "String", rangeOf));
        }

        if (from is { } f)
        {
            parameters.Add(ClickHouseDatabase.Parameter("from", "Int64", f));
        }

        if (to is { } t)
        {
            parameters.Add(ClickHouseDatabase.Parameter("to", "Int64", t));
        }

        var traces = new Dictionary<string, Trace>(StringComparer.Ordinal);
        await _db.ReadAsync(
            "get traces",
            sql,
            r =>
            {
                var id = r.GetString(1);
                if (!traces.TryGetValue(id, out var trace))
                {
                    trace = new Trace();
                    traces[id] = trace;
                }

                trace.Spans.Add(SpanRowReader.Read(r));
            },
            cancellationToken,
            parameters).ConfigureAwait(false);
        return traces;
    }
}
