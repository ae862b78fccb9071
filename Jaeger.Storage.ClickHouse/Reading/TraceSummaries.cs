using System.Globalization;
using Jaeger.Model;

namespace Jaeger.Storage.ClickHouse.Reading;

/// <summary>
/// Trace summaries computed by ClickHouse from the narrow columns of <c>spans</c> (never the attribute payloads):
/// start, end, span and error counts, the root (the earliest span without a parent, else the earliest whose parent
/// is missing), orphans (spans whose parent is not in the trace) and per-service counts ordered by the service's
/// first span. An error is an <c>Error</c> status or an <c>error</c> tag of true.
/// </summary>
internal static class TraceSummaries
{
    public static async Task<Dictionary<string, TraceSummary>> ReadAsync(ClickHouseDatabase db, string[] ids, long from, long to, CancellationToken cancellationToken)
    {
        var sql = $$"""
            SELECT
                trace_id, trace_start, trace_end, span_count, error_count,
                arrayCount(p -> p != '' AND NOT has(ids, p), parents) AS orphans,
                arraySort(x -> (x.3, x.4), arrayFilter(x -> x.5 = '' OR NOT has(ids, x.5), candidates))[1] AS root,
                mapKeys(service_first) AS service_names,
                mapValues(service_first) AS service_starts,
                mapValues(service_spans) AS service_span_counts,
                mapValues(service_errors) AS service_error_counts
            FROM
            (
                SELECT
                    trace_id,
                    min(start_us) AS trace_start,
                    max(end_us) AS trace_end,
                    count() AS span_count,
                    countIf(is_error) AS error_count,
                    groupArray(id) AS ids,
                    groupArray(parent_span_id) AS parents,
                    groupArray((service_name, name, parent_span_id != '', start_us, parent_span_id)) AS candidates,
                    minMap(map(service_name, start_us)) AS service_first,
                    sumMap(map(service_name, toUInt64(1))) AS service_spans,
                    sumMap(map(service_name, toUInt64(is_error))) AS service_errors
                FROM
                (
                    SELECT
                        trace_id, id, parent_span_id, service_name, name,
                        toUnixTimestamp64Micro(start_time) AS start_us,
                        start_us + intDiv(duration, 1000) AS end_us,
                        status_code = 'Error'
                            OR arrayExists((k, v) -> k = 'error' AND v = 'true', str_attributes.key, str_attributes.value)
                            OR arrayExists((k, v) -> k = 'error' AND v, bool_attributes.key, bool_attributes.value) AS is_error
                    FROM {{db.Table("spans")}}
                    WHERE trace_id IN {ids:Array(String)}
                        AND start_time >= fromUnixTimestamp64Nano({from:Int64})
                        AND start_time <= fromUnixTimestamp64Nano({to:Int64})
                )
                GROUP BY trace_id
            )
            """;
        var summaries = new Dictionary<string, TraceSummary>(StringComparer.Ordinal);
        await db.ReadAsync(
            "trace summaries",
            sql,
            r =>
            {
                var root = (System.Runtime.CompilerServices.ITuple)r.GetValue(6);
                var names = SpanRowReader.Strings(r.GetValue(7));
                var starts = SpanRowReader.Longs(r.GetValue(8));
                var spans = SpanRowReader.Longs(r.GetValue(9));
                var errors = SpanRowReader.Longs(r.GetValue(10));
                var order = Enumerable.Range(0, names.Length).OrderBy(i => starts[i]).ThenBy(i => names[i], StringComparer.Ordinal);
                var start = Long(r.GetValue(1));
                var id = r.GetString(0);
                summaries[id] = new TraceSummary
                {
                    TraceId = TraceId.Parse(id),
                    StartTimeMicros = start,
                    DurationMicros = Long(r.GetValue(2)) - start,
                    SpanCount = (int)Long(r.GetValue(3)),
                    ErrorSpanCount = (int)Long(r.GetValue(4)),
                    OrphanSpanCount = (int)Long(r.GetValue(5)),
                    RootServiceName = (string?)root[0] ?? string.Empty,
                    RootOperationName = (string?)root[1] ?? string.Empty,
                    Services = [.. order.Select(i => new ServiceSpanCount(names[i], (int)spans[i], (int)errors[i]))],
                };
            },
            cancellationToken,
            ClickHouseDatabase.Parameter("ids", "Array(String)", ids),
            ClickHouseDatabase.Parameter("from", "Int64", from),
            ClickHouseDatabase.Parameter("to", "Int64", to)).ConfigureAwait(false);
        return summaries;
    }

    private static long Long(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
