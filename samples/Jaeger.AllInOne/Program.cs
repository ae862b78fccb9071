using Jaeger.Agent.Hosting;
using Jaeger.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Every Jaeger role in one Generic Host with in-memory storage. Each role wires itself in here as it lands.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddJaegerInMemoryStorage(o => o.MaxTraces = builder.Configuration.GetValue("Jaeger:Storage:Memory:MaxTraces", 100_000));

// Agent: UDP 6831/6832 and sampling on 5778. Into the collector pipeline of this host when one is registered, else
// over HTTP to a collector on localhost:14268 (which also serves sampling strategies).
builder.Services.AddJaegerAgent(o =>
{
    o.Protocol = builder.Services.Any(d => d.ServiceType == typeof(ISpanSink)) ? AgentForwardingProtocol.InProcess : AgentForwardingProtocol.Http;
    if (o.Collectors.Count == 0)
    {
        o.Collectors.Add("http://localhost:14268");
    }
});
builder.Services.AddJaegerCollector(); // Thrift HTTP 14268, gRPC 14250, OTLP 4317/4318, Zipkin 9411, admin 14269
builder.Services.AddJaegerQuery(); // API and web UI on http://localhost:16686, gRPC QueryService on 16685

var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
