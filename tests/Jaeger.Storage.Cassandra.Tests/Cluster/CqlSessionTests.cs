using System.Net;
using Jaeger.Storage.Cassandra.Cluster;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Tests.Fake;
using Jaeger.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaeger.Storage.Cassandra.Tests.Cluster;

public sealed class CqlSessionTests
{
    private static readonly FakeStatement ByName = new("SELECT v FROM kv WHERE k = ?", [("k", CqlType.Text)], [0], [("v", CqlType.Text)]);

    [Fact]
    public async Task PeersAreDiscoveredFromSystemPeersAndEachStatementGoesToTheNodeOwningItsToken()
    {
        await using var cluster = await FakeCluster.StartAsync(3);
        await using var session = cluster.Session();
        await session.ConnectAsync(CancellationToken.None);
        Assert.Equal(3, session.Hosts.Count);
        Assert.Equal(cluster.Nodes.Select(n => n.EndPoint).OrderBy(e => e.ToString()), session.Hosts.Select(h => h.EndPoint).OrderBy(e => e.ToString()));

        var statement = await session.PrepareAsync(ByName.Query, CancellationToken.None);
        for (var i = 0; i < 30; i++)
        {
            var key = $"service-{i}";
            await session.ExecuteAsync(statement, [key], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None);
            var token = Murmur3Token.Compute(System.Text.Encoding.UTF8.GetBytes(key));
            var owner = cluster.Owner(token);
            var served = cluster.Nodes.Single(n => n.Requests.Any(r => r.Opcode == CqlOpcode.Execute && (string)r.Values[0]! == key));
            Assert.True(owner == served, $"{key} (token {token}) went to {served.EndPoint}, owner is {owner.EndPoint}");
        }
    }

    [Fact]
    public async Task AStatementANodeForgotIsPreparedAgainThereAndRunsOnce()
    {
        await using var cluster = await FakeCluster.StartAsync(1);
        await using var session = cluster.Session();
        await session.ConnectAsync(CancellationToken.None);
        var node = cluster.Nodes[0];
        node.OnStatement = r => FakeReply.Of(ByName.ResultColumns, ["value-of-" + r.Values[0]]);
        var statement = await session.PrepareAsync(ByName.Query, CancellationToken.None);
        node.ForgetPrepared();

        var result = await session.ExecuteAsync(statement, ["a"], new CqlExecution(CqlConsistency.LocalOne, Idempotent: false), CancellationToken.None);

        Assert.Equal("value-of-a", result.Rows!.Get(0, 0));
        Assert.Single(node.Requests, r => r.Opcode == CqlOpcode.Execute);
        Assert.Equal(0, session.Retries);
    }

    [Theory]
    [InlineData((int)CqlErrorCode.Overloaded)]
    [InlineData((int)CqlErrorCode.WriteTimeout)]
    [InlineData((int)CqlErrorCode.ReadTimeout)]
    [InlineData((int)CqlErrorCode.Unavailable)]
    public async Task AnIdempotentStatementIsRetriedOnTransientErrorsAndANonIdempotentOneIsNot(int errorCode)
    {
        var code = (CqlErrorCode)errorCode;
        await using var cluster = await FakeCluster.StartAsync(1);
        await using var session = cluster.Session();
        await session.ConnectAsync(CancellationToken.None);
        var node = cluster.Nodes[0];
        var statement = await session.PrepareAsync(ByName.Query, CancellationToken.None);

        node.FailNext(code);
        await session.ExecuteAsync(statement, ["k"], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None);
        Assert.Equal(2, node.Requests.Count(r => r.Opcode == CqlOpcode.Execute));
        Assert.Equal(1, session.Retries);

        node.FailNext(code);
        var error = await Assert.ThrowsAsync<CqlServerException>(() => session.ExecuteAsync(statement, ["k"], new CqlExecution(CqlConsistency.LocalOne, Idempotent: false), CancellationToken.None));
        Assert.Equal(code, error.Code);
        Assert.Equal(3, node.Requests.Count(r => r.Opcode == CqlOpcode.Execute));
    }

