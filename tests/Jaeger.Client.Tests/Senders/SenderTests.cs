using System.Net;
using System.Net.Sockets;
using Jaeger.Client.Senders;
using Jaeger.Core.Tests.Thrift;
using Jaeger.Model;
using Jaeger.Thrift;

namespace Jaeger.Client.Tests.Senders;

public class SenderTests
{
    private static readonly Process TestProcess = new("udp-svc", [KeyValue.String("hostname", "h1")]);

    internal static Span NewSpan(int i, int tagBytes = 100) => new()
    {
        TraceId = new TraceId(0xabc, 0xdef),
        SpanId = new SpanId((ulong)i + 1),
        OperationName = "op" + i,
        References = i == 0 ? [] : [new SpanRef(new TraceId(0xabc, 0xdef), new SpanId(1))],
        Flags = SpanFlags.Sampled,
        StartTimeMicros = 1_700_000_000_000_000 + i,
        DurationMicros = 10 + i,
        Tags = [KeyValue.String("payload", new string('x', tagBytes)), KeyValue.Int64("i", i)],
        Process = TestProcess,
    };

    [Fact]
    public async Task Udp_datagrams_decode_with_apache_thrift_compact_as_emitBatch_and_split_to_fit()
    {
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        var stats = new SenderStats();
        await using var sender = new UdpSender("127.0.0.1", port, ThriftProtocol.Compact, 2000, stats);
        var spans = Enumerable.Range(0, 40).Select(i => NewSpan(i)).ToList();
        spans.Insert(5, NewSpan(999, tagBytes: 5000));

        var result = await sender.SendAsync(spans, CancellationToken.None);
        Assert.Equal(40, result.Sent);
        Assert.Equal(1, result.TooLarge);
        Assert.Equal(1, stats.Snapshot().TooLargeDroppedSpans);

        var received = new List<Span>();
        var seqNos = new List<long>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (received.Count < 40)
        {
            var datagram = await receiver.ReceiveAsync(timeout.Token);
            Assert.InRange(datagram.Buffer.Length, 1, 2000);
            var (batch, _, message) = ApacheThriftMapping.Decode(datagram.Buffer, ThriftProtocol.Compact, emitBatch: true);
            Assert.Equal("emitBatch", message!.Value.Name);
            Assert.Equal("udp-svc", batch.Process.ServiceName);
            Assert.True(JaegerThriftSerializer.TryReadEmitBatch(datagram.Buffer, ThriftProtocol.Compact, out var ours, out _));
            seqNos.Add(ours.SeqNo!.Value);
            Assert.Equal(1, ours.Stats!.Value.TooLargeDroppedSpans);
            received.AddRange(ours.Spans);
        }

        Assert.True(seqNos.Count > 1, "the 40 spans needed several datagrams");
        Assert.Equal(Enumerable.Range(1, seqNos.Count).Select(i => (long)i), seqNos);
        Assert.Equal(spans.Where(s => s.OperationName != "op999").Select(s => s.OperationName), received.Select(s => s.OperationName));
        Assert.Equal(new SpanId(1), received[3].ParentSpanId);
    }

