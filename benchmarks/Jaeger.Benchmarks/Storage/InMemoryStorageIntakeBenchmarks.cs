using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Jaeger.Model;
using Jaeger.Storage.Memory;

namespace Jaeger.Benchmarks.Storage;

/// <summary>
/// The in-memory store's share of collector intake: 300,000 spans shaped as the load generator sends them (requests of
/// 10 traces of 10 spans, 6 operations, 4 tags with a 32-byte payload, one process instance per request), written one
/// request per call into a fresh store that grows (no eviction, as in the intake runs), and into a full store that evicts
/// one trace per new one.
/// </summary>
[MemoryDiagnoser]
public class InMemoryStorageIntakeBenchmarks
{
    private const int Requests = 3_000;
    private const int TracesPerRequest = 10;
    private const int SpansPerTrace = 10;
    private const int SpansPerRequest = TracesPerRequest * SpansPerTrace;

    private List<Batch[]> _prefill = null!;
    private List<Batch[]> _data = null!;
    private InMemorySpanStore _store = null!;

    /// <summary>Whether the store is bounded at the run's trace count and full before it starts (so each new trace evicts one).</summary>
    [Params(false, true)]
    public bool Evicting { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = Build(Requests, traceIdHigh: 2);
        _prefill = Evicting ? Build(Requests, traceIdHigh: 1) : [];
    }

    [IterationSetup]
    public void CreateStore()
    {
        _store?.Dispose();
        _store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = Evicting ? Requests * TracesPerRequest : 1_100_000 });
        foreach (var request in _prefill)
        {
            _store.WriteAsync(request).GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    /// <summary>One operation is one span.</summary>
    [Benchmark(OperationsPerInvoke = Requests * SpansPerRequest)]
    public async Task WriteRequests()
    {
        foreach (var request in _data)
        {
            await _store.WriteAsync(request);
        }
    }

    /// <summary>Requests as the load generator's template makes them; every string a decoder's cache would share is shared.</summary>
    private static List<Batch[]> Build(int requests, ulong traceIdHigh)
    {
        const string service = "loadgen-bench";
        var payload = new string('x', 32);
        string[] operations = ["GET /api/items/{id}", "child-0", "child-1", "child-2", "child-3", "child-4"];
        var start = Time.ToUnixMicros(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero));
        var result = new List<Batch[]>(requests);
        for (var r = 0; r < requests; r++)
        {
            var process = new Process(service, ImmutableArray.Create(
                KeyValue.String("hostname", "loadgen"), KeyValue.String("client-uuid", service), KeyValue.String("jaeger.version", "loadgen-1")));
            var spans = new List<Span>(SpansPerRequest);
            for (var t = 0; t < TracesPerRequest; t++)
            {
                var traceId = new TraceId(traceIdHigh, (ulong)((r * TracesPerRequest) + t + 1));
                for (var j = 0; j < SpansPerTrace; j++)
                {
                    var spanStart = start + (r * 100L) + j;
                    spans.Add(new Span
                    {
                        TraceId = traceId,
                        SpanId = new SpanId((ulong)j + 1),
                        OperationName = operations[j == 0 ? 0 : 1 + ((j - 1) % 5)],
                        Flags = SpanFlags.Sampled,
                        StartTimeMicros = spanStart,
                        DurationMicros = 1_000,
                        References = j == 0 ? [] : [new SpanRef(traceId, new SpanId((ulong)((j - 1) / 2) + 1), SpanRefType.ChildOf)],
                        Tags =
                        [
                            KeyValue.String("payload", payload),
                            KeyValue.Int64("request.index", t),
                            KeyValue.String("span.kind", j == 0 ? "server" : "client"),
                            KeyValue.Int64("http.status_code", 200),
                        ],
                        Process = process,
                    });
                }
            }

            result.Add([new Batch(process, spans)]);
        }

        return result;
    }
}