    [Fact]
    public async Task RetriesStopAfterTheConfiguredAttempts()
    {
        await using var cluster = await FakeCluster.StartAsync(1);
        await using var session = cluster.Session(maxAttempts: 3);
        await session.ConnectAsync(CancellationToken.None);
        var node = cluster.Nodes[0];
        var statement = await session.PrepareAsync(ByName.Query, CancellationToken.None);
        node.FailNext(CqlErrorCode.Overloaded, CqlErrorCode.Overloaded, CqlErrorCode.Overloaded, CqlErrorCode.Overloaded);
        var error = await Assert.ThrowsAsync<CqlServerException>(() => session.ExecuteAsync(statement, ["k"], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None));
        Assert.Equal(CqlErrorCode.Overloaded, error.Code);
        Assert.Equal(3, node.Requests.Count(r => r.Opcode == CqlOpcode.Execute));
    }

    [Fact]
    public async Task ASyntaxErrorIsNeverRetried()
    {
        await using var cluster = await FakeCluster.StartAsync(1);
        await using var session = cluster.Session();
        await session.ConnectAsync(CancellationToken.None);
        var node = cluster.Nodes[0];
        node.OnStatement = _ => FakeReply.Fail(CqlErrorCode.Invalid, "bad value");
        var statement = await session.PrepareAsync(ByName.Query, CancellationToken.None);
        var error = await Assert.ThrowsAsync<CqlServerException>(() => session.ExecuteAsync(statement, ["k"], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None));
        Assert.Equal(CqlErrorCode.Invalid, error.Code);
        Assert.Single(node.Requests, r => r.Opcode == CqlOpcode.Execute);
    }

    [Fact]
    public async Task DroppedConnectionsAreReopenedOnTheNextStatement()
    {
        await using var cluster = await FakeCluster.StartAsync(1);
        await using var session = cluster.Session();
        await session.ConnectAsync(CancellationToken.None);
        var node = cluster.Nodes[0];
        var statement = await session.PrepareAsync(ByName.Query, CancellationToken.None);
        var host = Assert.Single(session.Hosts);
        var opened = host.ConnectionsOpened;

        node.DropConnections();
        await Eventually.UntilAsync(() => host.OpenConnections == 0, "the pool sees its connections closed");
        await session.ExecuteAsync(statement, ["k"], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None);

        Assert.True(host.ConnectionsOpened > opened);
        Assert.Contains(node.Requests, r => r.Opcode == CqlOpcode.Execute);
    }

    [Fact]
    public async Task WhenANodeIsGoneAnIdempotentStatementIsServedByAnotherAndTheNodeIsMarkedDown()
    {
        await using var cluster = await FakeCluster.StartAsync(2);
        await using var session = cluster.Session();
        await session.ConnectAsync(CancellationToken.None);
        var statement = await session.PrepareAsync(ByName.Query, CancellationToken.None);

        // A key the second node owns; then that node goes away.
        var key = Enumerable.Range(0, 1000).Select(i => $"k{i}").First(k => cluster.Owner(Murmur3Token.Compute(System.Text.Encoding.UTF8.GetBytes(k))) == cluster.Nodes[1]);
        await cluster.Nodes[1].DisposeAsync();
        var gone = session.Hosts.Single(h => h.EndPoint.Equals(cluster.Nodes[1].EndPoint));
        await Eventually.UntilAsync(() => gone.OpenConnections == 0, "the client sees the node's connections closed");

        await session.ExecuteAsync(statement, [key], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None);

        Assert.Contains(cluster.Nodes[0].Requests, r => r.Opcode == CqlOpcode.Execute && (string)r.Values[0]! == key);
        Assert.False(session.Hosts.Single(h => h.EndPoint.Equals(cluster.Nodes[1].EndPoint)).IsUp);
    }

    [Fact]
    public async Task ADownNodeIsLeftAloneUntilItsBackoffHasPassedThenUsedAgain()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var cluster = await FakeCluster.StartAsync(2);
        await using var session = cluster.Session(time: time);
        await session.ConnectAsync(CancellationToken.None);
        var statement = await session.PrepareAsync(ByName.Query, CancellationToken.None);
        var second = cluster.Nodes[1];
        var key = Enumerable.Range(0, 1000).Select(i => $"k{i}").First(k => cluster.Owner(Murmur3Token.Compute(System.Text.Encoding.UTF8.GetBytes(k))) == second);
        var endPoint = second.EndPoint;
        var tokens = second.Tokens;
        await second.DisposeAsync();
        var host = session.Hosts.Single(h => h.EndPoint.Equals(endPoint));
        await Eventually.UntilAsync(() => host.OpenConnections == 0, "the node's connections are closed");

        await session.ExecuteAsync(statement, [key], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None);
        Assert.False(host.IsUp);