    [Fact]
    public async Task Udp_binary_protocol_is_used_on_option()
    {
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        await using var sender = new UdpSender("127.0.0.1", port, ThriftProtocol.Binary, UdpSender.DefaultMaxPacketSize, new SenderStats());
        await sender.SendAsync([NewSpan(0)], CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var datagram = await receiver.ReceiveAsync(timeout.Token);
        var (batch, _, _) = ApacheThriftMapping.Decode(datagram.Buffer, ThriftProtocol.Binary, emitBatch: true);
        Assert.Equal("op0", Assert.Single(batch.Spans).OperationName);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Udp_sender_resolves_the_agent_host_again_each_interval_and_follows_it_to_a_new_address(bool reconnecting)
    {
        // Two agents on one port at two loopback addresses; the host name moves from the first to the second.
        using var first = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)first.Client.LocalEndPoint!).Port;
        using var second = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.2"), port));
        var current = IPAddress.Loopback;
        var lookups = 0;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var sender = new UdpSender("agent.example", port, ThriftProtocol.Compact, UdpSender.DefaultMaxPacketSize, new SenderStats(),
            reconnecting ? TimeSpan.FromSeconds(30) : null, time, (host, _) =>
            {
                Assert.Equal("agent.example", host);
                lookups++;
                return current is null ? Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)) : Task.FromResult(new[] { current });
            });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        async Task<string> ReceiveOne(UdpClient agent)
        {
            var datagram = await agent.ReceiveAsync(timeout.Token);
            var (batch, _, _) = ApacheThriftMapping.Decode(datagram.Buffer, ThriftProtocol.Compact, emitBatch: true);
            return Assert.Single(batch.Spans).OperationName;
        }

        Assert.Equal(1, (await sender.SendAsync([NewSpan(0)], CancellationToken.None)).Sent);
        Assert.Equal("op0", await ReceiveOne(first));

        // Within the interval nothing is looked up again, even though the name has moved.
        current = IPAddress.Parse("127.0.0.2");
        time.Advance(TimeSpan.FromSeconds(29));
        await sender.SendAsync([NewSpan(1)], CancellationToken.None);
        Assert.Equal("op1", await ReceiveOne(first));
        Assert.Equal(1, lookups);

        time.Advance(TimeSpan.FromSeconds(1));
        await sender.SendAsync([NewSpan(2)], CancellationToken.None);
        Assert.Equal("op2", await ReceiveOne(reconnecting ? second : first));
        Assert.Equal(reconnecting ? 2 : 1, lookups);
        Assert.Equal(reconnecting ? current : IPAddress.Loopback, sender.Address);

        // A failed lookup keeps the address that works.
        var before = sender.Address;
        current = null;
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, (await sender.SendAsync([NewSpan(3)], CancellationToken.None)).Sent);
        Assert.Equal("op3", await ReceiveOne(reconnecting ? second : first));
        Assert.Equal(before, sender.Address);
        Assert.Equal(reconnecting ? 3 : 1, lookups);
    }

    [Fact]
    public async Task Http_sender_posts_thrift_binary_batches_with_auth_split_by_byte_cap()
    {
        await using var server = new TinyHttpServer();
        for (var i = 0; i < 10; i++)
        {
            server.Enqueue(202, string.Empty);
        }

        await using var sender = new HttpSender($"http://127.0.0.1:{server.Port}", "tok", null, null, 1500, new SenderStats());
        var spans = Enumerable.Range(0, 12).Select(i => NewSpan(i)).ToList();
        var result = await sender.SendAsync(spans, CancellationToken.None);
        Assert.Equal(12, result.Sent);

        var received = new List<Span>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var requests = 0;
        while (received.Count < 12)
        {
            var (head, body) = await server.FullRequests.Reader.ReadAsync(timeout.Token);
            requests++;
            Assert.StartsWith("POST /api/traces HTTP/1.1", head, StringComparison.Ordinal);
            Assert.Contains("Content-Type: application/x-thrift", head, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("Authorization: Bearer tok", head, StringComparison.Ordinal);
            Assert.InRange(body.Length, 1, 1500);
            Assert.True(JaegerThriftSerializer.TryReadBatch(body, ThriftProtocol.Binary, out var batch, out _));
            received.AddRange(batch.Spans);
        }

        Assert.True(requests > 1);
        Assert.Equal(spans.Select(s => s.SpanId), received.Select(s => s.SpanId));
    }

    [Fact]
    public async Task Http_sender_uses_basic_auth_when_user_and_password_are_set_and_counts_failures()
    {
        await using var server = new TinyHttpServer();
        server.Enqueue(503, "busy");
        var stats = new SenderStats();
        await using var sender = new HttpSender($"http://127.0.0.1:{server.Port}/api/traces", "tok", "ann", "pw", HttpSender.DefaultMaxRequestBytes, stats);
        var result = await sender.SendAsync([NewSpan(0)], CancellationToken.None);
        Assert.Equal(1, result.Failed);
        Assert.Equal("http_503", result.FailureReason);
        Assert.Equal(1, stats.Snapshot().FailedToEmitSpans);
        var (head, _) = await server.FullRequests.Reader.ReadAsync();
        Assert.Contains("Authorization: Basic " + Convert.ToBase64String("ann:pw"u8.ToArray()), head, StringComparison.Ordinal);
    }
}
