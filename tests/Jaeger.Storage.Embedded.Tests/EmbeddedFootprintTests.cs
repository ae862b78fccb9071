using Stopwatch = System.Diagnostics.Stopwatch;
using System.Globalization;
using Jaeger.Model;
using Xunit.Abstractions;

namespace Jaeger.Storage.Embedded.Tests;

/// <summary>Measures (prints, never asserts timings) bytes on disk per span for spans shaped like the load generator's.</summary>
public sealed class EmbeddedFootprintTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new("footprint");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Bytes_on_disk_per_span_for_100000_load_generator_spans_written_in_batches_of_100()
    {
        const int Traces = 10_000, SpansPerTrace = 10;
        using var store = StoreFixtures.Open(_folder.Sub("data"), configure: o => (o.WriteBufferBytes, o.BlockCacheBytes) = (32 << 20, 64 << 20));
        var process = new Process("loadgen-svc", [KeyValue.String("hostname", "loadgen"), KeyValue.String("client-uuid", "loadgen-svc"), KeyValue.String("jaeger.version", "loadgen-1")]);
        var payload = new string('x', 32);
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        var random = new Random(7);
        var batch = new List<Span>(100);
        var clock = Stopwatch.StartNew();
        for (var t = 0; t < Traces; t++)
        {
            var traceId = new TraceId((ulong)random.NextInt64(), (ulong)random.NextInt64());
            var traceStart = Time.ToUnixMicros(start) + (t * 50L);
            for (var j = 0; j < SpansPerTrace; j++)
            {
                var span = new Span
                {
                    TraceId = traceId,
                    SpanId = new SpanId((ulong)random.NextInt64()),
                    OperationName = j == 0 ? "GET /api/items/{id}" : "child-" + ((j - 1) % 5),
                    Flags = SpanFlags.Sampled,
                    StartTimeMicros = traceStart + j,
                    DurationMicros = 1000,
                    Process = process,
                    Tags = [KeyValue.String("payload", payload), KeyValue.Int64("request.index", t % 10), KeyValue.String("span.kind", j == 0 ? "server" : "client"), KeyValue.Int64("http.status_code", 200)],
                };
                if (j > 0)
                {
                    span.References = [new SpanRef(traceId, new SpanId(1))];
                }

                batch.Add(span);
            }

            if (batch.Count == 100)
            {
                await store.WriteAsync([new Batch(process, batch)]);
                batch = new List<Span>(100);
            }
        }

        var written = clock.Elapsed;
        var spans = Traces * SpansPerTrace;

        // Memory stays within the options whatever was written: about 90 MB of spans went through 64 MiB of memtables.
        var memtables = store.Property("rocksdb.size-all-mem-tables");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memtables {memtables / 1048576.0:0.0} MiB (budget 2 x 32 MiB), block cache {store.BlockCacheUsage / 1048576.0:0.0} MiB (capacity 64 MiB)"));
        Assert.InRange(memtables, 0, (2 * (32L << 20)) + (2L << 20));
        var walAndSst = store.DiskBytes();
        store.Flush();
        var flushed = store.Property("rocksdb.total-sst-files-size");
        store.CompactAll();
        var compacted = store.Property("rocksdb.total-sst-files-size");
        var folder = store.DiskBytes();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{spans} spans written in {written.TotalSeconds:0.00} s ({spans / written.TotalSeconds:0} spans/s, one thread, batches of 100, WAL on, no fsync)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"folder before flush (WAL + any SST): {walAndSst / (double)spans:0.0} bytes/span"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SST after flush (LZ4): {flushed / (double)spans:0.0} bytes/span"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SST after full compaction (ZSTD on the last level): {compacted / (double)spans:0.0} bytes/span; whole folder {folder / (double)spans:0.0} bytes/span"));

        // Content checks, so the measurement is of a store that answers: every trace is searchable and whole.
        var found = await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "loadgen-svc", Tags = new Dictionary<string, string> { ["request.index"] = "3" }, Limit = 5000 });
        Assert.Equal(Traces / 10, found.Count);
        Assert.Equal(SpansPerTrace, (await store.GetTraceAsync(found[0]))!.Spans.Count);
        Assert.True(compacted > 0);
        Assert.InRange(store.BlockCacheUsage, 0UL, (ulong)(64L << 20) * 11 / 10);
    }
}
