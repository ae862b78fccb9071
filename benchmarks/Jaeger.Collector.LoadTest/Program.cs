using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using Google.Protobuf;
using Jaeger.Collector;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Thrift;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Otlp = Jaeger.Protos.Otlp;
using Stopwatch = System.Diagnostics.Stopwatch;

// Collector intake load generator: one process runs the collector (receivers on loopback, PushBack policy) and
// HTTP senders posting one pre-encoded request of --spans spans (Jaeger Thrift binary to /api/traces, or OTLP
// protobuf to /v1/traces) as fast as --connections concurrent requests allow, for --seconds.
// Usage: dotnet run -c Release --project benchmarks/Jaeger.Collector.LoadTest -- --format thrift|otlp [--seconds 10]
//        [--spans 100] [--connections 32] [--storage memory|count]
var settings = Settings.Parse(args);
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
var counter = new CountingWriter();
if (settings.Storage == "memory")
{
    builder.Services.AddJaegerInMemoryStorage(o => o.MaxTraces = 50_000);
}
else
{
    builder.Services.AddSingleton<ISpanWriter>(counter);
}

builder.Services.AddJaegerCollector(o =>
{
    foreach (var receiver in new[] { o.ThriftHttp, o.Grpc, o.OtlpGrpc, o.OtlpHttp, o.Zipkin, o.Admin })
    {
        receiver.Address = "127.0.0.1:0";
    }

    o.QueueSize = 100_000;
    o.FullQueuePolicy = FullQueuePolicy.PushBack;
});
using var host = builder.Build();
await host.StartAsync();
var collector = host.Services.GetRequiredService<JaegerCollector>();
var (body, contentType, uri) = settings.Format == "otlp"
    ? (OtlpBody(settings.Spans), "application/x-protobuf", new Uri(collector.OtlpHttpEndpoint!, "v1/traces"))
    : (ThriftBody(settings.Spans), "application/x-thrift", new Uri(collector.ThriftHttpEndpoint!, "api/traces"));

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Connections });
long accepted = 0, pushedBack = 0, failed = 0;
var process = System.Diagnostics.Process.GetCurrentProcess();
var cpuBefore = process.TotalProcessorTime;
var clock = Stopwatch.StartNew();
var duration = TimeSpan.FromSeconds(settings.Seconds);
var senders = new Task[settings.Connections];
for (var i = 0; i < senders.Length; i++)
{
    senders[i] = Task.Run(async () =>
    {
        while (clock.Elapsed < duration)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            using var response = await http.PostAsync(uri, content);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref accepted);
            }
            else if ((int)response.StatusCode == 429)
            {
                Interlocked.Increment(ref pushedBack);
                await Task.Yield();
            }
            else
            {
                Interlocked.Increment(ref failed);
            }
        }
    });
}

await Task.WhenAll(senders);
var elapsed = clock.Elapsed.TotalSeconds;
await host.StopAsync();
process.Refresh();
var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
var spans = accepted * settings.Spans;
var written = settings.Storage == "memory" ? string.Empty : FormattableString.Invariant($"; written {Interlocked.Read(ref counter.Count):N0}");
Console.WriteLine(FormattableString.Invariant(
    $"{settings.Format}: {spans / elapsed:N0} spans/s accepted ({accepted:N0} requests of {settings.Spans} spans, {pushedBack:N0} pushed back, {failed:N0} failed) over {elapsed:N1} s; process CPU {cpu / elapsed * 100:N0}% of one core, {cpu * 1e6 / Math.Max(1, spans):N2} µs per span (senders included){written}"));

static byte[] ThriftBody(int count)
{
    var process = new Process("load-thrift", [KeyValue.String("hostname", "load-host"), KeyValue.String("jaeger.version", "load-1.0")]);
    var buffer = new ArrayBufferWriter<byte>();
    JaegerThriftSerializer.WriteBatch(buffer, new Batch(process, ModelSpans(process, count)), ThriftProtocol.Binary);
    return buffer.WrittenSpan.ToArray();
}

static List<Span> ModelSpans(Process process, int count)
{
    var spans = new List<Span>(count);
    for (var i = 0; i < count; i++)
    {
        spans.Add(new Span
        {
            TraceId = new TraceId(0x1234, (ulong)(i / 10) + 1),
            SpanId = new SpanId((ulong)i + 1),
            OperationName = "operation-" + (i % 10).ToString(CultureInfo.InvariantCulture),
            Flags = SpanFlags.Sampled,
            StartTimeMicros = 1_700_000_000_000_000 + i,
            DurationMicros = 1_500,
            Tags = [KeyValue.String("span.kind", "server"), KeyValue.String("http.method", "GET"), KeyValue.Int64("http.status_code", 200), KeyValue.String("http.url", "/api/users/42")],
            Process = process,
        });
    }

    return spans;
}

static byte[] OtlpBody(int count)
{
    var scope = new Otlp.Trace.V1.ScopeSpans { Scope = new Otlp.Common.V1.InstrumentationScope { Name = "load", Version = "1.0" } };
    for (var i = 0; i < count; i++)
    {
        var traceId = new byte[16];
        traceId[7] = 0x12;
        traceId[15] = (byte)((i / 10) + 1);
        var spanId = new byte[8];
        spanId[6] = (byte)(i >> 8);
        spanId[7] = (byte)(i + 1);
        scope.Spans.Add(new Otlp.Trace.V1.Span
        {
            TraceId = ByteString.CopyFrom(traceId),
            SpanId = ByteString.CopyFrom(spanId),
            Name = "operation-" + (i % 10).ToString(CultureInfo.InvariantCulture),
            Kind = Otlp.Trace.V1.Span.Types.SpanKind.Server,
            StartTimeUnixNano = 1_700_000_000_000_000_000UL + (ulong)i,
            EndTimeUnixNano = 1_700_000_000_001_500_000UL + (ulong)i,
            Attributes =
            {
                Attribute("http.method", "GET"),
                new Otlp.Common.V1.KeyValue { Key = "http.status_code", Value = new Otlp.Common.V1.AnyValue { IntValue = 200 } },
                Attribute("http.url", "/api/users/42"),
            },
        });
    }

    var resource = new Otlp.Resource.V1.Resource { Attributes = { Attribute("service.name", "load-otlp"), Attribute("host.name", "load-host") } };
    var request = new Otlp.Collector.Trace.V1.ExportTraceServiceRequest { ResourceSpans = { new Otlp.Trace.V1.ResourceSpans { Resource = resource, ScopeSpans = { scope } } } };
    return request.ToByteArray();
}

static Otlp.Common.V1.KeyValue Attribute(string key, string value) => new() { Key = key, Value = new Otlp.Common.V1.AnyValue { StringValue = value } };

internal sealed record Settings(string Format, double Seconds, int Spans, int Connections, string Storage)
{
    public static Settings Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        return new Settings(
            Value("--format", "thrift"),
            double.Parse(Value("--seconds", "10"), CultureInfo.InvariantCulture),
            int.Parse(Value("--spans", "100"), CultureInfo.InvariantCulture),
            int.Parse(Value("--connections", "32"), CultureInfo.InvariantCulture),
            Value("--storage", "count"));
    }
}

internal sealed class CountingWriter : ISpanWriter
{
    public long Count;

    public ValueTask WriteSpansAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken = default)
    {
        Interlocked.Add(ref Count, spans.Count);
        return ValueTask.CompletedTask;
    }
}
