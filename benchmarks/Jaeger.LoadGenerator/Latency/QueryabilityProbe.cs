using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Jaeger.Model;

namespace Jaeger.LoadGenerator.Latency;

/// <summary>
/// Emit-to-queryable latency: about <c>samplesPerSecond</c> traces are remembered with their emit time, and polled on
/// the query API (<c>GET /api/traces/{id}</c>) until the trace is there with all its spans.
/// </summary>
internal sealed class QueryabilityProbe
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(30);
    private const int MaxPending = 500;

    private readonly HttpClient _http;
    private readonly Uri _query;
    private readonly int _spansPerTrace;
    private readonly long _intervalTicks;
    private readonly ConcurrentDictionary<TraceId, long> _pending = new();
    private long _nextSampleAt;
    private long _notFound;
    private long _skipped;
    private long _incomplete;
    private TraceCheck? _check;

    public QueryabilityProbe(HttpClient http, Uri queryBase, int spansPerTrace, double samplesPerSecond)
    {
        _http = http;
        _query = queryBase;
        _spansPerTrace = spansPerTrace;
        _intervalTicks = samplesPerSecond <= 0 ? long.MaxValue : (long)(Stopwatch.Frequency / samplesPerSecond);
        _nextSampleAt = samplesPerSecond <= 0 ? long.MaxValue : 0;
    }

    public LatencyRecorder Latency { get; } = new();

    /// <summary>Samples given up: not queryable with all their spans within 30 s (lost, or the run ended first).</summary>
    public long NotFound => Interlocked.Read(ref _notFound) + _pending.Count;

    /// <summary>Samples not taken because too many were pending.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Polls that found the trace with a span count other than expected (and kept polling).</summary>
    public long Incomplete => Interlocked.Read(ref _incomplete);

    public int Pending => _pending.Count;

    /// <summary>The first complete sample trace as the query API returned it.</summary>
    public TraceCheck? Check => _check;

    /// <summary>Called by senders for each request's first trace; remembers it when a sample is due.</summary>
    public void Offer(TraceId traceId, long emitTimestamp)
    {
        var next = Interlocked.Read(ref _nextSampleAt);
        if (emitTimestamp < next || Interlocked.CompareExchange(ref _nextSampleAt, emitTimestamp + _intervalTicks, next) != next)
        {
            return;
        }

        if (_pending.Count >= MaxPending)
        {
            Interlocked.Increment(ref _skipped);
            return;
        }

        _pending[traceId] = emitTimestamp;
    }

    /// <summary>Polls what is pending every 20 ms until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await PollOnceAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    /// <summary>Polls what is pending until nothing is or <paramref name="deadline"/> passes.</summary>
    public async Task DrainAsync(TimeSpan deadline, CancellationToken cancellationToken)
    {
        var until = Stopwatch.GetTimestamp() + (long)(deadline.TotalSeconds * Stopwatch.Frequency);
        while (!_pending.IsEmpty && Stopwatch.GetTimestamp() < until)
        {
            await PollOnceAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var polls = new List<Task>();
        foreach (var (traceId, emitted) in _pending)
        {
            if (Stopwatch.GetElapsedTime(emitted) > GiveUpAfter)
            {
                if (_pending.TryRemove(traceId, out _))
                {
                    Interlocked.Increment(ref _notFound);
                }

                continue;
            }

            polls.Add(PollAsync(traceId, emitted, cancellationToken));
        }

        await Task.WhenAll(polls).ConfigureAwait(false);
    }

    private async Task PollAsync(TraceId traceId, long emitted, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(_query, "api/traces/" + traceId), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return;
            }

            var seenAt = Stopwatch.GetTimestamp();
            using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            var check = TraceCheck.From(traceId, json.RootElement);
            if (check is null || check.Spans != _spansPerTrace)
            {
                Interlocked.Increment(ref _incomplete);
                return;
            }

            if (_pending.TryRemove(traceId, out _))
            {
                Latency.Record(Stopwatch.GetElapsedTime(emitted, seenAt));
                Interlocked.CompareExchange(ref _check, check, null);
            }
        }
        catch (HttpRequestException)
        {
            // Not there yet, or the query server is busy: polled again next tick.
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref _incomplete);
        }
    }
}

/// <summary>What the query API returned for one trace: span count, distinct span ids, and whether every parent link resolves to a span of the trace.</summary>
internal sealed record TraceCheck(TraceId TraceId, int Spans, int DistinctSpanIds, int Roots, int ChildrenWithParentInTrace)
{
    public bool IsTree => DistinctSpanIds == Spans && Roots == 1 && ChildrenWithParentInTrace == Spans - 1;

    public static TraceCheck? From(TraceId traceId, JsonElement root)
    {
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() == 0)
        {
            return null;
        }

        var spans = data[0].GetProperty("spans");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var parents = new List<string?>();
        foreach (var span in spans.EnumerateArray())
        {
            ids.Add(span.GetProperty("spanID").GetString() ?? string.Empty);
            string? parent = null;
            if (span.TryGetProperty("references", out var references))
            {
                foreach (var reference in references.EnumerateArray())
                {
                    if (reference.GetProperty("refType").GetString() == "CHILD_OF")
                    {
                        parent = reference.GetProperty("spanID").GetString();
                        break;
                    }
                }
            }

            parents.Add(parent);
        }

        return new TraceCheck(traceId, spans.GetArrayLength(), ids.Count, parents.Count(p => p is null), parents.Count(p => p is not null && ids.Contains(p)));
    }
}
