namespace Jaeger.Storage.ClickHouse.Reading;

/// <summary>
/// Finds the newest traces a search matches (newest trace start first, exact limit) while reading as little of
/// <c>spans</c> as it can: a search looks at the newest minute of its time window first and widens the window
/// (eightfold each time) only while what it found cannot yet be the answer.
/// </summary>
/// <remarks>
/// <para>
/// In each window, ClickHouse groups the matching spans by trace and returns the traces with the newest matching span
/// (<c>last_match</c>), a few more than the limit; their start and end come from <c>trace_id_timestamps</c> (looked up
/// by its sort key, only for as many traces as can still be among the answer). The <c>spans</c> sort key ends with the
/// start time and its partitions are days, so a narrow window reads the granules of that time only, not the whole
/// table or the whole window the caller gave.
/// </para>
/// <para>
/// Why the answer is exact: a trace's start is at or before each of its spans, so a trace that was not returned has
/// its start at or before the <em>frontier</em>: the oldest <c>last_match</c> returned when the list was cut at its
/// length, else just before the window. Once the limit-th newest start among the returned traces is after the
/// frontier, no other trace can displace it. Otherwise the search asks for more traces (cut list) or a wider window,
/// until the window is the caller's whole window and the list is not cut.
/// </para>
/// </remarks>
internal static class NewestTraces
{
    private const long FirstWindowNanos = 60L * 1_000_000_000;
    private const long WholeWindowNanos = 400L * 24 * 3600 * 1_000_000_000;
    private const int WindowGrowth = 8;

    public static async Task<List<(string Id, long Start, long End)>> FindAsync(ClickHouseDatabase db, TraceQueryParameters query, int limit, long nowNanos, CancellationToken cancellationToken)
    {
        long? lo = query.StartTimeMin is { } min ? TraceSearch.Nanos(min) : null;
        var top = query.StartTimeMax is { } max ? TraceSearch.Nanos(max) : nowNanos;
        var width = FirstWindowNanos;
        var fetch = limit * 2;
        var known = new Dictionary<string, (long Start, long End)>(StringComparer.Ordinal);
        while (true)
        {
            var whole = lo is { } l ? top - width <= l : width >= WholeWindowNanos;
            var windowLo = whole ? lo : top - width;
            var candidates = await CandidatesAsync(db, query, windowLo, fetch, cancellationToken).ConfigureAwait(false);
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
            if (whole && !cut)
            {
                return ranked.Count > limit ? ranked.GetRange(0, limit) : ranked;
            }

            // Every trace not among the candidates starts at or before the frontier.
            var frontier = cut ? candidates[^1].LastMatch : windowLo!.Value - 1;
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
                width *= WindowGrowth;
            }
        }
    }

    /// <summary>The traces with a matching span in [windowLo, the caller's end], newest matching span first, at most <paramref name="fetch"/>.</summary>
    private static async Task<List<(string Id, long LastMatch)>> CandidatesAsync(ClickHouseDatabase db, TraceQueryParameters query, long? windowLo, int fetch, CancellationToken cancellationToken)
    {
        var search = new TraceSearch(query, binaryTags: true);
        var window = windowLo is { } w ? $" AND s.start_time >= fromUnixTimestamp64Nano({search.Add("Int64", w)})" : string.Empty;
        var sql = $"""
            SELECT s.trace_id AS trace_id, toUnixTimestamp64Nano(max(s.start_time)) AS last_match
            FROM {db.Table("spans")} AS s
            WHERE {search.Where}{window}
            GROUP BY trace_id
            ORDER BY last_match DESC, trace_id DESC
            LIMIT {search.Add("UInt32", (uint)fetch)}
            """;
        var candidates = new List<(string, long)>();
        await db.ReadAsync("search", sql, r => candidates.Add((r.GetString(0), r.GetInt64(1))), cancellationToken, search.Parameters).ConfigureAwait(false);
        return candidates;
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
        while (next < candidates.Count)
        {
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

            if (ids.Count == 0)
            {
                continue;
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
}
