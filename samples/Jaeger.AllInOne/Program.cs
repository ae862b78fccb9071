using Jaeger.Agent.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Every Jaeger role in one Generic Host with in-memory storage, on Jaeger's default ports.
// Any option can be changed from configuration, e.g. --Jaeger:Query:HttpListenAddress=:8080.
var builder = Host.CreateApplicationBuilder(args);

builder.Services.AddJaegerInMemoryStorage(o => o.MaxTraces = builder.Configuration.GetValue("Jaeger:Storage:Memory:MaxTraces", 100_000));

// Collector: Thrift HTTP 14268, gRPC 14250, OTLP 4317/4318, Zipkin 9411, admin 14269.
builder.Services.AddJaegerCollector();

// Agent: UDP 6831 (compact) and 6832 (binary), sampling on 5778. It forwards straight into this host's collector
// pipeline; its sampling strategies come from the collector's HTTP endpoint.
builder.Services.AddJaegerAgent(o =>
{
    o.Protocol = AgentForwardingProtocol.InProcess;
    if (o.Collectors.Count == 0)
    {
        o.Collectors.Add("http://localhost:14268");
    }
});

// Query: API and web UI on http://localhost:16686, gRPC QueryService on 16685.
builder.Services.AddJaegerQuery();

var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
