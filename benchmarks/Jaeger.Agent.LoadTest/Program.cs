using System.Buffers;
using System.Diagnostics;
using Process = Jaeger.Model.Process;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Jaeger.Agent.Hosting;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Thrift;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Agent load test: one process runs the agent, forwarding in-process into this repository's collector pipeline with
// in-memory storage (--sink collector, the default) or into a sink that only counts (--sink count), and a sender that
// fires pre-encoded compact Agent.emitBatch datagrams of --spans spans at --rate spans/s for --seconds seconds
// (--rate 0: as fast as it can). It prints what was sent, read, forwarded and dropped (by reason), and the kernel's
// UDP receive-buffer drops, which happen before the agent can see or count a datagram.
//   dotnet run -c Release --project benchmarks/Jaeger.Agent.LoadTest -- --rate 200000 --seconds 10
var rate = Option("--rate", 200_000);
var seconds = Option("--seconds", 10);
var spansPerBatch = Option("--spans", 100);
var workers = Option("--workers", 2);
var useCollector = !args.Contains("count");

var counters = new Dictionary<string, long>();
using var listener = new MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Meter.Name is "Jaeger.Agent" or "Jaeger.Collector")
    {
        l.EnableMeasurementEvents(instrument);
    }
};
listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
{
    var key = instrument.Name;
    foreach (var tag in tags)
    {
        if (tag.Key is "reason" or "result")
        {
            key += "{" + tag.Value + "}";
        }
    }

    lock (counters)
    {
        counters[key] = counters.GetValueOrDefault(key) + value;
    }
});
listener.Start();

var sink = new CountingSink();
var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Logging.SetMinimumLevel(LogLevel.Warning);
if (useCollector)
{
    builder.Services.AddJaegerInMemoryStorage(o => o.MaxTraces = 50_000);
    builder.Services.AddJaegerCollector(o =>
    {
        o.ThriftHttp.Enabled = o.Grpc.Enabled = o.OtlpGrpc.Enabled = o.OtlpHttp.Enabled = o.Zipkin.Enabled = o.Admin.Enabled = false;
        o.QueueSize = 100_000;
    });
}
else
{
    builder.Services.AddSingleton<ISpanSink>(sink);
}

builder.Services.AddJaegerAgent(o =>
{
    o.Protocol = AgentForwardingProtocol.InProcess;
    o.Compact.ListenAddress = "127.0.0.1:0";
    o.Compact.Workers = workers;
    o.Compact.SocketReceiveBufferSize = 8 * 1024 * 1024;
    o.Binary.Enabled = false;
    o.HttpListenAddress = null;
});
using var host = builder.Build();
await host.StartAsync();
var agent = host.Services.GetRequiredService<JaegerAgent>();

// Distinct datagrams (different trace ids) so nothing is cached along the way.
var datagrams = new List<byte[]>();
for (var d = 0; d < 64; d++)
{
    var process = new Process("load-generator", [KeyValue.String("hostname", "load"), KeyValue.String("client-uuid", "load-1")]);
    var spans = new List<Span>(spansPerBatch);
    for (var i = 0; i < spansPerBatch; i++)
    {
        spans.Add(new Span
        {
            TraceId = new TraceId((ulong)d + 1, (ulong)i + 1),
            SpanId = new SpanId((ulong)(d * 1000 + i + 1)),
            OperationName = "GET /api/items/{id}",
            Flags = SpanFlags.Sampled,
            StartTimeMicros = 1_700_000_000_000_000 + i,
            DurationMicros = 1_234,
            Tags = [KeyValue.String("span.kind", "server"), KeyValue.Int64("http.status_code", 200), KeyValue.String("http.method", "GET")],
            Process = process,
        });
    }

    var output = new ArrayBufferWriter<byte>();
    JaegerThriftSerializer.WriteEmitBatch(output, new Batch(process, spans), ThriftProtocol.Compact);
    datagrams.Add(output.WrittenSpan.ToArray());
}

