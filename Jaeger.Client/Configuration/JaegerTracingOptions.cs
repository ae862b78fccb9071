using Jaeger.Configuration;

namespace Jaeger.Client;

/// <summary>
/// Settings of the Jaeger tracer. Bound from configuration keys with the Jaeger clients' environment variable names
/// (<c>JAEGER_SERVICE_NAME</c>, <c>JAEGER_AGENT_HOST</c>, ...) at the root or in section <c>Jaeger:Client</c>, and from
/// this class's property names in section <c>Jaeger:Client</c>. Defaults are the Jaeger clients' defaults. Checked when
/// the host starts (unless <see cref="Disabled"/>); every message names the key, <c>Jaeger:Client:MaxQueueSize
/// (JAEGER_REPORTER_MAX_QUEUE_SIZE)</c>.
/// </summary>
public sealed class JaegerTracingOptions
{
    /// <summary>Configuration section for the client.</summary>
    public const string SectionName = "Jaeger:Client";

    /// <summary>The service name (JAEGER_SERVICE_NAME). Required unless <see cref="Disabled"/>; defaults to the entry assembly name.</summary>
    public string? ServiceName { get; set; }

    /// <summary>When true no span is recorded or sent (JAEGER_DISABLED).</summary>
    public bool Disabled { get; set; }

    /// <summary>Agent host for UDP (JAEGER_AGENT_HOST); default localhost.</summary>
    public string AgentHost { get; set; } = "localhost";

    /// <summary>Agent UDP port (JAEGER_AGENT_PORT); default 6831 (compact), 6832 when <see cref="AgentBinaryProtocol"/> is set.</summary>
    [Between(1, 65_535, Environment = "JAEGER_AGENT_PORT")]
    public int? AgentPort { get; set; }

    /// <summary>Send Thrift binary to the agent (port 6832) instead of compact (6831).</summary>
    public bool AgentBinaryProtocol { get; set; }

    /// <summary>Largest UDP datagram (default 65,000 bytes; up to 65,507 for agents with a larger limit).</summary>
    [Between(512, 65_507)]
    public int MaxPacketSize { get; set; } = 65_000;

    /// <summary>
    /// Stop resolving the agent's host name again (JAEGER_REPORTER_ATTEMPT_RECONNECTING_DISABLED). By default a host
    /// name is resolved every <see cref="AttemptReconnectInterval"/> and the UDP socket follows the agent to a new
    /// address (a restarted agent container, a changed DNS record).
    /// </summary>
    public bool DisableAttemptReconnecting { get; set; }

    /// <summary>How often the agent's host name is resolved again (JAEGER_REPORTER_ATTEMPT_RECONNECT_INTERVAL). Default 30 s.</summary>
    [PositiveDuration(Environment = "JAEGER_REPORTER_ATTEMPT_RECONNECT_INTERVAL")]
    public TimeSpan AttemptReconnectInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Collector HTTP endpoint, e.g. http://collector:14268/api/traces (JAEGER_ENDPOINT); when set, spans go over HTTP instead of UDP.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Bearer token for the collector (JAEGER_AUTH_TOKEN).</summary>
    public string? AuthToken { get; set; }

    /// <summary>Basic-auth user for the collector (JAEGER_USER); with a password it wins over the token.</summary>
    public string? User { get; set; }

    /// <summary>Basic-auth password for the collector (JAEGER_PASSWORD).</summary>
    public string? Password { get; set; }

    /// <summary>
    /// How spans leave the process (JAEGER_SENDER_FACTORY): <c>thrift</c> (UDP to the agent, or HTTP to
    /// <see cref="Endpoint"/>) or <c>grpc</c> (api_v2 PostSpans to <see cref="GrpcTarget"/>). When unset, gRPC is used
    /// if <see cref="GrpcTarget"/> is set and <see cref="Endpoint"/> is not; otherwise Thrift.
    /// </summary>
    public string? SenderFactory { get; set; }

    /// <summary>Collector gRPC target host:port (JAEGER_GRPC_TARGET), e.g. collector:14250; port 14250 when left out. Default localhost:14250 when the gRPC sender is chosen. Messages are split to fit <see cref="MaxRequestBytes"/>.</summary>
    public string? GrpcTarget { get; set; }

    /// <summary>PEM file of the root certificates the collector's certificate must chain to (JAEGER_GRPC_ROOT_CERTIFICATE); setting it turns on TLS. Unset: cleartext HTTP/2.</summary>
    public string? GrpcRootCertificate { get; set; }

    /// <summary>PEM client certificate chain for mutual TLS (JAEGER_GRPC_CLIENT_CHAIN), leaf first; turns on TLS (with the system's roots unless <see cref="GrpcRootCertificate"/> is set).</summary>
    public string? GrpcClientChain { get; set; }

    /// <summary>PEM private key of the client certificate (JAEGER_GRPC_CLIENT_KEY); defaults to the chain file (one PEM holding both).</summary>
    public string? GrpcClientKey { get; set; }

    /// <summary>Largest request body to a collector (HTTP Thrift or gRPC); bigger batches are split (default 1 MiB).</summary>
    [Between(1024, int.MaxValue)]
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Send spans straight into the <c>Jaeger.Storage.ISpanSink</c> registered in the same container (a collector in this process), with no sockets.</summary>
    public bool SendInProcess { get; set; }

