using BenchmarkDotNet.Attributes;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Storage.Memory;

namespace Jaeger.Benchmarks.Storage;

/// <summary>Search and read latency of the in-memory store holding 100,000 traces (1,000,000 spans).</summary>
[MemoryDiagnoser]
public class InMemoryStorageSearchBenchmarks
{
    private const int Traces = 100_000;
    private InMemorySpanStore _store = null!;
    private TraceQueryParameters _byService = null!;
    private TraceQueryParameters _byOperation = null!;
    private TraceQueryParameters _byRareTag = null!;
    private TraceQueryParameters _byMissingTag = null!;
    private TraceQueryParameters _byWindowAndDuration = null!;
    private TraceQueryParameters _anyServiceByTag = null!;
    private TraceId _traceId;

    [GlobalSetup]
    public async Task Setup()
    {
        var before = GC.GetTotalMemory(true);
        var data = StorageDataSet.Build(Traces);
        _store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = Traces });
        foreach (var batch in data)
        {
            await _store.WriteSpansAsync(batch);
        }

        // The store keeps its own encoded copy, so the written spans go with the data set.
        data = null;
        var afterStore = GC.GetTotalMemory(true);
        var spans = _store.SpanCount;
        Console.WriteLine($"// Retained per stored span: {(afterStore - before) / (double)spans:0} bytes ({spans} spans, {_store.TraceCount} traces; strings shared by the generator; see --retained for spans decoded from Thrift)");

        var service = StorageDataSet.ServiceName(3);
        _byService = new TraceQueryParameters { ServiceName = service, Limit = 20 };
        _byOperation = new TraceQueryParameters { ServiceName = service, OperationName = "op-7", Limit = 20 };
        _byRareTag = new TraceQueryParameters { ServiceName = service, Tags = new Dictionary<string, string> { ["error"] = "true" }, Limit = 20 };
        _byMissingTag = new TraceQueryParameters { ServiceName = service, Tags = new Dictionary<string, string> { ["http.status_code"] = "503" }, Limit = 20 };
        _byWindowAndDuration = new TraceQueryParameters
        {
            ServiceName = service,
            StartTimeMin = StorageDataSet.End.AddHours(-13),
            StartTimeMax = StorageDataSet.End.AddHours(-12),
            DurationMin = TimeSpan.FromMilliseconds(40),
            Limit = 20,
        };
        _anyServiceByTag = new TraceQueryParameters { Tags = new Dictionary<string, string> { ["request.size"] = "515", ["error"] = "true" }, Limit = 20 };
        _traceId = new TraceId(1, Traces / 2);
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark]
    public async Task<int> FindByService() => (await _store.FindTracesAsync(_byService)).Count;

    [Benchmark]
    public async Task<int> FindByOperation() => (await _store.FindTracesAsync(_byOperation)).Count;

    [Benchmark]
    public async Task<int> FindByRareTag() => (await _store.FindTracesAsync(_byRareTag)).Count;

    [Benchmark]
    public async Task<int> FindByWindowAndDuration() => (await _store.FindTracesAsync(_byWindowAndDuration)).Count;

    [Benchmark]
    public async Task<int> FindAnyServiceByTwoTags() => (await _store.FindTracesAsync(_anyServiceByTag)).Count;

    /// <summary>The worst case: no trace matches, so every trace of the service is examined.</summary>
    [Benchmark]
    public async Task<int> FindByTagMatchingNothing() => (await _store.FindTracesAsync(_byMissingTag)).Count;

    [Benchmark]
    public async Task<int> GetTrace() => (await _store.GetTraceAsync(_traceId))!.Spans.Count;
}

/// <summary>Write throughput of the in-memory store: 1,000,000 spans (100,000 traces of 10) in batches of one trace, into a store bounded at 100,000 traces that is already full.</summary>
[MemoryDiagnoser]
public class InMemoryStorageWriteBenchmarks
{
    private const int Traces = 100_000;
    private List<Span[]> _prefill = null!;
    private List<Span[]> _data = null!;
    private InMemorySpanStore _store = null!;

    [GlobalSetup]
    public void Setup()
    {
        _prefill = StorageDataSet.Build(Traces, traceIdHigh: 1);
        _data = StorageDataSet.Build(Traces, traceIdHigh: 2);
    }

    [IterationSetup]
    public void FillStore()
    {
        _store?.Dispose();
        _store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = Traces });
        foreach (var batch in _prefill)
        {
            _store.WriteSpansAsync(batch).GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    /// <summary>One operation is one span; the whole run also evicts 100,000 traces.</summary>
    [Benchmark(OperationsPerInvoke = Traces * StorageDataSet.SpansPerTrace)]
    public async Task WriteSpans()
    {
        foreach (var batch in _data)
        {
            await _store.WriteSpansAsync(batch);
        }
    }
}
