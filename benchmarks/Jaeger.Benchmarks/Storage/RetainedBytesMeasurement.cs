using System.Buffers;
using System.Globalization;
using Jaeger.Model;
using Jaeger.Storage.Memory;
using Jaeger.Thrift;

namespace Jaeger.Benchmarks.Storage;

/// <summary>
/// Bytes the in-memory store retains per stored span, measured as the collector fills it: every batch is encoded
/// to compact Thrift and decoded again before it is written, so each span arrives with its own fresh strings and
/// each batch with its own <see cref="Process"/> instance, as from the wire.
/// </summary>
/// <remarks>
/// Deterministic (no timing), so it is a plain measurement rather than a BenchmarkDotNet suite:
/// <c>dotnet run -c Release --project benchmarks/Jaeger.Benchmarks -- --retained</c>.
/// The figure is the difference of <see cref="GC.GetTotalMemory(bool)"/> after full collections, before the store is
/// created and after every span is written, divided by the spans stored.
/// </remarks>
internal static class RetainedBytesMeasurement
{
    public const int Traces = 10_000;
    public const int SpansPerTrace = 10;
    public const int Services = 10;

    // Traces are sent in blocks, as clients batch spans of many traces: one batch per process per block.
    private const int TracesPerBlock = 10;

    private static readonly DateTimeOffset Start = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

    public static void Run(TextWriter output)
    {
        // Warm up: the codec's and the store's one-time allocations (JIT, static tables) are not per span.
        using (var warmup = new InMemorySpanStore())
        {
            Fill(warmup, 2 * TracesPerBlock, new ArrayBufferWriter<byte>());
        }

        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        var before = SettledHeapBytes();
        var store = new InMemorySpanStore();
        Fill(store, Traces, buffer);
        var after = SettledHeapBytes();
        var spans = store.SpanCount;
        GC.KeepAlive(store);
        var perSpan = (after - before) / (double)spans;

        var modelBefore = SettledHeapBytes();
        var model = Decode(Traces, buffer);
        var modelAfter = SettledHeapBytes();
        var modelPerSpan = (modelAfter - modelBefore) / (double)Traces / SpansPerTrace;
        GC.KeepAlive(model);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Bytes retained per stored span: {spans:N0} spans in {store.TraceCount:N0} traces, 8 tags and 1 log of 2 fields each, decoded from compact Thrift"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  InMemorySpanStore (everything it keeps):   {perSpan,8:N0} B per span ({after - before:N0} B)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  decoded model spans alone, no store:       {modelPerSpan,8:N0} B per span (what a store keeping the model objects starts from)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  of the store's figure, encoded span bytes: {store.EncodedBytes / (double)spans,8:N0} B per span, in {store.Slabs.SlabCount:N0} slabs of {store.Slabs.SlabBytes:N0} B in all ({store.Slabs.SlabBytes / (double)spans:N0} B per span with the length prefixes and the unused end of the last slab); plus 16 B of location and signature per span; the rest is trace entries and indexes"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  interned strings: {store.Strings.Count:N0}; distinct processes: {store.Processes.Count:N0}"));
        store.Dispose();
    }

    /// <summary>The spans of <paramref name="traces"/> traces, written into <paramref name="store"/> one decoded batch at a time.</summary>
    public static void Fill(InMemorySpanStore store, int traces, ArrayBufferWriter<byte> buffer)
    {
        for (var block = 0; block < traces / TracesPerBlock; block++)
        {
            foreach (var batch in DecodedBlock(block, buffer))
            {
                store.WriteAsync([batch]).AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private static List<Batch> Decode(int traces, ArrayBufferWriter<byte> buffer)
    {
        var result = new List<Batch>();
        for (var block = 0; block < traces / TracesPerBlock; block++)
        {
            result.AddRange(DecodedBlock(block, buffer));
        }

        return result;
    }

    private static List<Batch> DecodedBlock(int block, ArrayBufferWriter<byte> buffer)
    {
        var decoded = new List<Batch>(2);
        foreach (var batch in Block(block))
        {
            buffer.ResetWrittenCount();
            JaegerThriftSerializer.WriteBatch(buffer, batch, ThriftProtocol.Compact);
            if (!JaegerThriftSerializer.TryReadBatch(buffer.WrittenSpan, ThriftProtocol.Compact, out var read, out var error))
            {
                throw new InvalidOperationException(error.Message);
            }

            decoded.Add(read);
        }

        return decoded;
    }

    /// <summary>
    /// One block of traces as the clients would send it: trace t is rooted in service t mod 10 (spans 0 to 4) and
    /// calls the next service (spans 5 to 9); one batch per service.
    /// </summary>
    private static IEnumerable<Batch> Block(int block)
    {
        var byService = new Dictionary<int, List<Span>>();
        for (var t = block * TracesPerBlock; t < (block + 1) * TracesPerBlock; t++)
        {
            var traceId = new TraceId(0x5eed, (ulong)t + 1);
            var traceStart = Time.ToUnixMicros(Start) + (t * 50_000L);
            for (var s = 0; s < SpansPerTrace; s++)
            {
                var service = (t + (s < SpansPerTrace / 2 ? 0 : 1)) % Services;
                if (!byService.TryGetValue(service, out var list))
                {
                    byService[service] = list = [];
                }

                list.Add(BuildSpan(traceId, t, s, traceStart + (s * 700)));
            }
        }

        foreach (var (service, spans) in byService)
        {
            var process = new Process($"service-{service}", [
                KeyValue.String("hostname", $"host-{service}.example.test"),
                KeyValue.String("ip", $"10.1.0.{service + 1}"),
                KeyValue.String("jaeger.version", "CSharp-1.0.0"),
            ]);
            foreach (var span in spans)
            {
                span.Process = process;
            }

            yield return new Batch(process, spans);
        }
    }

    /// <summary>8 tags typical of HTTP traffic (two of them unique per span) and one log of two fields.</summary>
    private static Span BuildSpan(TraceId traceId, int trace, int s, long start)
    {
        var server = s % 2 == 0;
        var status = (trace + s) % 50 == 0 ? 503 : 200;
        return new Span
        {
            TraceId = traceId,
            SpanId = new SpanId(((ulong)trace << 8) | (uint)(s + 1)),
            OperationName = server ? $"GET /api/orders/{{id}}/items/{s % 4}" : $"HTTP GET service-{s % Services}",
            Flags = SpanFlags.Sampled,
            StartTimeMicros = start,
            DurationMicros = 300 + ((trace * 7 + s * 131) % 40_000),
            References = s == 0 ? [] : [new SpanRef(traceId, new SpanId(((ulong)trace << 8) | (uint)s))],
            Tags =
            [
                KeyValue.String("http.method", "GET"),
                KeyValue.String("http.url", string.Create(CultureInfo.InvariantCulture, $"https://shop.example.test/api/orders/{trace * 31 + 1000}/items/{s}?page={trace % 7}")),
                KeyValue.Int64("http.status_code", status),
                KeyValue.String("span.kind", server ? "server" : "client"),
                KeyValue.String("component", server ? "aspnetcore" : "httpclient"),
                KeyValue.Bool("error", status >= 500),
                KeyValue.Float64("db.rows_ratio", ((trace + s) % 100) / 100.0),
                KeyValue.String("request.id", new Guid(trace, (short)s, 0, 1, 2, 3, 4, 5, 6, 7, 8).ToString()),
            ],
            Logs =
            [
                new Log(start + 120, [KeyValue.String("event", "cache.miss"), KeyValue.Int64("bytes", 512 + (trace % 1024))]),
            ],
        };
    }

    private static long SettledHeapBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