    /// <summary>Also log every reported span (JAEGER_REPORTER_LOG_SPANS).</summary>
    public bool LogSpans { get; set; }

    /// <summary>Reporter queue bound (JAEGER_REPORTER_MAX_QUEUE_SIZE); spans beyond it are dropped and counted. Default 100.</summary>
    [Between(1, int.MaxValue, Environment = "JAEGER_REPORTER_MAX_QUEUE_SIZE")]
    public int MaxQueueSize { get; set; } = 100;

    /// <summary>How often queued spans are sent (JAEGER_REPORTER_FLUSH_INTERVAL, milliseconds or a duration such as 500ms). Default 1 s.</summary>
    [PositiveDuration(Environment = "JAEGER_REPORTER_FLUSH_INTERVAL")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>const, probabilistic, ratelimiting or remote (JAEGER_SAMPLER_TYPE). Default remote.</summary>
    public string SamplerType { get; set; } = "remote";

    /// <summary>The sampler's parameter (JAEGER_SAMPLER_PARAM): const 0/1, probability, traces per second, or the remote sampler's initial probability. Default 0.001.</summary>
    public double SamplerParam { get; set; } = 0.001;

    /// <summary>Sampling endpoint URL (JAEGER_SAMPLING_ENDPOINT, or http://{JAEGER_SAMPLER_MANAGER_HOST_PORT}/sampling). Default http://127.0.0.1:5778/sampling.</summary>
    public string SamplingEndpoint { get; set; } = "http://127.0.0.1:5778/sampling";

    /// <summary>How often the remote sampler polls (JAEGER_SAMPLER_REFRESH_INTERVAL). Default 1 minute.</summary>
    [PositiveDuration(Environment = "JAEGER_SAMPLER_REFRESH_INTERVAL")]
    public TimeSpan SamplerRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most operations the per-operation sampler tracks (JAEGER_SAMPLER_MAX_OPERATIONS). Default 2000.</summary>
    [Between(1, int.MaxValue, Environment = "JAEGER_SAMPLER_MAX_OPERATIONS")]
    public int SamplerMaxOperations { get; set; } = 2000;

    /// <summary>Tracer (process) tags (JAEGER_TAGS: k1=v1,k2=${ENV_VAR:default}).</summary>
    public IDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Create 128-bit trace ids (JAEGER_TRACEID_128BIT).</summary>
    public bool TraceId128Bit { get; set; }

    /// <summary>Propagation formats, comma separated: jaeger, b3, w3c (JAEGER_PROPAGATION). Default jaeger.</summary>
    public string Propagation { get; set; } = "jaeger";

    /// <summary>Longest baggage value; longer values are truncated and counted. Default 2048.</summary>
    public int MaxBaggageValueLength { get; set; } = 2048;

    /// <summary>
    /// Restrict <see cref="ISpan.SetBaggageItem"/> to the keys and value lengths the agent serves on
    /// <see cref="BaggageRestrictionsEndpoint"/> (the Jaeger clients' remote baggage restrictions). Default false: every
    /// key is allowed up to <see cref="MaxBaggageValueLength"/>. Baggage arriving in extracted contexts is not restricted.
    /// </summary>
    public bool BaggageRestrictions { get; set; }

    /// <summary>
    /// Where the baggage restrictions are polled (<c>GET {endpoint}?service=</c>). Default
    /// http://127.0.0.1:5778/baggageRestrictions, like <see cref="SamplingEndpoint"/> (not derived from <see cref="AgentHost"/>).
    /// </summary>
    public string BaggageRestrictionsEndpoint { get; set; } = "http://127.0.0.1:5778/baggageRestrictions";

    /// <summary>How often the baggage restrictions are polled. Default 1 minute.</summary>
    [PositiveDuration]
    public TimeSpan BaggageRestrictionsRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Refuse every baggage key until the first successful poll, instead of allowing every key. Default false.</summary>
    public bool DenyBaggageOnInitializationFailure { get; set; }

    /// <summary>
    /// Reuse finished unsampled span objects (as the Jaeger Go client's PoolSpans option): each thread's last unsampled
    /// span, once finished, becomes its next one, so the usual sequence of spans allocates nothing. Default false. The
    /// price: a span must not be used after its Finish() (not read, not finished again, not kept as a parent), because
    /// the object may already be another span of the thread that started it.
    /// Contexts read from a span before its finish stay valid. Sampled spans are never reused.
    /// </summary>
    public bool PoolUnsampledSpans { get; set; }

    /// <summary>
    /// Per-endpoint request metrics of every finished server span, sampled or not (JAEGER_RPC_METRICS), on meter
    /// Jaeger.Client: jaeger.client.rpc.requests and jaeger.client.rpc.request_latency by endpoint and error, and
    /// jaeger.client.rpc.http_requests by status class. Default false.
    /// </summary>
    public bool RpcMetrics { get; set; }

    /// <summary>Turn System.Diagnostics.Activity (ASP.NET Core, HttpClient, any ActivitySource) into Jaeger spans. Default true.</summary>
    public bool TraceActivities { get; set; } = true;

    /// <summary>Names of the ActivitySources to trace; empty means all.</summary>
    public ISet<string> ActivitySources { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Problems found while reading configuration; reported when the options are validated.</summary>
    internal List<string> ConfigurationErrors { get; } = [];

    /// <summary>Replaces the reporter (tests).</summary>
    internal Reporting.IReporter? ReporterOverride { get; set; }
}
