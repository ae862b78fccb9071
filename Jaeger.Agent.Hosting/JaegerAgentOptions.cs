using Jaeger.Configuration;
using Microsoft.Extensions.Options;

namespace Jaeger.Agent.Hosting;

/// <summary>
/// Options of the Jaeger agent role, bound from the configuration section <c>Jaeger:Agent</c>. Defaults are Jaeger's:
/// compact Thrift on UDP 6831, binary Thrift on UDP 6832, the sampling server on HTTP 5778. Checked when the host
/// starts; every message names the configuration key (<c>Jaeger:Agent:Compact:QueueSize</c>).
/// </summary>
public sealed class JaegerAgentOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Jaeger:Agent";

    /// <summary>The UDP server for <c>Agent.emitBatch</c> in Thrift compact (Jaeger's <c>--processor.jaeger-compact.*</c>).</summary>
    [ValidateObjectMembers]
    public UdpServerOptions Compact { get; set; } = new() { ListenAddress = ":6831" };

    /// <summary>The UDP server for <c>Agent.emitBatch</c> in Thrift binary (Jaeger's <c>--processor.jaeger-binary.*</c>).</summary>
    [ValidateObjectMembers]
    public UdpServerOptions Binary { get; set; } = new() { ListenAddress = ":6832" };

    /// <summary>Where the sampling and baggage HTTP server listens (Jaeger's <c>--http-server.host-port</c>); null or empty disables it.</summary>
    public string? HttpListenAddress { get; set; } = ":5778";

    /// <summary>
    /// Baggage keys clients may set and the longest value of each, served to every service on
    /// <c>GET /baggageRestrictions</c> (configuration <c>Jaeger:Agent:BaggageRestrictions:{key} = {maxValueLength}</c>).
    /// Empty by default, which serves an empty list: clients that poll restrictions then refuse every key.
    /// </summary>
    public IDictionary<string, int> BaggageRestrictions { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>How batches reach the collector.</summary>
    public AgentForwardingProtocol Protocol { get; set; } = AgentForwardingProtocol.Grpc;

    /// <summary>
    /// Collector addresses, used round-robin. For <see cref="AgentForwardingProtocol.Http"/> the base address of the
    /// collector's HTTP port ("http://collector:14268"); for <see cref="AgentForwardingProtocol.Grpc"/> its gRPC port
    /// ("collector:14250" or "http://collector:14250"). With <see cref="AgentForwardingProtocol.InProcess"/> the first
    /// address, when given, is still asked for sampling strategies over HTTP.
    /// </summary>
    public IList<string> Collectors { get; } = new List<string>();

    /// <summary>Tags added to every batch's process tags: "k1=v1,k2=${ENV:default}" as Jaeger's <c>--agent.tags</c>.</summary>
    public string? AgentTags { get; set; }

    /// <summary>How often a batch is retried after a transient failure before it is dropped (Jaeger's <c>--reporter.grpc.retry.max</c>).</summary>
    [Between(0, int.MaxValue)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The wait before the first retry; each further retry doubles it up to <see cref="MaxBackoff"/>.</summary>
    [NotNegativeDuration]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between retries.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one send to a collector may take.</summary>
    [PositiveDuration]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most batches waiting to be forwarded; more are dropped and counted ("buffer_full").</summary>
    [Between(1, int.MaxValue)]
    public int MaxBufferedBatches { get; set; } = 1_000;

    /// <summary>The most spans waiting to be forwarded; more are dropped and counted ("buffer_full").</summary>
    [Between(1, int.MaxValue)]
    public int MaxBufferedSpans { get; set; } = 200_000;

    /// <summary>How many batches are sent to collectors at the same time.</summary>
    [Between(1, int.MaxValue)]
    public int ForwardConcurrency { get; set; } = 2;

    /// <summary>How long a sampling strategy fetched from the collector is served from the cache.</summary>
    [NotNegativeDuration]
    public TimeSpan SamplingCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most services whose sampling strategies are cached.</summary>
    [Between(1, int.MaxValue)]
    public int MaxCachedServices { get; set; } = 1_000;

    /// <summary>The most clients whose reported drops and sequence gaps are tracked; the least recently seen is forgotten first.</summary>
    [Between(1, int.MaxValue)]
    public int MaxTrackedClients { get; set; } = 1_000;

    /// <summary>A client not heard from for this long is forgotten (Jaeger: one hour).</summary>
    [PositiveDuration]
    public TimeSpan ClientExpiry { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>One UDP server of the agent; its values are checked whether or not it is enabled, its address only when it is.</summary>
public sealed class UdpServerOptions
{
    /// <summary>False turns this server off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where to listen, as ":6831" or "127.0.0.1:0" (port 0 binds an ephemeral port).</summary>
    public string ListenAddress { get; set; } = string.Empty;

    /// <summary>The largest datagram accepted, in bytes (Jaeger: 65,000); a larger one is dropped and counted ("too_large").</summary>
    [Between(1, 65_507)]
    public int MaxPacketSize { get; set; } = 65_000;

    /// <summary>The socket's receive buffer in bytes; 0 keeps the system default.</summary>
    [Between(0, int.MaxValue)]
    public int SocketReceiveBufferSize { get; set; }

    /// <summary>How many datagrams wait for a worker; when full, the newest is dropped and counted ("queue_full").</summary>
    [Between(1, int.MaxValue)]
    public int QueueSize { get; set; } = 1_000;

    /// <summary>How many workers decode datagrams (Jaeger: 10).</summary>
    [Between(1, int.MaxValue)]
    public int Workers { get; set; } = 10;
}

/// <summary>How the agent forwards batches.</summary>
public enum AgentForwardingProtocol
{
    /// <summary>Jaeger api_v2 <c>CollectorService.PostSpans</c> over gRPC, as Jaeger's agent.</summary>
    Grpc = 0,

    /// <summary>HTTP POST {collector}/api/traces with a Thrift binary Batch (application/x-thrift).</summary>
    Http = 1,

    /// <summary>Into the <see cref="Jaeger.Storage.ISpanSink"/> registered in the same process (a collector pipeline).</summary>
    InProcess = 2,
}
