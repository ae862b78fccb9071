namespace Jaeger.Storage.ClickHouse.Reading;

/// <summary>
/// Finds the newest traces a search matches (newest trace start first, exact limit) while reading as little of
/// <c>spans</c> as it can: a search looks at the newest minute of data in its time window first (or more, when the
/// table's average density says a minute cannot hold the traces asked for) and widens the window
/// (eightfold each time, 64-fold after a window without a match) only while what it found cannot yet be the answer.
/// </summary>
/// <remarks>
/// <para>
/// Each window is one statement. ClickHouse groups the matching spans by trace and returns the traces with the newest
/// matching span (<c>last_match</c>), a few more than the limit, and, in the same statement, the start and end of the
/// first limit of them from <c>trace_id_timestamps</c> (looked up by its sort key); more are looked up only when they
/// can still be among the answer. The windows end at the caller's end and reach back from the newest span start in
/// <c>spans</c> when that is earlier (the first statement reads it, with the oldest, from the parts' min/max of the
/// partition column), so no statement is spent on a time that holds no data; a window that reaches the oldest span
/// start is the whole window. The <c>spans</c> sort key ends with the start time and its partitions are days, so a
/// narrow window reads the granules of that time only, not the whole table or the whole window the caller gave.
/// </para>
/// <para>
/// Why the answer is exact: a trace's start is at or before each of its spans, so a trace that was not returned has
/// its start at or before the <em>frontier</em>: the oldest <c>last_match</c> returned when the list was cut at its
/// length, else just before the window. Once the limit-th newest start among the returned traces is after the
/// frontier, no other trace can displace it. Otherwise the search asks for more traces (cut list) or a wider window,
/// until the window is the whole window and the list is not cut.
/// </para>
/// </remarks>
internal static class NewestTraces
{
    private const long FirstWindowNanos = 60L * 1_000_000_000;
    private const long WholeWindowNanos = 400L * 24 * 3600 * 1_000_000_000;
    private const int WindowGrowth = 8;

    // Spans per trace asked for that the first window should hold at the table's average density: traces of ten
    // spans under a filter that keeps a tenth of them. Only the number of rounds depends on it, never the answer.
    private const int FirstWindowSpansPerCandidate = 100;

    // A window without a single match says the data is sparse for this search: widen faster.
    private const int EmptyWindowGrowth = 64;

    public static async Task<List<(string Id, long Start, long End)>> FindAsync(ClickHouseDatabase db, TraceQueryParameters query, int limit, long nowNanos, CancellationToken cancellationToken)
    {
        long? lo = query.StartTimeMin is { } min ? TraceSearch.Nanos(min) : null;
        var top = query.StartTimeMax is { } max ? TraceSearch.Nanos(max) : nowNanos;
        var width = FirstWindowNanos;
        var fetch = limit * 2;
        var known = new Dictionary<string, (long Start, long End)>(StringComparer.Ordinal);
        Bounds? bounds = null;
        while (true)
        {
            var round = await RoundAsync(db, query, top, lo, width, bounds, fetch, limit, known, cancellationToken).ConfigureAwait(false);
            bounds = round.Bounds;
            width = Math.Max(width, round.Bounds.Anchor - round.WindowLo);
            var candidates = round.Candidates;
            var cut = candidates.Count == fetch;
            await LookUpAsync(db, candidates, known, limit, cancellationToken).ConfigureAwait(false);

            var ranked = new List<(string Id, long Start, long End)>(candidates.Count);
            foreach (var (id, _) in candidates)
            {
                if (known.TryGetValue(id, out var range) && range.Start != long.MinValue)
                {
                    ranked.Add((id, range.Start, range.End));
                }
            }

            ranked.Sort(static (a, b) => b.Start != a.Start ? b.Start.CompareTo(a.Start) : string.CompareOrdinal(b.Id, a.Id));
            if (round.Whole && !cut)
            {
                return ranked.Count > limit ? ranked.GetRange(0, limit) : ranked;
            }

            // Every trace not among the candidates starts at or before the frontier.
            var frontier = cut ? candidates[^1].LastMatch : round.WindowLo - 1;
            if (ranked.Count >= limit && ranked[limit - 1].Start > frontier)
            {
                return ranked.GetRange(0, limit);
            }

            if (cut)
            {
                fetch = (int)Math.Min(fetch * 4L, int.MaxValue);
            }
            else
            {
                width = candidates.Count == 0 && width <= WholeWindowNanos / EmptyWindowGrowth ? width * EmptyWindowGrowth : width * WindowGrowth;
            }
        }
    }

