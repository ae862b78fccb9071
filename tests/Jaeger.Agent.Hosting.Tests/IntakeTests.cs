using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Jaeger.Agent.Hosting.Diagnostics;
using Jaeger.Agent.Hosting.Intake;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Jaeger.Thrift;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics.Metrics;

namespace Jaeger.Agent.Hosting.Tests;

public sealed class IntakeTests
{
    [NodeFact]
    public async Task Spans_from_the_real_Jaeger_Node_client_reach_the_collector_through_the_binary_port_unchanged()
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = AgentForwardingProtocol.Http;
            o.Collectors.Add(collector.BaseAddress.AbsoluteUri);
            o.AgentTags = "agent.zone=${AGENT_TEST_UNSET_ZONE:zone-a}";
        });
        var port = agent.Agent.BinaryEndpoint!.Port.ToString(CultureInfo.InvariantCulture);

        var output = await Node.RunAsync("agent-report.js", ["127.0.0.1", port, "node-shop"]);

        using var sent = JsonDocument.Parse(output);
        var sentSpans = sent.RootElement.GetProperty("spans");
        await Eventually.UntilAsync(() => collector.Spans.Count() == sentSpans.GetArrayLength(), "the Node spans at the collector");
        Assert.Empty(collector.DecodeErrors);
        var batch = Assert.Single(collector.Batches);

        NodeReport.AssertDelivered(sent, batch.Process, batch.Spans, KeyValue.String("agent.zone", "zone-a"));
    }

    [Fact]
    public async Task Our_compact_datagrams_reach_the_collector_unchanged()
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = AgentForwardingProtocol.Http;
            o.Collectors.Add(collector.BaseAddress.AbsoluteUri);
        });
        var sent = Batches.Rich();

        await AgentHost.SendAsync(agent.Agent.CompactEndpoint!, Batches.EmitBatch(sent, ThriftProtocol.Compact));

        await Eventually.UntilAsync(() => !collector.Batches.IsEmpty, "the batch at the collector");
        var received = Assert.Single(collector.Batches);
        Assert.Equal(sent.Process, received.Process);
        Batches.AssertSameSpans(sent.Spans, received.Spans);
    }

    [Fact]
    public async Task The_http_server_serves_the_agent_meter_on_metrics_in_prometheus_text()
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = AgentForwardingProtocol.Http;
            o.Collectors.Add(collector.BaseAddress.AbsoluteUri);
        });
        using var http = new HttpClient { BaseAddress = agent.Agent.HttpEndpoint };

        await AgentHost.SendAsync(agent.Agent.CompactEndpoint!, Batches.EmitBatch(Batches.Rich(), ThriftProtocol.Compact));
        await Eventually.UntilAsync(() => !collector.Batches.IsEmpty, "the batch at the collector");

        await Eventually.UntilAsync(
            async () => (await http.GetStringAsync("/metrics")).Contains("jaeger_agent_udp_packets_processed_total{protocol=\"compact\"} 1\n", StringComparison.Ordinal),
            "the processed datagram on /metrics");
        using var response = await http.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE jaeger_agent_udp_packets_received_total counter", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_mutated_oversized_and_empty_datagrams_are_counted_by_reason_and_a_good_one_afterwards_is_delivered()
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = AgentForwardingProtocol.Http;
            o.Collectors.Add(collector.BaseAddress.AbsoluteUri);
            o.Compact.MaxPacketSize = 2_000;
        });
        using var dropped = agent.Collect("jaeger.agent.udp.packets.dropped");
        using var received = agent.Collect("jaeger.agent.udp.packets.received");
        var good = Batches.EmitBatch(Batches.Rich(), ThriftProtocol.Compact);
        var mutated = (byte[])good.Clone();
        mutated[0] = 0x00; // not the compact protocol id
        var endpoint = agent.Agent.CompactEndpoint!;

        await AgentHost.SendAsync(endpoint, good.AsMemory(0, good.Length / 2));
        await AgentHost.SendAsync(endpoint, mutated);
        await AgentHost.SendAsync(endpoint, new byte[3_000]);
        await AgentHost.SendAsync(endpoint, Array.Empty<byte>());
        await Eventually.UntilAsync(() => dropped.Sum() == 4, "four counted drops");

        Assert.Equal(1, dropped.Sum(("reason", "Truncated"), ("protocol", "compact")));
        Assert.Equal(1, dropped.Sum(("reason", "too_large")));
        Assert.Equal(1, dropped.Sum(("reason", "empty")));
        var mutatedReason = dropped.GetMeasurementSnapshot()
            .Select(m => (string)m.Tags["reason"]!)
            .Single(r => r is not ("Truncated" or "too_large" or "empty"));
        Assert.True(Enum.TryParse<ThriftDecodeErrorKind>(mutatedReason, out _), mutatedReason);

        await AgentHost.SendAsync(endpoint, good);
        await Eventually.UntilAsync(() => collector.Spans.Count() == 2, "the good batch at the collector");
        Assert.Equal(5, received.Sum());
    }

    [Fact]
    public async Task Random_corruptions_of_a_datagram_never_stop_the_agent_and_every_packet_is_accounted_for()
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = AgentForwardingProtocol.Http;
            o.Collectors.Add(collector.BaseAddress.AbsoluteUri);
        });
        using var dropped = agent.Collect("jaeger.agent.udp.packets.dropped");
        using var processed = agent.Collect("jaeger.agent.udp.packets.processed");
        var good = Batches.EmitBatch(Batches.Rich(), ThriftProtocol.Binary);
        var random = new Random(1234);
        const int Count = 300;

        for (var i = 0; i < Count; i++)
        {
            var bad = (byte[])good.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bad[random.Next(bad.Length)] = (byte)random.Next(256);
            }

            await AgentHost.SendAsync(agent.Agent.BinaryEndpoint!, bad.AsMemory(0, random.Next(1, bad.Length + 1)));
            if (i % 50 == 49)
            {
                // Pace the burst so the socket buffer does not overflow: every datagram must be counted one way or the other.
                await Eventually.UntilAsync(() => dropped.Sum() + processed.Sum() == i + 1, "the agent to account for the burst");
            }
        }

        Assert.Equal(0, dropped.Sum(("reason", "processing_error")));
        await AgentHost.SendAsync(agent.Agent.BinaryEndpoint!, good);
        await Eventually.UntilAsync(() => processed.Sum() + dropped.Sum() == Count + 1 && collector.Spans.Any(s => s.OperationName == "db.query"), "the good datagram to be delivered");
    }

    [Fact]
    public async Task A_full_queue_drops_the_newest_datagrams_and_counts_them_as_queue_full()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new AgentMetrics(factory);
        using var dropped = new MetricCollector<long>(factory, AgentMetrics.MeterName, "jaeger.agent.udp.packets.dropped");
        using var received = new MetricCollector<long>(factory, AgentMetrics.MeterName, "jaeger.agent.udp.packets.received");
        var release = new ManualResetEventSlim();
        var firstTaken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new ConcurrentQueue<Batch>();
        var options = new UdpServerOptions { ListenAddress = "127.0.0.1:0", Workers = 1, QueueSize = 2 };
        await using var server = new UdpServer(options, ThriftProtocol.Compact, batch =>
        {
            batches.Enqueue(batch);
            firstTaken.TrySetResult();
            release.Wait();
        }, metrics, NullLogger.Instance);
        server.Start();

        await AgentHost.SendAsync(server.BoundEndpoint!, Batches.EmitBatch(Batches.Rich("s0"), ThriftProtocol.Compact));
        await firstTaken.Task.WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 1; i <= 5; i++)
        {
            await AgentHost.SendAsync(server.BoundEndpoint!, Batches.EmitBatch(Batches.Rich("s" + i), ThriftProtocol.Compact));
        }

        await Eventually.UntilAsync(() => received.Sum() == 6, "six datagrams read");
        // A datagram is counted as received before it is offered to the queue: wait for the last drop to be counted.
        await Eventually.UntilAsync(() => dropped.Sum(("reason", "queue_full")) >= 3, "the three queue_full drops");
        Assert.Equal(3, dropped.Sum(("reason", "queue_full")));
        Assert.Equal(3, dropped.Sum());
        release.Set();
        await Eventually.UntilAsync(() => batches.Count == 3, "the queued datagrams to be processed");
        Assert.Equal(["s0", "s1", "s2"], batches.Select(b => b.Process.ServiceName));
    }

    [Fact]
    public async Task Client_reported_drops_and_sequence_gaps_become_per_client_metrics()
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = AgentForwardingProtocol.Http;
            o.Collectors.Add(collector.BaseAddress.AbsoluteUri);
        });
        using var lost = agent.Collect("jaeger.agent.client.batches_lost");
        using var spansDropped = agent.Collect("jaeger.agent.client.spans_dropped");
        using var batchesReceived = agent.Collect("jaeger.agent.client.batches_received");

        await AgentHost.SendAsync(agent.Agent.CompactEndpoint!, Batches.EmitBatch(Batches.Rich("app", 1, new ClientStats(1, 0, 0)), ThriftProtocol.Compact));
        await Eventually.UntilAsync(() => batchesReceived.Sum() == 1, "the first batch");
        await AgentHost.SendAsync(agent.Agent.CompactEndpoint!, Batches.EmitBatch(Batches.Rich("app", 4, new ClientStats(6, 1, 2)), ThriftProtocol.Compact));
        await Eventually.UntilAsync(() => batchesReceived.Sum() == 2, "the second batch");

        // The counters of one batch are recorded one after another: wait for the last of them before asserting.
        await Eventually.UntilAsync(() => spansDropped.Sum(("client", "uuid-app"), ("cause", "send-failure")) >= 2, "the second batch's client stats");
        Assert.Equal(2, lost.Sum(("client", "uuid-app")));
        Assert.Equal(6, spansDropped.Sum(("client", "uuid-app"), ("cause", "full-queue")));
        Assert.Equal(1, spansDropped.Sum(("client", "uuid-app"), ("cause", "too-large")));
        Assert.Equal(2, spansDropped.Sum(("client", "uuid-app"), ("cause", "send-failure")));
    }

    [Fact]
    public void The_client_tracker_forgets_the_least_recently_seen_client_when_full()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var tracker = new ClientStatsTracker(new AgentMetrics(services.GetRequiredService<IMeterFactory>()), time, maxClients: 3, TimeSpan.FromHours(1));

        for (var i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            tracker.Record(Batches.Rich("c" + i, seqNo: 1));
        }

        Assert.Equal(3, tracker.Count);
    }

    [Fact]
    public async Task Batches_are_forwarded_over_grpc_as_api_v2_PostSpans()
    {
        var received = new ConcurrentQueue<Protos.ApiV2.PostSpansRequest>();
        await using var server = await Jaeger.Hosting.Http.EndpointServer.StartAsync(
            new IPEndPoint(IPAddress.Loopback, 0),
            Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2,
            NullLoggerFactory.Instance,
            s =>
            {
                s.AddGrpc();
                s.AddSingleton(received);
            },
            routes => Microsoft.AspNetCore.Builder.GrpcEndpointRouteBuilderExtensions.MapGrpcService<FakeGrpcCollector>(routes),
            maxRequestBodySize: null,
            CancellationToken.None);
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = AgentForwardingProtocol.Grpc;
            o.Collectors.Add($"127.0.0.1:{server.BoundEndpoint.Port}");
            o.AgentTags = "dc=west";
        });
        var sent = Batches.Rich();

        await AgentHost.SendAsync(agent.Agent.CompactEndpoint!, Batches.EmitBatch(sent, ThriftProtocol.Compact));

        await Eventually.UntilAsync(() => !received.IsEmpty, "PostSpans at the collector");
        var batch = Assert.Single(received).Batch;
        Assert.Equal("compact-svc", batch.Process.ServiceName);
        Assert.Equal(["hostname", "client-uuid", "pid", "dc"], batch.Process.Tags.Select(t => t.Key));
        Assert.Equal(2, batch.Spans.Count);
        var root = batch.Spans[0];
        Assert.Equal(Convert.FromHexString("0123456789abcdeffedcba9876543210"), root.TraceId.ToByteArray());
        Assert.Equal(Convert.FromHexString("0000000000000001"), root.SpanId.ToByteArray());
        Assert.Equal("GET /cart", root.OperationName);
        Assert.Equal(1_700_000_000L, root.StartTime.Seconds);
        Assert.Equal(1_000, root.StartTime.Nanos);
        Assert.Equal(12_345_000, root.Duration.Nanos);
        Assert.Equal(Protos.ApiV2.ValueType.Int64, root.Tags[2].VType);
        Assert.Equal(500, root.Tags[2].VInt64);
        Assert.Equal("miss", root.Logs[0].Fields[0].VStr);
        var child = batch.Spans[1];
        Assert.Equal(Protos.ApiV2.SpanRefType.FollowsFrom, child.References[1].RefType);
        Assert.Equal(Convert.FromHexString("ffffffffffffffff"), child.SpanId.ToByteArray());
    }

    [Fact]
    public async Task With_the_in_process_option_batches_go_into_the_registered_span_sink()
    {
        var sink = new RecordingSink();
        await using var agent = await AgentHost.StartAsync(
            o => o.Protocol = AgentForwardingProtocol.InProcess,
            services => services.AddSingleton<ISpanSink>(sink));
        var sent = Batches.Rich();

        await AgentHost.SendAsync(agent.Agent.BinaryEndpoint!, Batches.EmitBatch(sent, ThriftProtocol.Binary));

        await Eventually.UntilAsync(() => !sink.Batches.IsEmpty, "the batch in the sink");
        var received = Assert.Single(sink.Batches);
        Assert.Equal(sent.Process, received.Process);
        Batches.AssertSameSpans(sent.Spans, received.Spans);
    }

    [Fact]
    public async Task A_clean_stop_forwards_every_datagram_the_agent_had_read()
    {
        await using var collector = await FakeCollector.StartAsync();
        var agent = await AgentHost.StartAsync(o =>
        {
            o.Protocol = AgentForwardingProtocol.Http;
            o.Collectors.Add(collector.BaseAddress.AbsoluteUri);
        });
        using var received = agent.Collect("jaeger.agent.udp.packets.received");
        const int Count = 40;
        for (var i = 0; i < Count; i++)
        {
            await AgentHost.SendAsync(agent.Agent.CompactEndpoint!, Batches.EmitBatch(Batches.Rich("svc" + i), ThriftProtocol.Compact));
        }

        await Eventually.UntilAsync(() => received.Sum() == Count, "every datagram read");
        await agent.DisposeAsync();

        Assert.Equal(Count, collector.Batches.Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => "svc" + i).Order(), collector.Batches.Select(b => b.Process.ServiceName).Order());
    }

    [Fact]
    public async Task A_collector_answering_503_is_retried_with_backoff_until_it_accepts()
    {
        await using var collector = await FakeCollector.StartAsync();
        collector.TracesStatus = 503;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var agent = await AgentHost.StartAsync(
            o =>
            {
                o.Protocol = AgentForwardingProtocol.Http;
                o.Collectors.Add(collector.BaseAddress.AbsoluteUri);
                o.MaxRetries = 50;
                o.InitialBackoff = TimeSpan.FromSeconds(1);
            },
            services => services.AddSingleton<TimeProvider>(time));
        using var failed = agent.Collect("jaeger.agent.forward.batches");

        await AgentHost.SendAsync(agent.Agent.CompactEndpoint!, Batches.EmitBatch(Batches.Rich(), ThriftProtocol.Compact));
        await Eventually.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(1));
                return failed.Sum(("result", "failed")) >= 2;
            },
            "two failed attempts");
        Assert.Empty(collector.Batches);

        collector.TracesStatus = 202;
        await Eventually.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(5));
                return !collector.Batches.IsEmpty;
            },
            "delivery once the collector accepts");

        // The collector has the batch before the agent has read its answer and counted the success.
        await Eventually.UntilAsync(() => failed.Sum(("result", "ok")) >= 1, "the delivery to be counted");
        Assert.Equal(1, failed.Sum(("result", "ok")));
        Assert.Single(collector.Batches);
    }

    private sealed class RecordingSink : ISpanSink
    {
        public ConcurrentQueue<Batch> Batches { get; } = new();

        public ValueTask<SpanSinkResult> SubmitAsync(Batch batch, CancellationToken cancellationToken = default)
        {
            Batches.Enqueue(batch);
            return ValueTask.FromResult(new SpanSinkResult(batch.Spans.Count, 0));
        }
    }

    private sealed class FakeGrpcCollector(ConcurrentQueue<Protos.ApiV2.PostSpansRequest> received) : Protos.ApiV2.CollectorService.CollectorServiceBase
    {
        public override Task<Protos.ApiV2.PostSpansResponse> PostSpans(Protos.ApiV2.PostSpansRequest request, Grpc.Core.ServerCallContext context)
        {
            received.Enqueue(request);
            return Task.FromResult(new Protos.ApiV2.PostSpansResponse());
        }
    }
}
