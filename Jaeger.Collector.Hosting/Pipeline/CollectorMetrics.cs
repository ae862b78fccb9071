using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Jaeger.Model;

namespace Jaeger.Collector.Pipeline;

/// <summary>The instruments of meter "Jaeger.Collector".</summary>
internal sealed class CollectorMetrics
{
    public const string MeterName = "Jaeger.Collector";

    // Jaeger caps per-service series the same way, so a client sending random service names cannot grow memory.
    private const int MaxTrackedServices = 4000;
    private const string OtherServices = "other-services";

    private readonly Counter<long> _received;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _badRequests;
    private readonly Counter<long> _saved;
    private readonly Histogram<double> _saveLatency;
    private readonly ConcurrentDictionary<string, string> _services = new(StringComparer.Ordinal);

    public CollectorMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _received = meter.CreateCounter<long>("jaeger.collector.spans.received", "{span}", "Spans received, by format and transport.");
        _rejected = meter.CreateCounter<long>("jaeger.collector.spans.rejected", "{span}", "Spans refused as invalid or filtered out, by format, transport and reason.");
        _dropped = meter.CreateCounter<long>("jaeger.collector.spans.dropped", "{span}", "Spans not stored, by reason (and by service, format and transport where the spans were in hand).");
        _badRequests = meter.CreateCounter<long>("jaeger.collector.requests.rejected", "{request}", "Requests refused as malformed (HTTP 400 or gRPC INVALID_ARGUMENT), by format and transport.");
        _saved = meter.CreateCounter<long>("jaeger.collector.spans.saved", "{span}", "Spans handed to storage, by service and result (ok or err).");
        _saveLatency = meter.CreateHistogram<double>("jaeger.collector.save.duration", "s", "Time to write one batch of spans to every writer.");
        Meter = meter;
    }

    public Meter Meter { get; }

    public void Received(int count, string format, string transport) =>
        _received.Add(count, new KeyValuePair<string, object?>("format", format), new KeyValuePair<string, object?>("transport", transport));

    public void Rejected(int count, string format, string transport, string reason) =>
        _rejected.Add(
            count,
            new KeyValuePair<string, object?>("format", format),
            new KeyValuePair<string, object?>("transport", transport),
            new KeyValuePair<string, object?>("reason", reason));

    public void RequestRejected(string format, string transport) =>
        _badRequests.Add(1, new KeyValuePair<string, object?>("format", format), new KeyValuePair<string, object?>("transport", transport));

    /// <summary>Drops not attributable to a service (evicted or left in the queue at shutdown).</summary>
    public void Dropped(int count, string reason) => _dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Drops of spans still in hand, counted per service, format and transport (runs of spans with one service are counted at once).</summary>
    public void Dropped(IReadOnlyList<Span> spans, string reason, string format, string transport)
    {
        var start = 0;
        while (start < spans.Count)
        {
            var service = spans[start].Process.ServiceName;
            var end = start + 1;
            while (end < spans.Count && string.Equals(spans[end].Process.ServiceName, service, StringComparison.Ordinal))
            {
                end++;
            }

            _dropped.Add(
                end - start,
                new KeyValuePair<string, object?>("reason", reason),
                new KeyValuePair<string, object?>("service", TrackedService(service)),
                new KeyValuePair<string, object?>("format", format),
                new KeyValuePair<string, object?>("transport", transport));
            start = end;
        }
    }

    public void Saved(string service, bool ok, int count = 1) =>
        _saved.Add(count, new KeyValuePair<string, object?>("service", TrackedService(service)), new KeyValuePair<string, object?>("result", ok ? "ok" : "err"));

    public void SaveLatency(TimeSpan elapsed) => _saveLatency.Record(elapsed.TotalSeconds);

    private string TrackedService(string service)
    {
        if (_services.TryGetValue(service, out var tracked))
        {
            return tracked;
        }

        return _services.Count >= MaxTrackedServices ? OtherServices : _services.GetOrAdd(service, service);
    }
}

/// <summary>Drop reasons, as the <c>reason</c> tag of <c>jaeger.collector.spans.dropped</c>.</summary>
internal static class DropReasons
{
    /// <summary>DropNewest: the arriving span did not fit.</summary>
    public const string QueueFull = "queue_full";

    /// <summary>DropOldest: a queued span was evicted for an arriving one.</summary>
    public const string EvictedOldest = "evicted_oldest";

    /// <summary>PushBack: the request was refused; the sender may retry.</summary>
    public const string PushedBack = "pushed_back";

    /// <summary>The collector is stopping and takes no more spans.</summary>
    public const string Stopping = "stopping";

    /// <summary>The shutdown timeout fired before the queue drained.</summary>
    public const string ShutdownTimeout = "shutdown_timeout";
}

/// <summary>Span formats and transports, as metric tags.</summary>
internal static class SpanFormats
{
    public const string Jaeger = "jaeger";
    public const string Proto = "proto";
    public const string Otlp = "otlp";
    public const string Zipkin = "zipkin";
    public const string InProcess = "inprocess";

    public const string Http = "http";
    public const string Grpc = "grpc";
}