    /// <summary>
    /// One round, one statement: the traces with a matching span in the window (newest matching span first, at most
    /// <paramref name="fetch"/>) and the start and end of the first <paramref name="limit"/> of them from
    /// <c>trace_id_timestamps</c> (added to <paramref name="known"/>; a trace the table does not know gets
    /// <see cref="long.MinValue"/>). The window ends at the caller's end and reaches back <paramref name="width"/> from
    /// the anchor: the newest span start in <c>spans</c> when it is before the caller's end, so that no round is spent
    /// on a time that holds no data. The first round reads the anchor and the oldest span start (from the parts'
    /// min/max of the partition column, not from rows) in the same statement; a window reaching back to the oldest
    /// start, or to the caller's start, is the whole window.
    /// </summary>
    private static async Task<Round> RoundAsync(
        ClickHouseDatabase db, TraceQueryParameters query, long top, long? lo, long width, Bounds? bounds, int fetch, int limit,
        Dictionary<string, (long Start, long End)> known, CancellationToken cancellationToken)
    {
        var search = new TraceSearch(query, binaryTags: true);
        string spanBounds, anchor, oldest;
        if (bounds is { } b)
        {
            spanBounds = string.Empty;
            anchor = search.Add("Int64", b.Anchor);
            oldest = search.Add("Int64", b.Oldest);
        }
        else
        {
            spanBounds = $"(SELECT (toUnixTimestamp64Nano(min(start_time)), toUnixTimestamp64Nano(max(start_time))) FROM {db.Table("spans")}) AS span_bounds,\n    (SELECT count() FROM {db.Table("spans")}) AS span_rows,\n    ";
            anchor = $"least(span_bounds.2, {search.Add("Int64", top)})";
            oldest = "span_bounds.1";
        }

        var reach = search.Add("Int64", width);
        if (bounds is null)
        {
            // The first window is also at least as wide as the table's average density says holds about
            // FirstWindowSpansPerCandidate spans per trace asked for (the row count and the bounds come from part
            // metadata), so a search for many traces does not start with a minute that cannot hold them.
            var perCandidate = search.Add("Float64", (double)fetch * FirstWindowSpansPerCandidate);
            reach = $"greatest({reach}, toInt64(least((span_bounds.2 - span_bounds.1) / greatest(span_rows, 1) * {perCandidate}, {search.Add("Float64", (double)WholeWindowNanos)})))";
        }

        var windowLo = lo is { } l ? $"greatest({anchor} - {reach}, {search.Add("Int64", l)})" : $"{anchor} - {reach}";

        // Past the whole window, no lower bound at all (spans older than the oldest the table reported may still arrive).
        var unbounded = lo is null && width >= WholeWindowNanos;
        var window = unbounded ? string.Empty : " AND s.start_time >= fromUnixTimestamp64Nano(window_lo)";
        var sql = $"""
            WITH
                {spanBounds}{oldest} AS oldest_start,
                {anchor} AS anchor,
                {windowLo} AS window_lo,
                (
                    SELECT (groupArray(trace_id), groupArray(last_match))
                    FROM
                    (
                        SELECT s.trace_id AS trace_id, toUnixTimestamp64Nano(max(s.start_time)) AS last_match
                        FROM {db.Table("spans")} AS s
                        WHERE {search.Where}{window}
                        GROUP BY trace_id
                        ORDER BY last_match DESC, trace_id DESC
                        LIMIT {search.Add("UInt32", (uint)fetch)}
                    )
                ) AS candidates
            SELECT
                oldest_start, anchor, window_lo, candidates.1, candidates.2,
                (
                    SELECT (groupArray(trace_id), groupArray(trace_start), groupArray(trace_end))
                    FROM
                    (
                        SELECT trace_id, toUnixTimestamp64Nano(min(start)) AS trace_start, toUnixTimestamp64Nano(max(end)) AS trace_end
                        FROM {db.Table("trace_id_timestamps")}
                        WHERE has(arraySlice(candidates.1, 1, {search.Add("UInt32", (uint)limit)}), trace_id)
                        GROUP BY trace_id
                    )
                ) AS ranges
            """;
        Round? round = null;
        await db.ReadAsync(
            "search",
            sql,
            r =>
            {
                var newBounds = new Bounds(r.GetInt64(0), r.GetInt64(1));
                var lower = r.GetInt64(2);
                var ids = SpanRowReader.Strings(r.GetValue(3));
                var lastMatches = SpanRowReader.Longs(r.GetValue(4));
                var candidates = new List<(string Id, long LastMatch)>(ids.Length);
                for (var i = 0; i < ids.Length; i++)
                {
                    candidates.Add((ids[i], lastMatches[i]));
                }

                for (var i = 0; i < Math.Min(limit, ids.Length); i++)
                {
                    known[ids[i]] = (long.MinValue, long.MinValue);
                }

                var ranges = (System.Runtime.CompilerServices.ITuple)r.GetValue(5);
                var rangeIds = SpanRowReader.Strings(ranges[0]!);
                var starts = SpanRowReader.Longs(ranges[1]!);
                var ends = SpanRowReader.Longs(ranges[2]!);
                for (var i = 0; i < rangeIds.Length; i++)
                {
                    known[rangeIds[i]] = (starts[i], ends[i]);
                }

                var whole = unbounded || lower <= newBounds.Oldest || (lo is { } start && lower <= start);
                round = new Round(newBounds, lower, whole, candidates);
            },
            cancellationToken,
            search.Parameters).ConfigureAwait(false);
        return round ?? throw new StorageException("error", "ClickHouse search returned no row.", isTransient: false);
    }

