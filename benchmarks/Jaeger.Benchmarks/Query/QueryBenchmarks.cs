using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using Jaeger.Model;
using Jaeger.Query;
using Jaeger.Query.Adjusters;
using Jaeger.Query.Api;
using Jaeger.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jaeger.Benchmarks.Query;

/// <summary>Synthetic traces: each has one root and children spread over a few services, with typed tags and a log.</summary>
internal static class QueryDataSet
{
    private static readonly Process[] Processes = Enumerable.Range(0, 20)
        .Select(i => new Process($"svc-{i}", [KeyValue.String("hostname", $"host-{i}"), KeyValue.String("ip", $"10.0.0.{i}"), KeyValue.String("jaeger.version", "CSharp-1.0.0")]))
        .ToArray();

    public static List<Span> Trace(TraceId id, int spans, long start, int seed)
    {
        var list = new List<Span>(spans);
        for (var i = 0; i < spans; i++)
        {
            var process = Processes[(seed + (i % 5)) % Processes.Length];
            list.Add(new Span
            {
                TraceId = id,
                SpanId = new SpanId((ulong)i + 1),
                OperationName = $"op-{(seed + i) % 50}",
                Process = process,
                Flags = SpanFlags.Sampled,
                StartTimeMicros = start + (i * 100),
                DurationMicros = Math.Max(1, (spans - i) * 90),
                References = i == 0 ? [] : [new SpanRef(id, new SpanId((ulong)(((i - 1) / 4) + 1)))],
                Tags =
                [
                    KeyValue.String("span.kind", i % 2 == 0 ? "server" : "client"),
                    KeyValue.String("http.method", "GET"),
                    KeyValue.String("http.url", $"http://svc/items/{i}"),
                    KeyValue.String("component", "aspnetcore"),
                    KeyValue.String("peer.service", process.ServiceName),
                    KeyValue.Int64("http.status_code", i % 97 == 0 ? 500 : 200),
                    KeyValue.Bool("error", i % 97 == 0),
                    KeyValue.Float64("sampler.param", 0.5),
                ],
                Logs = [new Log(start + (i * 100) + 5, [KeyValue.String("event", "cache.miss"), KeyValue.Int64("size", i)])],
            });
        }

        return list;
    }
}

/// <summary>Writing Jaeger UI JSON for a 1,000-span trace, with and without the adjusters.</summary>
[MemoryDiagnoser]
public class QueryJsonBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(2 * 1024 * 1024);
    private readonly TraceAdjuster _adjuster = new(true, TimeSpan.FromSeconds(1));
    private Trace _trace = null!;
    private Utf8JsonWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _trace = new Trace(QueryDataSet.Trace(new TraceId(1, 2), 1_000, Time.ToUnixMicros(DateTimeOffset.UtcNow), 3));
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    [Benchmark(Baseline = true)]
    public int WriteTraceJson()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        UiJson.WriteTrace(_writer, _trace);
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public int AdjustAndWriteTraceJson()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        UiJson.WriteTrace(_writer, _adjuster.Adjust(_trace));
        _writer.Flush();
        return _buffer.WrittenCount;
    }
}

/// <summary>
/// The query HTTP API end to end (real Kestrel, real HttpClient, in-memory storage holding 100,000 traces of 10 spans
/// = 1,000,000 spans, plus one 1,000-span trace).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PercentileConfig))]
public class QueryHttpBenchmarks
{
    private static readonly TraceId BigTraceId = new(0xb16, 0xb16);
    private IHost _host = null!;
    private HttpClient _client = null!;
    private string _searchUrl = string.Empty;
    private string _tagSearchUrl = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddJaegerInMemoryStorage(o => o.MaxTraces = 200_000);
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = "127.0.0.1:0";
            o.GrpcListenAddress = "";
        });
        _host = builder.Build();
        var writer = _host.Services.GetRequiredService<ISpanWriter>();
        var now = Time.ToUnixMicros(DateTimeOffset.UtcNow);
        var batch = new List<Span>(10_000);
        for (var t = 0; t < 100_000; t++)
        {
            batch.AddRange(QueryDataSet.Trace(new TraceId(0, (ulong)t + 1), 10, now - 3_600_000_000L + (t * 30_000L), t));
            if (batch.Count >= 10_000)
            {
                writer.WriteSpansAsync(batch).AsTask().GetAwaiter().GetResult();
                batch = new List<Span>(10_000);
            }
        }

        writer.WriteSpansAsync(QueryDataSet.Trace(BigTraceId, 1_000, now - 60_000_000, 7)).AsTask().GetAwaiter().GetResult();
        _host.StartAsync().GetAwaiter().GetResult();
        _client = new HttpClient { BaseAddress = _host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress };
        _searchUrl = "api/traces?service=svc-3&limit=20&lookback=2h";
        _tagSearchUrl = "api/traces?service=svc-7&operation=op-9&tag=http.status_code:200&minDuration=100us&limit=20&lookback=2h";
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }

    private sealed class PercentileConfig : ManualConfig
    {
        public PercentileConfig() => AddColumn(StatisticColumn.P50, StatisticColumn.P95, StatisticColumn.Max);
    }

    [Benchmark]
    public async Task<int> SearchByService() => (await _client.GetByteArrayAsync(_searchUrl).ConfigureAwait(false)).Length;

    [Benchmark]
    public async Task<int> SearchByServiceOperationTagDuration() => (await _client.GetByteArrayAsync(_tagSearchUrl).ConfigureAwait(false)).Length;

    [Benchmark]
    public async Task<int> GetTraceOf1000Spans() => (await _client.GetByteArrayAsync($"api/traces/{BigTraceId}").ConfigureAwait(false)).Length;
}
