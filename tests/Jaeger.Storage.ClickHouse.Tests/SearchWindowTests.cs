using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Tests.Engine;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>
/// The search reads time windows growing back from the newest and cut candidate lists (<c>NewestTraces</c>); these
/// check on the real engine that the answer is still exactly the newest trace starts, against the answer computed here
/// from the written spans, on data where a trace's newest matching span and its start are far apart.
/// </summary>
public sealed class SearchWindowTests
{
    [EngineFact]
    public async Task Search_returns_exactly_the_newest_trace_starts_whatever_the_windows_it_reads()
    {
        await using var storage = await EngineStorage.CreateAsync();
        var now = DateTimeOffset.UtcNow;
        var random = new Random(16);
        var services = new[] { new Process("svc-a", []), new Process("svc-b", []), new Process("svc-c", []) };
        var spans = new List<Span>();
        for (var t = 1; t <= 300; t++)
        {
            var traceId = new TraceId(0x5EA, (ulong)t);
            // Starts over three days back and a few minutes ahead (clock skew); a third of the traces last hours.
            var start = now.AddSeconds(-random.Next(0, 3 * 24 * 3600)).AddMinutes(t % 17 == 0 ? 5 : 0).AddTicks(random.Next(0, 10_000_000));
            var longTrace = t % 3 == 0;
            var count = random.Next(1, 5);
            for (var s = 1; s <= count; s++)
            {
                var offset = s == 1 ? TimeSpan.Zero : longTrace ? TimeSpan.FromSeconds(random.Next(0, 6 * 3600)) : TimeSpan.FromMilliseconds(random.Next(0, 2000));
                spans.Add(new Span
                {
                    TraceId = traceId,
                    SpanId = new SpanId((ulong)s),
                    OperationName = $"op-{s}",
                    Process = services[random.Next(services.Length)],
                    StartTime = start + offset,
                    DurationMicros = 1000 * s,
                });
            }
        }

        await storage.Writer.WriteSpansAsync(spans);

        TraceQueryParameters[] queries =
        [
            new() { ServiceName = "svc-a", Limit = 1 },
            new() { ServiceName = "svc-a", Limit = 7 },
            new() { ServiceName = "svc-b", Limit = 40 },
            new() { ServiceName = "svc-c", Limit = 500 },
            new() { ServiceName = "svc-b", StartTimeMin = now.AddDays(-2), StartTimeMax = now.AddHours(-1), Limit = 10 },
            new() { ServiceName = "svc-a", StartTimeMin = now.AddMinutes(-30), Limit = 5 },
            new() { ServiceName = "svc-c", StartTimeMax = now.AddHours(-20), Limit = 3 },
            new() { OperationName = "op-3", DurationMin = TimeSpan.FromMilliseconds(3), Limit = 12 },
        ];
        foreach (var query in queries)
        {
            var expected = spans
                .GroupBy(s => s.TraceId)
                .Where(g => g.Any(s => Matches(query, s)))
                .Select(g => (Id: g.Key, Start: g.Min(s => s.StartTime)))
                .OrderByDescending(x => x.Start).ThenByDescending(x => x.Id.ToString(), StringComparer.Ordinal)
                .Take(query.Limit)
                .Select(x => x.Id)
                .ToList();
            Assert.NotEmpty(expected);
            var found = await storage.Reader.FindTraceIdsAsync(query);
            Assert.Equal(expected, found);
        }
    }

    [EngineFact]
    public async Task A_search_starts_at_the_newest_data_and_a_trace_by_id_is_one_statement()
    {
        await using var storage = await EngineStorage.CreateAsync();
        var front = await ClickHouseTestServer.RequireAsync();
        var marker = storage.Database.Name;

        // 30 one-span traces a second apart, the newest two hours ago: the minutes before now hold nothing.
        var newest = DateTimeOffset.UtcNow.AddHours(-2);
        var process = new Process("svc-quiet", []);
        var spans = Enumerable.Range(1, 30).Select(t => new Span
        {
            TraceId = new TraceId(0x0DE, (ulong)t),
            SpanId = new SpanId(1),
            OperationName = "op",
            Process = process,
            StartTime = newest.AddSeconds(t - 30),
            DurationMicros = 1000,
        }).ToList();
        await storage.Writer.WriteSpansAsync(spans);
        var query = new TraceQueryParameters { ServiceName = "svc-quiet", Limit = 5 };
        var expected = Enumerable.Range(26, 5).Reverse().Select(t => new TraceId(0x0DE, (ulong)t)).ToList();

        var before = front.Arrived(marker);
        Assert.Equal(expected, await storage.Reader.FindTraceIdsAsync(query));
        Assert.Equal(before + 1, front.Arrived(marker));

        before = front.Arrived(marker);
        var traces = await storage.Reader.FindTracesAsync(query);
        Assert.Equal(expected, traces.Select(t => t.Spans[0].TraceId));
        Assert.Equal(before + 2, front.Arrived(marker));

        before = front.Arrived(marker);
        Assert.Single((await storage.Reader.GetTraceAsync(new TraceGetParameters(expected[0])))!.Spans);
        Assert.Equal(before + 1, front.Arrived(marker));
    }

    [EngineFact]
    public async Task A_search_for_more_traces_than_a_minute_holds_starts_wide_enough_to_be_one_statement()
    {
        await using var storage = await EngineStorage.CreateAsync();
        var front = await ClickHouseTestServer.RequireAsync();
        var marker = storage.Database.Name;

        // 2,000 one-span traces a second apart over two services: a minute holds 30 of one service, the limit is 500.
        var newest = DateTimeOffset.UtcNow.AddMinutes(-5);
        var processes = new[] { new Process("svc-dense", []), new Process("svc-other", []) };
        var spans = Enumerable.Range(1, 2000).Select(t => new Span
        {
            TraceId = new TraceId(0x0DF, (ulong)t),
            SpanId = new SpanId(1),
            OperationName = "op",
            Process = processes[t % 2],
            StartTime = newest.AddSeconds(t - 2000),
            DurationMicros = 1000,
        }).ToList();
        await storage.Writer.WriteSpansAsync(spans);
        var query = new TraceQueryParameters { ServiceName = "svc-dense", Limit = 500 };
        var expected = Enumerable.Range(1, 2000).Where(t => t % 2 == 0).Reverse().Take(500).Select(t => new TraceId(0x0DF, (ulong)t)).ToList();

        var before = front.Arrived(marker);
        Assert.Equal(expected, await storage.Reader.FindTraceIdsAsync(query));
        Assert.Equal(before + 1, front.Arrived(marker));
    }

    private static bool Matches(TraceQueryParameters query, Span span) =>
        (string.IsNullOrEmpty(query.ServiceName) || span.Process.ServiceName == query.ServiceName)
        && (string.IsNullOrEmpty(query.OperationName) || span.OperationName == query.OperationName)
        && (query.StartTimeMin is not { } min || span.StartTime >= min)
        && (query.StartTimeMax is not { } max || span.StartTime <= max)
        && (query.DurationMin is not { } d || span.DurationMicros * 10 >= d.Ticks);
}
