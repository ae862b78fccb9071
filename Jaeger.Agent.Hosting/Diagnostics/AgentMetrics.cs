using System.Diagnostics.Metrics;

namespace Jaeger.Agent.Hosting.Diagnostics;

/// <summary>The instruments of meter <c>Jaeger.Agent</c>. Every drop is counted with its reason.</summary>
internal sealed class AgentMetrics
{
    public const string MeterName = "Jaeger.Agent";

    private readonly Counter<long> _packetsReceived;
    private readonly Counter<long> _packetsProcessed;
    private readonly Counter<long> _packetsDropped;
    private readonly Counter<long> _batchesForwarded;
    private readonly Counter<long> _spansForwarded;
    private readonly Counter<long> _batchesDropped;
    private readonly Counter<long> _spansDropped;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _clientBatches;
    private readonly Counter<long> _clientSpansDropped;
    private readonly Counter<long> _clientBatchesLost;
    private readonly Counter<long> _httpRequests;
    private readonly Counter<long> _httpErrors;
    private readonly Counter<long> _collectorProxy;

    public AgentMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        _packetsReceived = Meter.CreateCounter<long>("jaeger.agent.udp.packets.received", "{packet}", "UDP datagrams read from the socket.");
        _packetsProcessed = Meter.CreateCounter<long>("jaeger.agent.udp.packets.processed", "{packet}", "UDP datagrams decoded into a batch.");
        _packetsDropped = Meter.CreateCounter<long>("jaeger.agent.udp.packets.dropped", "{packet}", "UDP datagrams dropped, by reason (queue_full, too_large, empty, read_error, or the Thrift decode error kind).");
        _batchesForwarded = Meter.CreateCounter<long>("jaeger.agent.forward.batches", "{batch}", "Batches delivered to a collector (result=ok) or failed attempts (result=failed).");
        _spansForwarded = Meter.CreateCounter<long>("jaeger.agent.forward.spans", "{span}", "Spans delivered to a collector.");
        _batchesDropped = Meter.CreateCounter<long>("jaeger.agent.forward.batches.dropped", "{batch}", "Batches given up, by reason (buffer_full, retries_exhausted, rejected, stopping).");
        _spansDropped = Meter.CreateCounter<long>("jaeger.agent.forward.spans.dropped", "{span}", "Spans given up, by reason (buffer_full, retries_exhausted, rejected, stopping).");
        _retries = Meter.CreateCounter<long>("jaeger.agent.forward.retries", "{attempt}", "Sends retried after a transient failure.");
        _clientBatches = Meter.CreateCounter<long>("jaeger.agent.client.batches_received", "{batch}", "Batches received per client.");
        _clientSpansDropped = Meter.CreateCounter<long>("jaeger.agent.client.spans_dropped", "{span}", "Spans a client reports it dropped, per client and cause (full-queue, too-large, send-failure).");
        _clientBatchesLost = Meter.CreateCounter<long>("jaeger.agent.client.batches_lost", "{batch}", "Batches missing from a client's sequence numbers.");
        _httpRequests = Meter.CreateCounter<long>("jaeger.agent.http.requests", "{request}", "Requests to the sampling server, by type (sampling, sampling-legacy, baggage).");
        _httpErrors = Meter.CreateCounter<long>("jaeger.agent.http.errors", "{request}", "Failed requests to the sampling server, by status (4xx, 5xx).");
        _collectorProxy = Meter.CreateCounter<long>("jaeger.agent.collector_proxy", "{request}", "Sampling strategy requests to the collector, by result (ok, err).");
    }

    public Meter Meter { get; }

    public void PacketReceived(string protocol) => _packetsReceived.Add(1, new KeyValuePair<string, object?>("protocol", protocol));

    public void PacketProcessed(string protocol) => _packetsProcessed.Add(1, new KeyValuePair<string, object?>("protocol", protocol));

    public void PacketDropped(string protocol, string reason) =>
        _packetsDropped.Add(1, new KeyValuePair<string, object?>("protocol", protocol), new KeyValuePair<string, object?>("reason", reason));

    public void BatchForwarded(int spans)
    {
        _batchesForwarded.Add(1, new KeyValuePair<string, object?>("result", "ok"));
        _spansForwarded.Add(spans);
    }

    public void SendFailed() => _batchesForwarded.Add(1, new KeyValuePair<string, object?>("result", "failed"));

    public void Retried() => _retries.Add(1);

    public void BatchDropped(int spans, string reason)
    {
        var tag = new KeyValuePair<string, object?>("reason", reason);
        _batchesDropped.Add(1, tag);
        _spansDropped.Add(spans, tag);
    }

    /// <summary>Spans a collector took the batch of but refused individually (counted as dropped, reason "refused").</summary>
    public void SpansRefused(int spans) => _spansDropped.Add(spans, new KeyValuePair<string, object?>("reason", "refused"));

    public void ClientBatch(string client) => _clientBatches.Add(1, new KeyValuePair<string, object?>("client", client));

    public void ClientSpansDropped(string client, string cause, long count) =>
        _clientSpansDropped.Add(count, new KeyValuePair<string, object?>("client", client), new KeyValuePair<string, object?>("cause", cause));

    public void ClientBatchesLost(string client, long count) => _clientBatchesLost.Add(count, new KeyValuePair<string, object?>("client", client));

    public void HttpRequest(string type) => _httpRequests.Add(1, new KeyValuePair<string, object?>("type", type));

    public void HttpError(string status) => _httpErrors.Add(1, new KeyValuePair<string, object?>("status", status));

    public void CollectorProxy(bool ok) => _collectorProxy.Add(1, new KeyValuePair<string, object?>("result", ok ? "ok" : "err"));
}
