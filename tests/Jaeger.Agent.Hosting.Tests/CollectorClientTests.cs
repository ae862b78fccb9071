using System.Net;
using System.Net.Sockets;
using Jaeger.Agent.Hosting.Forwarding;

namespace Jaeger.Agent.Hosting.Tests;

public sealed class CollectorClientTests
{
    [Fact]
    public async Task A_refused_http_connection_is_a_retryable_failure()
    {
        using var client = new HttpCollectorClient(new Uri($"http://127.0.0.1:{UnusedPort()}/"), TimeSpan.FromSeconds(10));

        var result = await client.SendAsync(Batches.Rich(), CancellationToken.None);

        Assert.Equal("Retryable", result.Outcome.ToString());
    }

    [Fact]
    public async Task An_unreachable_grpc_collector_is_a_retryable_failure()
    {
        using var client = new GrpcCollectorClient(new Uri($"http://127.0.0.1:{UnusedPort()}/"), TimeSpan.FromSeconds(10));

        var result = await client.SendAsync(Batches.Rich(), CancellationToken.None);

        Assert.Equal("Retryable", result.Outcome.ToString());
        Assert.Equal("gRPC Unavailable", result.Reason);
    }

    [Fact]
    public async Task An_http_collector_answering_400_rejects_the_batch_for_good()
    {
        await using var collector = await FakeCollector.StartAsync();
        collector.TracesStatus = 400;
        using var client = new HttpCollectorClient(collector.BaseAddress, TimeSpan.FromSeconds(10));

        var result = await client.SendAsync(Batches.Rich(), CancellationToken.None);

        Assert.Equal("Rejected", result.Outcome.ToString());
        Assert.Equal("HTTP 400", result.Reason);
        Assert.Equal(1, collector.TraceRequests);
    }

    [Theory]
    [InlineData("collector", 14250, "http://collector:14250/")]
    [InlineData("collector:9000", 14250, "http://collector:9000/")]
    [InlineData("https://collector.example:443", 14250, "https://collector.example/")]
    [InlineData("http://127.0.0.1:14268/", 14268, "http://127.0.0.1:14268/")]
    public void Collector_addresses_accept_host_port_or_a_url(string text, int defaultPort, string expected) =>
        Assert.Equal(expected, JaegerAgentHostedService.CollectorAddress(text, defaultPort).AbsoluteUri);

    private static int UnusedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
