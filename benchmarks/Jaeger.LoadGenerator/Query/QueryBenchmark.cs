using System.Diagnostics;
using System.Globalization;
using Jaeger.LoadGenerator.Generation;
using Jaeger.LoadGenerator.Latency;
using Jaeger.LoadGenerator.Options;

namespace Jaeger.LoadGenerator.Query;

/// <summary>One kind of query request and the latency of every request of that kind.</summary>
internal sealed class QueryKind(string description, string pathAndQuery)
{
    private long _errors;

    public string Description { get; } = description;

    public string PathAndQuery { get; } = pathAndQuery;

    public LatencyRecorder Latency { get; } = new();

    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>What the first successful answer held ("20 traces, 200 spans"), to show the requests found data.</summary>
    public string? FirstResult { get; private set; }

    public void Describe(string body)
    {
        if (FirstResult is not null)
        {
            return;
        }

        using var json = System.Text.Json.JsonDocument.Parse(body);
        var traces = json.RootElement.GetProperty("data");
        var spans = traces.EnumerateArray().Sum(t => t.GetProperty("spans").GetArrayLength());
        FirstResult = string.Create(CultureInfo.InvariantCulture, $"{traces.GetArrayLength():N0} traces, {spans:N0} spans");
    }

    public void Failed() => Interlocked.Increment(ref _errors);
}

/// <summary>What the query mode measured.</summary>
internal sealed record QueryResult(string Service, long PreloadedSpans, int LargeTraceSpans, int Workers, double Seconds, double WarmupSeconds, IReadOnlyList<QueryKind> Kinds);

/// <summary>
/// Issue 5's measurement: preload the store over collector-http-thrift (traces of 10 spans, plus one 1,000-span
/// trace), wait until stored, then issue a mix of <c>/api/traces</c> searches and <c>/api/traces/{id}</c> from
/// concurrent workers, recording the latency of every request.
/// </summary>
internal sealed class QueryBenchmark(LoadOptions options, TextWriter progress, HttpClient http)
{
    public const int LargeTraceSpans = 1_000;

    public async Task<(QueryResult? Result, IngestResult Preload, IngestResult Large)> RunAsync(CancellationToken cancellationToken)
    {
        // Preload: unbounded rate, batches of 100 spans in traces of 10, until the budget is spent and stored.
        var preloadOptions = options with
        {
            Mode = RunMode.Ingest,
            Transport = TransportKind.CollectorHttpThrift,
            SpansPerTrace = 10,
            BatchSpans = 100,
            TagsPerSpan = Math.Max(2, options.TagsPerSpan),
            Rate = 0,
            Duration = TimeSpan.FromHours(1),
            LatencySamplesPerSecond = 0,
        };
        var traces = (options.PreloadSpans / 10) + 1;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"preloading {options.PreloadSpans:N0} spans of service {options.Service} ... (the store must keep {traces:N0} traces; the all-in-one host keeps 100,000 unless started with --Jaeger:Storage:Memory:MaxTraces=N)"));
        var preload = await new IngestRun(preloadOptions, progress, http).RunAsync(options.PreloadSpans, cancellationToken).ConfigureAwait(false);
        // Its own service, so the searches' answers hold only traces of 10 spans.
        var largeOptions = preloadOptions with { Service = options.Service + "-large", SpansPerTrace = LargeTraceSpans, BatchSpans = LargeTraceSpans, Workers = 1, Progress = false };
        var large = await new IngestRun(largeOptions, progress, http).RunAsync(LargeTraceSpans, cancellationToken).ConfigureAwait(false);
        if (!preload.Balance.Closes || !large.Balance.Closes)
        {
            return (null, preload, large);
        }

        var service = Uri.EscapeDataString(options.Service);
        QueryKind[] kinds =
        [
            new("search: service, limit 20, lookback 1h", $"api/traces?service={service}&limit=20&lookback=1h"),
            new("search: service + operation, limit 20, lookback 1h", $"api/traces?service={service}&operation={Uri.EscapeDataString(SpanShape.Operation(1))}&limit=20&lookback=1h"),
            new("search: service + tag, limit 20, lookback 1h", $"api/traces?service={service}&tag={Uri.EscapeDataString(SpanShape.IndexTag + ":3")}&limit=20&lookback=1h"),
            new($"trace: /api/traces/{{id}} of {LargeTraceSpans:N0} spans", "api/traces/" + large.FirstTraceId),
        ];

        if (options.Warmup > TimeSpan.Zero)
        {
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warming up with {options.Workers} workers for {options.Warmup.TotalSeconds:F0} s (not recorded) ..."));
            await RunWorkersAsync(kinds, options.Warmup, record: false, cancellationToken).ConfigureAwait(false);
        }

        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"querying with {options.Workers} workers for {options.Duration.TotalSeconds:F0} s ..."));
        var clock = Stopwatch.StartNew();
        await RunWorkersAsync(kinds, options.Duration, record: true, cancellationToken).ConfigureAwait(false);
        return (new QueryResult(options.Service, preload.Balance.Sent, LargeTraceSpans, options.Workers, clock.Elapsed.TotalSeconds, options.Warmup.TotalSeconds, kinds), preload, large);
    }

    // Each worker cycles through the kinds for the given time; unrecorded runs only warm the server and the client.
    private async Task RunWorkersAsync(QueryKind[] kinds, TimeSpan duration, bool record, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var workers = new Task[options.Workers];
        for (var w = 0; w < workers.Length; w++)
        {
            var first = w;
            workers[w] = Task.Run(
                async () =>
                {
                    for (var i = first; clock.Elapsed < duration && !cancellationToken.IsCancellationRequested; i++)
                    {
                        var kind = kinds[i % kinds.Length];
                        var started = Stopwatch.GetTimestamp();
                        try
                        {
                            using var response = await http.GetAsync(new Uri(options.QueryUrl, kind.PathAndQuery), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
                            if (!record)
                            {
                                continue;
                            }

                            if (response.IsSuccessStatusCode)
                            {
                                kind.Latency.Record(Stopwatch.GetElapsedTime(started));
                                if (kind.FirstResult is null)
                                {
                                    kind.Describe(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                                }
                            }
                            else
                            {
                                kind.Failed();
                            }
                        }
                        catch (HttpRequestException) when (record)
                        {
                            kind.Failed();
                        }
                        catch (HttpRequestException)
                        {
                            // Warm-up requests are not counted; the measured run counts its own failures.
                        }
                    }
                },
                CancellationToken.None);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }
}
