using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;

namespace Jaeger.Agent.Hosting.Tests;

/// <summary>A started Generic Host with the agent on loopback, every port 0.</summary>
internal sealed class AgentHost : IAsyncDisposable
{
    private AgentHost(IHost host)
    {
        Host = host;
        Agent = host.Services.GetRequiredService<JaegerAgent>();
    }

    public IHost Host { get; }

    public JaegerAgent Agent { get; }

    public static async Task<AgentHost> StartAsync(Action<JaegerAgentOptions> configure, Action<IServiceCollection>? services = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddJaegerAgent(o =>
        {
            o.Compact.ListenAddress = "127.0.0.1:0";
            o.Binary.ListenAddress = "127.0.0.1:0";
            o.HttpListenAddress = "127.0.0.1:0";
            configure(o);
        });
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new AgentHost(host);
    }

    public MetricCollector<long> Collect(string instrument) =>
        new(Host.Services.GetRequiredService<IMeterFactory>(), "Jaeger.Agent", instrument);

    public static async Task SendAsync(IPEndPoint endpoint, ReadOnlyMemory<byte> datagram)
    {
        using var udp = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await udp.SendToAsync(datagram, SocketFlags.None, endpoint);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Host.StopAsync(timeout.Token);
        Host.Dispose();
    }
}

internal static class MetricCollectorExtensions
{
    /// <summary>The sum of the counter's measurements whose tags include every given pair.</summary>
    public static long Sum(this MetricCollector<long> collector, params (string Key, object? Value)[] tags)
    {
        long sum = 0;
        foreach (var measurement in collector.GetMeasurementSnapshot())
        {
            var match = true;
            foreach (var (key, value) in tags)
            {
                if (!measurement.Tags.TryGetValue(key, out var actual) || !Equals(actual, value))
                {
                    match = false;
                    break;
                }
            }

            if (match)
            {
                sum += measurement.Value;
            }
        }

        return sum;
    }
}