var kernelDropsBefore = KernelUdpReceiveBufferErrors();
using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
var target = new IPEndPoint(IPAddress.Loopback, agent.CompactEndpoint!.Port).Serialize();
var batchesPerSecond = rate == 0 ? double.PositiveInfinity : rate / (double)spansPerBatch;
var clock = Stopwatch.StartNew();
var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
long sent = 0;
while (clock.Elapsed.TotalSeconds < seconds)
{
    // Pace in 1 ms steps: send what the schedule says is due by now.
    var due = double.IsInfinity(batchesPerSecond) ? sent + 64 : (long)(clock.Elapsed.TotalSeconds * batchesPerSecond);
    while (sent < due)
    {
        socket.SendTo(datagrams[(int)(sent % datagrams.Count)], SocketFlags.None, target);
        sent++;
    }

    if (!double.IsInfinity(batchesPerSecond))
    {
        Thread.Sleep(1);
    }
}

var sendSeconds = clock.Elapsed.TotalSeconds;
// Let the agent finish what it read: stop drains the queues.
await Task.Delay(500);
await host.StopAsync();
var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
var kernelDrops = KernelUdpReceiveBufferErrors() - kernelDropsBefore;
listener.RecordObservableInstruments();

var sentSpans = sent * spansPerBatch;
long delivered;
lock (counters)
{
    delivered = useCollector ? counters.GetValueOrDefault("jaeger.collector.spans.saved{ok}") : sink.Spans;
}

Console.WriteLine($"target {(rate == 0 ? "max" : rate.ToString("N0", CultureInfo.InvariantCulture))} spans/s, {spansPerBatch} spans per datagram ({datagrams[0].Length:N0} B), {seconds} s, {workers} workers, into {(useCollector ? "the collector pipeline and in-memory storage" : "a counting sink")}");
Console.WriteLine($"sent        {sent:N0} datagrams = {sentSpans:N0} spans in {sendSeconds:F2} s = {sentSpans / sendSeconds:N0} spans/s");
Console.WriteLine($"delivered   {delivered:N0} spans ({delivered / sendSeconds:N0} spans/s over the send window)");
lock (counters)
{
    foreach (var (name, value) in counters.OrderBy(p => p.Key, StringComparer.Ordinal))
    {
        Console.WriteLine($"  {name,-55} {value,14:N0}");
    }

    var droppedPackets = counters.Where(p => p.Key.StartsWith("jaeger.agent.udp.packets.dropped", StringComparison.Ordinal)).Sum(p => p.Value);
    var droppedSpans = counters.Where(p => p.Key.StartsWith("jaeger.agent.forward.spans.dropped", StringComparison.Ordinal)).Sum(p => p.Value);
    // A batch the collector's full queue refuses is retried or counted by the agent ("refused"), so the collector's own
    // queue_full count is not added again; spans it accepted but failed to store are.
    var storeErrors = counters.GetValueOrDefault("jaeger.collector.spans.saved{err}");
    var counted = droppedPackets * spansPerBatch + droppedSpans + kernelDrops * spansPerBatch + storeErrors;
    Console.WriteLine($"kernel UDP receive-buffer drops (whole machine, /proc/net/snmp RcvbufErrors): {kernelDrops:N0} datagrams");
    Console.WriteLine($"lost = sent - delivered = {sentSpans - delivered:N0} spans; counted drops (agent + kernel + store errors) = {counted:N0} spans");
}

Console.WriteLine($"process CPU {cpu.TotalSeconds:F2} s ({cpu.TotalSeconds / sendSeconds * 100:F0}% of one core), sender included");

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static long KernelUdpReceiveBufferErrors()
{
    try
    {
        var lines = File.ReadAllLines("/proc/net/snmp").Where(l => l.StartsWith("Udp:", StringComparison.Ordinal)).ToArray();
        var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(values[Array.IndexOf(names, "RcvbufErrors")], CultureInfo.InvariantCulture);
    }
    catch (IOException)
    {
        return 0;
    }
}

internal sealed class CountingSink : ISpanSink
{
    private long _spans;

    public long Spans => Interlocked.Read(ref _spans);

    public ValueTask<SpanSinkResult> SubmitAsync(Batch batch, CancellationToken cancellationToken = default)
    {
        Interlocked.Add(ref _spans, batch.Spans.Count);
        return ValueTask.FromResult(new SpanSinkResult(batch.Spans.Count, 0));
    }
}
