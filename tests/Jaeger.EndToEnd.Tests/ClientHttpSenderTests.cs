using Jaeger.Client;
using Jaeger.Collector;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Storage.Memory;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.EndToEnd.Tests;

/// <summary>Our client's HTTP sender (JAEGER_ENDPOINT) against our collector's Thrift HTTP receiver, over real sockets.</summary>
public sealed class ClientHttpSenderTests
{
    [Fact]
    public async Task Spans_sent_by_the_client_over_http_thrift_are_stored_by_the_collector_with_their_content()
    {
        var store = new InMemorySpanStore();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<ISpanWriter>(store);
        builder.Services.AddJaegerCollector(o =>
        {
            o.ThriftHttp.Address = "127.0.0.1:0";
            o.Grpc.Enabled = false;
            o.OtlpGrpc.Enabled = false;
            o.OtlpHttp.Enabled = false;
            o.Zipkin.Enabled = false;
            o.Admin.Enabled = false;
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var collector = host.Services.GetRequiredService<JaegerCollector>();
            await collector.Started.WaitAsync(TimeSpan.FromSeconds(30));

            TraceId traceId;
            SpanId parentId;
            SpanId childId;
            await using (var tracer = JaegerTracerFactory.Create(new JaegerTracingOptions
            {
                ServiceName = "http-sender-app",
                Endpoint = new Uri(collector.ThriftHttpEndpoint!, "api/traces").AbsoluteUri,
                User = "user",
                Password = "secret",
                SamplerType = "const",
                SamplerParam = 1,
                TraceId128Bit = true,
            }))
            {
                var parent = tracer.BuildSpan("checkout").WithTag("span.kind", "server").Start();
                var child = tracer.BuildSpan("charge").AsChildOf(parent).WithTag("amount", 42L).WithTag("retried", true).Start();
                child.Log(new Dictionary<string, object?> { ["event"] = "charged", ["ms"] = 1.5 });
                child.Finish();
                parent.Finish();
                var parentContext = (JaegerSpanContext)parent.Context;
                traceId = parentContext.TraceId;
                parentId = parentContext.SpanId;
                childId = ((JaegerSpanContext)child.Context).SpanId;
            } // disposing the tracer flushes the reporter through the HTTP sender

            Assert.True(traceId.Is128Bit);
            Trace? trace = null;
            await Eventually.UntilAsync(async () => (trace = await store.GetTraceAsync(traceId)) is { Spans.Count: 2 }, "both spans stored");

            var stored = trace!.Spans.Single(s => s.SpanId == childId);
            Assert.Equal("charge", stored.OperationName);
            Assert.Equal(parentId, stored.ParentSpanId);
            Assert.Equal("http-sender-app", stored.Process.ServiceName);
            Assert.Contains(stored.Process.Tags, t => t.Key == "jaeger.version" && t.StringValue.StartsWith("CSharp-", StringComparison.Ordinal));
            Assert.Contains(stored.Tags, t => t.Key == "amount" && t.Type == KeyValueType.Int64 && t.Int64Value == 42);
            Assert.Contains(stored.Tags, t => t.Key == "retried" && t.Type == KeyValueType.Bool && t.BoolValue);
            var log = Assert.Single(stored.Logs);
            Assert.Contains(log.Fields, f => f.Key == "event" && f.StringValue == "charged");
            Assert.Contains(log.Fields, f => f.Key == "ms" && f.Type == KeyValueType.Float64 && f.Float64Value == 1.5);
            var root = trace.Spans.Single(s => s.SpanId == parentId);
            Assert.Contains(root.Tags, t => t.Key == "sampler.type" && t.StringValue == "const");
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
