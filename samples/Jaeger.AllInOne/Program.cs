using Jaeger.Agent.Hosting;
using Jaeger.Collector;
using Jaeger.Query;
using Jaeger.Storage.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Every Jaeger role in one Generic Host on Jaeger's default ports. Any option can be changed from configuration,
// e.g. --Jaeger:Query:HttpListenAddress=:8080 or --Jaeger:Storage:Type=memory.
var builder = Host.CreateApplicationBuilder(args);

// The roles' servers and the host's own lifetime messages give way to the one summary printed below.
foreach (var category in new[]
{
    "Jaeger.Hosting.Http.EndpointServer", "Jaeger.Collector.Hosting.CollectorServers", "Jaeger.Agent.Hosting.JaegerAgentHostedService",
    "Jaeger.Agent.Hosting.Intake.UdpServer", "Jaeger.Query.JaegerQueryHostedService", "Microsoft.Hosting.Lifetime",
})
{
    builder.Logging.AddFilter(category, LogLevel.Warning);
}

// Storage chosen by Jaeger:Storage:Type (or SPAN_STORAGE_TYPE): by default the embedded store on local disk, in the
// folder printed at start (Jaeger:Storage:Embedded:Path); memory keeps 100,000 traces unless told otherwise; the
// cluster backends connect to the servers their options name.
builder.Services.AddJaegerStorage(storage => storage
    .AddMemory(o => o.MaxTraces = builder.Configuration.GetValue("Jaeger:Storage:Memory:MaxTraces", 100_000))
    .AddEmbedded()
    .AddElasticsearch()   // types elasticsearch and opensearch: Jaeger:Storage:Elasticsearch:*
    .AddCassandra()       // Jaeger:Storage:Cassandra:*
    .AddClickHouse()      // Jaeger:Storage:ClickHouse:*
    .UseDefaultType("embedded"));

// Collector: Thrift HTTP 14268, gRPC 14250, OTLP 4317/4318, Zipkin 9411, admin 14269. The in-memory store derives
// service dependencies from its traces; for every other store the collector counts them as spans pass.
var storageType = builder.Configuration["Jaeger:Storage:Type"] ?? builder.Configuration["SPAN_STORAGE_TYPE"] ?? "embedded";
var storeDerivesDependencies = storageType.Split(',')[0].Trim().Equals("memory", StringComparison.OrdinalIgnoreCase);
builder.Services.AddJaegerCollector(o => o.AggregateDependencies = builder.Configuration.GetValue("Jaeger:Collector:AggregateDependencies", !storeDerivesDependencies));

// Agent: UDP 6831 (compact) and 6832 (binary), sampling on 5778. It forwards straight into this host's collector
// pipeline and asks this host's collector for sampling strategies directly.
builder.Services.AddJaegerAgent(o => o.Protocol = AgentForwardingProtocol.InProcess);

// Query: API and web UI on http://localhost:16686, gRPC QueryService on 16685.
builder.Services.AddJaegerQuery();

using var host = builder.Build();
await host.StartAsync().ConfigureAwait(false);
Console.WriteLine(AllInOneSummary.Describe(host.Services));
await host.WaitForShutdownAsync().ConfigureAwait(false);

/// <summary>The all-in-one's start summary: each role, where it listens, the storage.</summary>
internal static class AllInOneSummary
{
    public static string Describe(IServiceProvider services)
    {
        var collector = services.GetRequiredService<JaegerCollector>();
        var agent = services.GetRequiredService<JaegerAgent>();
        var query = services.GetRequiredService<JaegerQuery>();
        var storage = services.GetRequiredService<JaegerStorage>();
        var lines = new List<string>
        {
            "Jaeger all-in-one is running.",
            $"  UI and query API  {query.HttpBaseAddress}   (gRPC QueryService {query.GrpcEndpoint})",
            $"  collector         Thrift HTTP {collector.ThriftHttpEndpoint}, gRPC {collector.GrpcEndpoint}, OTLP gRPC {collector.OtlpGrpcEndpoint}, OTLP HTTP {collector.OtlpHttpEndpoint}, Zipkin {collector.ZipkinEndpoint}, admin {collector.AdminEndpoint}",
            $"  agent             UDP compact {agent.CompactEndpoint}, UDP binary {agent.BinaryEndpoint}, sampling {agent.HttpEndpoint}",
        };
        foreach (var backend in storage.Primary)
        {
            lines.Add($"  storage           {backend.Type}{Where(backend)}");
        }

        if (storage.Archive is { } archive)
        {
            lines.Add($"  archive storage   {archive.Type}{Where(archive)}");
        }

        lines.Add("Press Ctrl+C to stop.");
        return string.Join(Environment.NewLine, lines);
    }

    private static string Where(Jaeger.Storage.StorageBackend backend) =>
        (backend.Writer is Jaeger.Storage.Embedded.EmbeddedSpanStore embedded ? $" in {embedded.DataPath}" : string.Empty) +
        Keeps(backend);

    private static string Keeps(Jaeger.Storage.StorageBackend backend) =>
        backend.Maintenance?.Retention is { } r && (r.MaxAge is not null || r.MaxBytes is not null || r.MaxTraces is not null)
            ? $" (keeps{(r.MaxTraces is { } t ? $" {t:N0} traces" : "")}{(r.MaxAge is { } a ? $" {a.TotalHours:0.#} h" : "")}{(r.MaxBytes is { } b ? $" {b / (1024 * 1024):N0} MiB" : "")})"
            : string.Empty;
}
