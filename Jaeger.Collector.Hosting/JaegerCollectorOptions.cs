using Jaeger.Configuration;

namespace Jaeger.Collector;

/// <summary>What the collector does when its span queue is full.</summary>
public enum FullQueuePolicy
{
    /// <summary>The arriving span is dropped and counted (Jaeger's behaviour).</summary>
    DropNewest,

    /// <summary>The oldest queued span is dropped and counted to make room.</summary>
    DropOldest,

    /// <summary>
    /// The whole request is refused (HTTP 429, gRPC RESOURCE_EXHAUSTED) and nothing of it is stored, so the sender
    /// can retry later.
    /// </summary>
    PushBack,
}

/// <summary>One receiver: on or off, and where it listens.</summary>
public sealed class ReceiverOptions
{
    /// <summary>True to run the receiver.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A Jaeger-style listen address such as ":14268" or "127.0.0.1:0" (port 0 binds a free port); checked when <see cref="Enabled"/>.</summary>
    public string Address { get; set; } = string.Empty;
}

/// <summary>
/// Options of the collector role, bound from the configuration section <c>Jaeger:Collector</c> and checked when the
/// host starts; every message names the configuration key (<c>Jaeger:Collector:ThriftHttp:Address</c>).
/// </summary>
public sealed class JaegerCollectorOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Jaeger:Collector";

    /// <summary>Jaeger Thrift over HTTP (<c>POST /api/traces</c>) and <c>GET /api/sampling</c>; default ":14268".</summary>
    public ReceiverOptions ThriftHttp { get; set; } = new() { Address = ":14268" };

    /// <summary>Jaeger api_v2 gRPC (CollectorService, SamplingManager); default ":14250".</summary>
    public ReceiverOptions Grpc { get; set; } = new() { Address = ":14250" };

    /// <summary>OTLP over gRPC (TraceService/Export); default ":4317".</summary>
    public ReceiverOptions OtlpGrpc { get; set; } = new() { Address = ":4317" };

    /// <summary>OTLP over HTTP (<c>POST /v1/traces</c>, protobuf or JSON); default ":4318".</summary>
    public ReceiverOptions OtlpHttp { get; set; } = new() { Address = ":4318" };

    /// <summary>Zipkin v2 JSON (<c>POST /api/v2/spans</c>); default ":9411".</summary>
    public ReceiverOptions Zipkin { get; set; } = new() { Address = ":9411" };

    /// <summary>The admin server with the health check at <c>/</c> and <c>/health</c>; default ":14269".</summary>
    public ReceiverOptions Admin { get; set; } = new() { Address = ":14269" };

    /// <summary>How many spans may wait for storage; Jaeger's default is 2,000.</summary>
    [Between(1, 10_000_000)]
    public int QueueSize { get; set; } = 2000;

    /// <summary>
    /// How many workers take spans from the queue and write them. Jaeger runs 50 goroutines; a worker here writes
    /// spans in batches and awaits storage asynchronously, so a few per core suffice: the default is 4.
    /// </summary>
    [Between(1, 1024)]
    public int Workers { get; set; } = 4;

    /// <summary>
    /// The most spans one worker takes from the queue for one writer call: whole batches until this many spans are
    /// taken (a single larger batch is still written whole).
    /// </summary>
    [Between(1, 100_000)]
    public int MaxWriteBatch { get; set; } = 256;

    /// <summary>
    /// A waiting worker resumes on the receiver's thread that queued a batch (true, the default), instead of being
    /// woken on another thread; false only to measure the difference (the collector-path benchmarks).
    /// </summary>
    internal bool ResumeWorkersInline { get; set; } = true;

    /// <summary>
    /// At-least-once ingest: answer a sender only after every writer has its spans (HTTP 200/202, gRPC OK), and
    /// answer 503 / UNAVAILABLE when storage failed or spans were dropped, so the sender can send again. Off by
    /// default: like Jaeger, the collector acknowledges once spans are queued.
    /// </summary>
    public bool AcknowledgeAfterWrite { get; set; }

    /// <summary>What a full queue does; the default drops the arriving span, as Jaeger does.</summary>
    public FullQueuePolicy FullQueuePolicy { get; set; } = FullQueuePolicy.DropNewest;

    /// <summary>The largest request body (after gzip decompression) or gRPC message accepted, in bytes; default 16 MiB.</summary>
    [Between(1024, int.MaxValue)]
    public int MaxRequestBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Tags added to the process of every span (Jaeger's <c>--collector.tags</c>); a pair already present is not repeated.</summary>
    public Dictionary<string, string> Tags { get; set; } = [];

    /// <summary>String and binary tag values longer than this are truncated, with a warning on the span.</summary>
    [Between(16, int.MaxValue)]
    public int MaxTagValueLength { get; set; } = 64 * 1024;

    /// <summary>Durations longer than this are clamped to it, with a warning on the span; default 7 days.</summary>
    [PositiveDuration]
    public TimeSpan MaxSpanDuration { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Aggregates parent-service to child-service call counts as spans pass and writes them to the registered
    /// <c>IDependencyWriter</c>. Off by default because the in-memory store derives dependencies from its spans itself;
    /// turn it on for stores that do not.
    /// </summary>
    public bool AggregateDependencies { get; set; }

    /// <summary>How often aggregated dependency links are written; default 1 minute.</summary>
    public TimeSpan DependencyFlushInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many recent spans the dependency aggregator remembers to find parents; default 100,000.</summary>
    [Between(16, 10_000_000)]
    public int DependencySpanMemory { get; set; } = 100_000;

    /// <summary>
    /// Aggregates RED figures (calls, errors, a latency sketch) per service, operation and span kind each minute as
    /// spans pass, writes completed minutes to the registered <c>IMetricsWriter</c> (the query service's
    /// <c>/api/metrics/*</c> and Monitor page read them) and exports running totals on the admin <c>/metrics</c> with
    /// the OpenTelemetry spanmetrics connector's names. Null, the default, turns it on when a metrics writer is
    /// registered; true turns it on for <c>/metrics</c> alone too; false turns it off.
    /// </summary>
    public bool? AggregateSpanMetrics { get; set; }

    /// <summary>The most span-metrics series (service, operation, span kind, status) kept; spans of further series are counted as overflow. Default 10,000.</summary>
    [Between(1, 1_000_000)]
    public int MaxSpanMetricsSeries { get; set; } = 10_000;

    /// <summary>
    /// A Jaeger strategies file (<c>default_strategy</c>, <c>service_strategies</c>); null or empty serves
    /// probabilistic 0.001 to every service.
    /// </summary>
    public string? SamplingStrategiesFile { get; set; }

    /// <summary>How often the strategies file is checked for changes; zero turns reloading off. Default 10 seconds.</summary>
    [NotNegativeDuration]
    public TimeSpan SamplingStrategiesReloadInterval { get; set; } = TimeSpan.FromSeconds(10);
}
