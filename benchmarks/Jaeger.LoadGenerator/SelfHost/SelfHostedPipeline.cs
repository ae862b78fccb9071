using Jaeger.Agent.Hosting;
using Jaeger.Collector;
using Jaeger.LoadGenerator.Options;
using Jaeger.Query;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jaeger.LoadGenerator.SelfHost;

/// <summary>
/// Agent, collector, query and in-memory storage in this process, every address 127.0.0.1:0, composed as
/// <c>samples/Jaeger.AllInOne</c> composes them on fixed ports; <see cref="Target"/> points the options at it.
/// </summary>
internal sealed class SelfHostedPipeline : IAsyncDisposable
{
    private const string Loopback = "127.0.0.1:0";
    private readonly IHost _host;

    private SelfHostedPipeline(IHost host) => _host = host;

    public static async Task<SelfHostedPipeline> StartAsync(int maxTraces, CancellationToken cancellationToken)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddJaegerInMemoryStorage(o => o.MaxTraces = maxTraces);
        builder.Services.AddJaegerCollector(o =>
        {
            o.ThriftHttp.Address = Loopback;
            o.Grpc.Address = Loopback;
            o.OtlpGrpc.Address = Loopback;
            o.OtlpHttp.Address = Loopback;
            o.Zipkin.Enabled = false;
            o.Admin.Address = Loopback;
        });
        builder.Services.AddJaegerAgent(o =>
        {
            o.Protocol = AgentForwardingProtocol.InProcess;
            o.Compact.ListenAddress = Loopback;
            o.Binary.ListenAddress = Loopback;
            o.Compact.SocketReceiveBufferSize = o.Binary.SocketReceiveBufferSize = 8 * 1024 * 1024;
            o.HttpListenAddress = Loopback;
        });
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = Loopback;
            o.GrpcListenAddress = null;
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        await host.Services.GetRequiredService<JaegerCollector>().Started.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new SelfHostedPipeline(host);
    }

    /// <summary>The options with every target address pointing at this pipeline.</summary>
    public LoadOptions Target(LoadOptions options)
    {
        var collector = _host.Services.GetRequiredService<JaegerCollector>();
        var agent = _host.Services.GetRequiredService<JaegerAgent>();
        var query = _host.Services.GetRequiredService<JaegerQuery>();
        return options with
        {
            AgentHost = "127.0.0.1",
            AgentCompactPort = agent.CompactEndpoint!.Port,
            AgentBinaryPort = agent.BinaryEndpoint!.Port,
            AgentUrl = agent.HttpEndpoint!,
            CollectorUrl = collector.ThriftHttpEndpoint!,
            OtlpGrpcUrl = collector.OtlpGrpcEndpoint!,
            OtlpHttpUrl = collector.OtlpHttpEndpoint!,
            AdminUrl = collector.AdminEndpoint!,
            QueryUrl = query.HttpBaseAddress!,
        };
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token).ConfigureAwait(false);
        _host.Dispose();
    }
}