    /// <summary>
    /// Looks up the start and end of the candidates (newest matching span first) in <c>trace_id_timestamps</c>, only
    /// as far down the list as a trace could still be among the <paramref name="limit"/> newest starts: a trace starts
    /// at or before its last match. A trace the table does not know is kept with <see cref="long.MinValue"/> and left out.
    /// </summary>
    private static async Task LookUpAsync(ClickHouseDatabase db, List<(string Id, long LastMatch)> candidates, Dictionary<string, (long Start, long End)> known, int limit, CancellationToken cancellationToken)
    {
        var next = 0;
        var batch = limit;
        while (true)
        {
            // Those already known (the round's own look-up) need no statement.
            while (next < candidates.Count && known.ContainsKey(candidates[next].Id))
            {
                next++;
            }

            if (next == candidates.Count)
            {
                return;
            }

            if (NthNewestStart(candidates, next, known, limit) is { } nth && candidates[next].LastMatch < nth)
            {
                return;
            }

            var ids = new List<string>(batch);
            for (; next < candidates.Count && ids.Count < batch; next++)
            {
                if (!known.ContainsKey(candidates[next].Id))
                {
                    ids.Add(candidates[next].Id);
                }
            }

            foreach (var id in ids)
            {
                known[id] = (long.MinValue, long.MinValue);
            }

            await db.ReadAsync(
                "search trace ranges",
                $"SELECT trace_id, toUnixTimestamp64Nano(min(start)), toUnixTimestamp64Nano(max(end)) FROM {db.Table("trace_id_timestamps")} WHERE trace_id IN {{ids:Array(String)}} GROUP BY trace_id",
                r => known[r.GetString(0)] = (r.GetInt64(1), r.GetInt64(2)),
                cancellationToken,
                ClickHouseDatabase.Parameter("ids", "Array(String)", ids.ToArray())).ConfigureAwait(false);
            batch *= 2;
        }
    }

    /// <summary>The <paramref name="limit"/>-th newest known start among the first <paramref name="count"/> candidates, or null when fewer are known.</summary>
    private static long? NthNewestStart(List<(string Id, long LastMatch)> candidates, int count, Dictionary<string, (long Start, long End)> known, int limit)
    {
        var starts = new List<long>(count);
        for (var i = 0; i < count; i++)
        {
            if (known.TryGetValue(candidates[i].Id, out var range) && range.Start != long.MinValue)
            {
                starts.Add(range.Start);
            }
        }

        if (starts.Count < limit)
        {
            return null;
        }

        starts.Sort();
        return starts[^limit];
    }

    /// <summary>The oldest span start in <c>spans</c> and the anchor of the windows (the newest span start, at most the caller's end).</summary>
    private readonly record struct Bounds(long Oldest, long Anchor);

    private sealed record Round(Bounds Bounds, long WindowLo, bool Whole, List<(string Id, long LastMatch)> Candidates);
}
