using Jaeger.Agent.Hosting;
using Jaeger.Collector;
using Jaeger.Query;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.EndToEnd.Tests;

/// <summary>One Generic Host with agent, collector, query and in-memory storage, every address 127.0.0.1:0; shared by the tests of a class.</summary>
public sealed class AllRolesHost : IAsyncLifetime
{
    private const string Loopback = "127.0.0.1:0";
    private IHost? _host;

    internal IHost Host => _host ?? throw new InvalidOperationException("not started");

    internal JaegerAgent Agent => Host.Services.GetRequiredService<JaegerAgent>();

    internal JaegerCollector Collector => Host.Services.GetRequiredService<JaegerCollector>();

    internal QueryApi Query { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddJaegerInMemoryStorage();
        builder.Services.AddJaegerCollector(o =>
        {
            o.ThriftHttp.Address = Loopback;
            o.Grpc.Address = Loopback;
            o.OtlpGrpc.Address = Loopback;
            o.OtlpHttp.Address = Loopback;
            o.Zipkin.Address = Loopback;
            o.Admin.Address = Loopback;
        });
        builder.Services.AddJaegerAgent(o =>
        {
            o.Compact.ListenAddress = Loopback;
            o.Binary.ListenAddress = Loopback;
            o.HttpListenAddress = Loopback;
            o.Protocol = AgentForwardingProtocol.InProcess;
        });
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = Loopback;
            o.GrpcListenAddress = Loopback;
        });
        _host = builder.Build();
        await _host.StartAsync();
        await Collector.Started.WaitAsync(TimeSpan.FromSeconds(30));
        Query = new QueryApi(Host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress!);
    }

    public async Task DisposeAsync()
    {
        Query?.Dispose();
        if (_host is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(timeout.Token);
            _host.Dispose();
        }
    }
}
