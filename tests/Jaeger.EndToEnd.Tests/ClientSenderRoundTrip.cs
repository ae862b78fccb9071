using Jaeger.Client;
using Jaeger.Collector;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Storage.Memory;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.EndToEnd.Tests;

/// <summary>
/// A collector host with one receiver on 127.0.0.1 port 0 and an in-memory store, and the trace the client sender tests
/// send through it (a server span with a child that has tags and a log) with the checks of what the store holds.
/// </summary>
internal sealed class ClientSenderRoundTrip : IAsyncDisposable
{
    private readonly IHost _host;

    private ClientSenderRoundTrip(IHost host, InMemorySpanStore store)
    {
        _host = host;
        Store = store;
    }

    public InMemorySpanStore Store { get; }

    public JaegerCollector Collector => _host.Services.GetRequiredService<JaegerCollector>();

    /// <summary>Starts a collector with every receiver off but the one <paramref name="enable"/> turns back on.</summary>
    public static async Task<ClientSenderRoundTrip> StartAsync(Action<JaegerCollectorOptions> enable)
    {
        var store = new InMemorySpanStore();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<ISpanWriter>(store);
        builder.Services.AddJaegerCollector(o =>
        {
            foreach (var receiver in new[] { o.ThriftHttp, o.Grpc, o.OtlpGrpc, o.OtlpHttp, o.Zipkin, o.Admin })
            {
                receiver.Enabled = false;
            }

            enable(o);
        });
        var host = builder.Build();
        await host.StartAsync();
        var roundTrip = new ClientSenderRoundTrip(host, store);
        await roundTrip.Collector.Started.WaitAsync(TimeSpan.FromSeconds(30));
        return roundTrip;
    }

    /// <summary>Records the checkout trace, then disposes the tracer, which flushes its reporter through the sender under test.</summary>
    public static async Task<(TraceId TraceId, SpanId ParentId, SpanId ChildId)> SendCheckoutTraceAsync(JaegerTracer tracer)
    {
        await using (tracer)
        {
            var parent = tracer.BuildSpan("checkout").WithTag("span.kind", "server").Start();
            var child = tracer.BuildSpan("charge").AsChildOf(parent).WithTag("amount", 42L).WithTag("retried", true).Start();
            child.Log(new Dictionary<string, object?> { ["event"] = "charged", ["ms"] = 1.5 });
            child.Finish();
            parent.Finish();
            var parentContext = (JaegerSpanContext)parent.Context;
            return (parentContext.TraceId, parentContext.SpanId, ((JaegerSpanContext)child.Context).SpanId);
        }
    }

    /// <summary>Waits for both spans of the checkout trace and checks their content; returns the child for more checks.</summary>
    public async Task<Span> AssertCheckoutTraceStoredAsync((TraceId TraceId, SpanId ParentId, SpanId ChildId) ids, string serviceName)
    {
        Assert.True(ids.TraceId.Is128Bit);
        Trace? trace = null;
        await Eventually.UntilAsync(async () => (trace = await Store.GetTraceAsync(ids.TraceId)) is { Spans.Count: 2 }, "both spans stored");

        var stored = trace!.Spans.Single(s => s.SpanId == ids.ChildId);
        Assert.Equal(ids.TraceId, stored.TraceId);
        Assert.Equal("charge", stored.OperationName);
        Assert.Equal(ids.ParentId, stored.ParentSpanId);
        Assert.Equal(serviceName, stored.Process.ServiceName);
        Assert.Contains(stored.Process.Tags, t => t.Key == "jaeger.version" && t.StringValue.StartsWith("CSharp-", StringComparison.Ordinal));
        Assert.Contains(stored.Tags, t => t.Key == "amount" && t.Type == KeyValueType.Int64 && t.Int64Value == 42);
        Assert.Contains(stored.Tags, t => t.Key == "retried" && t.Type == KeyValueType.Bool && t.BoolValue);
        var log = Assert.Single(stored.Logs);
        Assert.Contains(log.Fields, f => f.Key == "event" && f.StringValue == "charged");
        Assert.Contains(log.Fields, f => f.Key == "ms" && f.Type == KeyValueType.Float64 && f.Float64Value == 1.5);
        var root = trace.Spans.Single(s => s.SpanId == ids.ParentId);
        Assert.Contains(root.Tags, t => t.Key == "sampler.type" && t.StringValue == "const");
        Assert.Contains(root.Tags, t => t.Key == "span.kind" && t.StringValue == "server");
        return stored;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}