        // The node is back, but its backoff (50 ms of fake time) has not passed: the replica is skipped.
        await using var revived = new FakeCqlServer(endPoint.Address, endPoint.Port) { Tokens = tokens }.Start();
        revived.Define(ByName);
        await session.ExecuteAsync(statement, [key], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None);
        Assert.DoesNotContain(revived.Requests, r => r.Opcode == CqlOpcode.Execute);
        Assert.Equal(2, cluster.Nodes[0].Requests.Count(r => r.Opcode == CqlOpcode.Execute && (string)r.Values[0]! == key));

        time.Advance(TimeSpan.FromMilliseconds(60));
        await session.ExecuteAsync(statement, [key], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None);
        Assert.True(host.IsUp);
        Assert.Single(revived.Requests, r => r.Opcode == CqlOpcode.Execute && (string)r.Values[0]! == key);
    }

    [Fact]
    public async Task ARequestTheNodeNeverAnswersFailsAfterTheTimeoutAndIsRetriedElsewhereWhenIdempotent()
    {
        await using var cluster = await FakeCluster.StartAsync(2);
        cluster.Nodes[1].HoldExecutes = 1000;
        await using var session = cluster.Session(requestTimeout: TimeSpan.FromMilliseconds(300));
        await session.ConnectAsync(CancellationToken.None);
        var statement = await session.PrepareAsync(ByName.Query, CancellationToken.None);
        var key = Enumerable.Range(0, 1000).Select(i => $"k{i}").First(k => cluster.Owner(Murmur3Token.Compute(System.Text.Encoding.UTF8.GetBytes(k))) == cluster.Nodes[1]);

        await session.ExecuteAsync(statement, [key], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None);
        Assert.Contains(cluster.Nodes[0].Requests, r => r.Opcode == CqlOpcode.Execute && (string)r.Values[0]! == key);

        var error = await Assert.ThrowsAsync<CqlConnectionException>(() => session.ExecuteAsync(statement, [key], new CqlExecution(CqlConsistency.LocalOne, Idempotent: false), CancellationToken.None));
        Assert.Contains("did not answer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStatusDownEventMarksTheNodeDownAndUpBringsItBack()
    {
        await using var cluster = await FakeCluster.StartAsync(2);
        await using var session = cluster.Session();
        await session.ConnectAsync(CancellationToken.None);
        var second = session.Hosts.Single(h => h.EndPoint.Equals(cluster.Nodes[1].EndPoint));
        Assert.True(second.IsUp);

        await cluster.Nodes[0].PushStatusEventAsync("DOWN", cluster.Nodes[1].EndPoint);
        await Eventually.UntilAsync(() => !second.IsUp, "the node is marked down");
        await cluster.Nodes[0].PushStatusEventAsync("UP", cluster.Nodes[1].EndPoint);
        await Eventually.UntilAsync(() => second.IsUp, "the node is marked up");
    }

    [Fact]
    public async Task ANewNodeEventRefreshesTheTopologyAndARemovedOneLeavesIt()
    {
        await using var cluster = await FakeCluster.StartAsync(2);
        var first = cluster.Nodes[0];
        var peer = first.Peers.Single();
        first.Peers.Clear();
        await using var session = cluster.Session();
        await session.ConnectAsync(CancellationToken.None);
        Assert.Single(session.Hosts);

        first.Peers.Add(peer);
        await first.PushTopologyEventAsync("NEW_NODE", cluster.Nodes[1].EndPoint);
        await Eventually.UntilAsync(() => session.Hosts.Count == 2, "the new node is known");

        first.Peers.Clear();
        await first.PushTopologyEventAsync("REMOVED_NODE", cluster.Nodes[1].EndPoint);
        await Eventually.UntilAsync(() => session.Hosts.Count == 1, "the removed node is forgotten");
    }

    [Fact]
    public async Task PagesAreFetchedWithThePagingStateUntilTheLastPage()
    {
        await using var cluster = await FakeCluster.StartAsync(1);
        await using var session = cluster.Session();
        await session.ConnectAsync(CancellationToken.None);
        var node = cluster.Nodes[0];
        node.OnStatement = r => r.PagingState is null
            ? FakeReply.Of(ByName.ResultColumns, ["a"], ["b"]) with { PagingState = [7, 7] }
            : FakeReply.Of(ByName.ResultColumns, ["c"]);
        var statement = await session.PrepareAsync(ByName.Query, CancellationToken.None);
        var seen = new List<string>();
        await session.ExecutePagedAsync(statement, ["k"], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true, PageSize: 2), rows =>
        {
            for (var i = 0; i < rows.RowCount; i++)
            {
                seen.Add((string)rows.Get(i, 0)!);
            }

            return true;
        }, CancellationToken.None);

        Assert.Equal(["a", "b", "c"], seen);
        var executes = node.Requests.Where(r => r.Opcode == CqlOpcode.Execute).ToList();
        Assert.Equal(2, executes.Count);
        Assert.All(executes, r => Assert.Equal(2, r.PageSize));
        Assert.Null(executes[0].PagingState);
        Assert.Equal([7, 7], executes[1].PagingState);
    }

    [Fact]
    public async Task NoContactPointAnsweringFailsWithEveryReason()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var session = new CqlSession(new CqlSessionSettings { ContactPoints = [$"127.0.0.1:{port}"] }, TimeProvider.System, NullLoggerFactory.Instance);
        var error = await Assert.ThrowsAsync<CqlConnectionException>(() => session.ConnectAsync(CancellationToken.None));
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1", 9042)]
    [InlineData("10.0.0.1:9043", "10.0.0.1", 9043)]
    [InlineData("cassandra.local", "cassandra.local", 9042)]
    [InlineData("cassandra.local:19042", "cassandra.local", 19042)]
    [InlineData("[::1]:9999", "::1", 9999)]
    [InlineData("::1", "::1", 9042)]
    public void ContactPointsMayCarryAPort(string contact, string host, int port)
    {
        Assert.Equal((host, port), CqlSession.SplitHostPort(contact, 9042));
    }
}

