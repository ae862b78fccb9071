namespace Jaeger.LoadGenerator.Options;

/// <summary>How spans travel to the target.</summary>
internal enum TransportKind
{
    AgentUdpCompact,
    AgentUdpBinary,
    CollectorHttpThrift,
    OtlpGrpc,
    OtlpHttp,
}

/// <summary>What the tool does.</summary>
internal enum RunMode
{
    /// <summary>Push spans and account for every one.</summary>
    Ingest,

    /// <summary>Preload the store, then measure the query API.</summary>
    Query,
}

/// <summary>Every setting of a run; defaults target what <c>samples/Jaeger.AllInOne</c> serves on Jaeger's default ports.</summary>
internal sealed record LoadOptions
{
    public RunMode Mode { get; init; } = RunMode.Ingest;

    public TransportKind Transport { get; init; } = TransportKind.CollectorHttpThrift;

    public int Workers { get; init; } = 4;

    /// <summary>Traces per second over all workers; 0 = as fast as possible.</summary>
    public double Rate { get; init; }

    public int SpansPerTrace { get; init; } = 10;

    public int TagsPerSpan { get; init; } = 4;

    /// <summary>Size of one string tag's value in bytes.</summary>
    public int PayloadBytes { get; init; } = 32;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Query mode: how long the workers send the same requests unrecorded before the measured duration (JIT tiering, caches).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Spans per request or datagram; null = 100 for HTTP/gRPC, as many as fit 65,000 bytes for UDP.</summary>
    public int? BatchSpans { get; init; }

    public string Service { get; init; } = "loadgen-" + Guid.NewGuid().ToString("N")[..8];

    public string AgentHost { get; init; } = "localhost";

    public int AgentCompactPort { get; init; } = 6831;

    public int AgentBinaryPort { get; init; } = 6832;

    public Uri CollectorUrl { get; init; } = new("http://localhost:14268/");

    public Uri OtlpGrpcUrl { get; init; } = new("http://localhost:4317/");

    public Uri OtlpHttpUrl { get; init; } = new("http://localhost:4318/");

    public Uri QueryUrl { get; init; } = new("http://localhost:16686/");

    /// <summary>The collector's admin server (its /metrics).</summary>
    public Uri AdminUrl { get; init; } = new("http://localhost:14269/");

    /// <summary>The agent's HTTP server (its /metrics), for the agent transports.</summary>
    public Uri AgentUrl { get; init; } = new("http://localhost:5778/");

    public bool SelfHost { get; init; }

    /// <summary>Traces per second whose emit-to-queryable latency is measured.</summary>
    public double LatencySamplesPerSecond { get; init; } = 20;

    /// <summary>How often an HTTP 429 / gRPC RESOURCE_EXHAUSTED request is retried before it is given up.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>How long to wait after the run for stored to stop changing.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Write the live progress line.</summary>
    public bool Progress { get; init; } = true;

    /// <summary>Query mode: spans preloaded (in traces of 10).</summary>
    public long PreloadSpans { get; init; } = 1_000_000;

    /// <summary>Self-hosted in-memory store bound (traces).</summary>
    public int? MaxTraces { get; init; }
}