/// <summary>Fake nodes on 127.0.0.1, 127.0.0.2 ... sharing one port (system.peers carries no port), with tokens spread over the ring.</summary>
internal sealed class FakeCluster : IAsyncDisposable
{
    private FakeCluster(List<FakeCqlServer> nodes)
    {
        Nodes = nodes;
    }

    public List<FakeCqlServer> Nodes { get; }

    public static async Task<FakeCluster> StartAsync(int count, params FakeStatement[] statements)
    {
        for (var attempt = 0; ; attempt++)
        {
            var nodes = new List<FakeCqlServer> { new FakeCqlServer(IPAddress.Loopback).Start() };
            try
            {
                for (var i = 1; i < count; i++)
                {
                    nodes.Add(new FakeCqlServer(IPAddress.Parse($"127.0.0.{i + 1}"), nodes[0].EndPoint.Port).Start());
                }
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 5)
            {
                foreach (var node in nodes)
                {
                    await node.DisposeAsync();
                }

                continue;
            }

            for (var i = 0; i < count; i++)
            {
                // Two tokens per node, interleaved over the ring.
                nodes[i].Tokens = [long.MinValue / count * (count - i) / 2 * 2 + 1, (long.MaxValue / count) * i];
                nodes[i].Define(new FakeStatement("SELECT v FROM kv WHERE k = ?", [("k", CqlType.Text)], [0], [("v", CqlType.Text)]));
                foreach (var statement in statements)
                {
                    nodes[i].Define(statement);
                }
            }

            foreach (var node in nodes)
            {
                node.Peers.AddRange(nodes.Where(n => n != node).Select(n => (n.EndPoint.Address, "dc1", n.Tokens)));
            }

            await Task.CompletedTask;
            return new FakeCluster(nodes);
        }
    }

    public CqlSession Session(int maxAttempts = 3, string? keyspace = "ks", TimeProvider? time = null, TimeSpan? requestTimeout = null) => new(new CqlSessionSettings
    {
        ContactPoints = [Nodes[0].EndPoint.ToString()],
        ConnectionsPerHost = 2,
        MaxAttempts = maxAttempts,
        ReconnectBase = TimeSpan.FromMilliseconds(50),
        Connection = new CqlConnectionSettings { Keyspace = keyspace, HeartbeatInterval = TimeSpan.Zero, ConnectTimeout = TimeSpan.FromSeconds(2), RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(12) },
    }, time ?? TimeProvider.System, NullLoggerFactory.Instance);

    /// <summary>The node owning <paramref name="token"/>: the first node token at or above it, wrapping around.</summary>
    public FakeCqlServer Owner(long token)
    {
        var ring = Nodes.SelectMany(n => n.Tokens.Select(t => (Token: t, Node: n))).OrderBy(e => e.Token).ToList();
        return ring.FirstOrDefault(e => e.Token >= token).Node ?? ring[0].Node;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
    }
}
