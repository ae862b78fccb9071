using Jaeger.Storage.Cassandra.Cluster;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Tests.Fake;

namespace Jaeger.Storage.Cassandra.Tests.Cluster;

/// <summary>Replicas placed by the keyspace's replication strategy (system_schema.keyspaces), as Cassandra places them, and routing that follows.</summary>
public sealed class ReplicaPlacementTests
{
    private sealed record Node(string Name, string DataCenter, string Rack);

    [Fact]
    public void ReplicationMapsOfBothStrategiesAreRead()
    {
        var simple = ReplicationStrategy.Parse(new Dictionary<string, string> { ["class"] = "org.apache.cassandra.locator.SimpleStrategy", ["replication_factor"] = "3" });
        var topology = ReplicationStrategy.Parse(new Dictionary<string, string> { ["class"] = "org.apache.cassandra.locator.NetworkTopologyStrategy", ["dc1"] = "3", ["dc2"] = "2/1" });

        Assert.Equal(3, simple!.Factor);
        Assert.Null(simple.DataCenters);
        Assert.Null(topology!.Factor);
        Assert.Equal(new Dictionary<string, int> { ["dc1"] = 3, ["dc2"] = 2 }, topology.DataCenters);
        Assert.Null(ReplicationStrategy.Parse(new Dictionary<string, string> { ["class"] = "org.apache.cassandra.locator.LocalStrategy" }));
        Assert.Null(ReplicationStrategy.Parse(new Dictionary<string, string> { ["class"] = "SimpleStrategy", ["replication_factor"] = "many" }));
        Assert.Null(ReplicationStrategy.Parse(new Dictionary<string, string>()));
    }

    [Fact]
    public void SimpleStrategyTakesTheOwnerAndTheNextDistinctHostsClockwise()
    {
        Node a = new("a", "dc1", "r1"), b = new("b", "dc1", "r1"), c = new("c", "dc1", "r1");
        var ring = Ring(ReplicationStrategy.Simple(2), (a, [0, 30]), (b, [10]), (c, [20]));

        Assert.Equal([a, b], ring.Replicas(-5));
        Assert.Equal([b, c], ring.Replicas(5));
        Assert.Equal([c, a], ring.Replicas(15));
        Assert.Equal([a, b], ring.Replicas(25));
        Assert.Equal([a, b], ring.Replicas(35)); // past the last token: wraps to the first
        Assert.Equal([a, b, c], Ring(ReplicationStrategy.Simple(5), (a, [0]), (b, [10]), (c, [20])).Replicas(0));
    }

    [Fact]
    public void NetworkTopologyStrategyCountsPerDataCenterAndSpreadsOverRacksFirst()
    {
        Node a = new("a", "dc1", "r1"), b = new("b", "dc2", "r1"), c = new("c", "dc1", "r1"), d = new("d", "dc1", "r2");
        var ring = Ring(ReplicationStrategy.NetworkTopology(new Dictionary<string, int> { ["dc1"] = 2, ["dc2"] = 1 }), (a, [0]), (b, [10]), (c, [20]), (d, [30]));

        // From a: a (dc1, r1), b (dc2), c skipped (r1 already holds one, r2 not yet), d (r2): dc1 is full.
        Assert.Equal([a, b, d], ring.Replicas(-5));
        Assert.Equal([b, c, d], ring.Replicas(5));
        Assert.Equal([c, d, b], ring.Replicas(15));
        Assert.Equal([d, a, b], ring.Replicas(25));

        // A data center with no replica is never routed to first, whoever owns the token.
        var onlyDc2 = Ring(ReplicationStrategy.NetworkTopology(new Dictionary<string, int> { ["dc1"] = 0, ["dc2"] = 1 }), (a, [0]), (b, [10]), (c, [20]), (d, [30]));
        Assert.All(new long[] { -5, 5, 15, 25 }, token => Assert.Equal([b], onlyDc2.Replicas(token)));
    }

    [Fact]
    public void SkippedHostsFillADataCenterWithFewerRacksThanReplicas()
    {
        Node a = new("a", "dc1", "r1"), b = new("b", "dc1", "r1"), c = new("c", "dc1", "r2"), d = new("d", "dc1", "r1");
        var ring = Ring(ReplicationStrategy.NetworkTopology(new Dictionary<string, int> { ["dc1"] = 3 }), (a, [0]), (b, [10]), (c, [20]), (d, [30]));

        // a (r1), b skipped, c (r2: every rack used), then the skipped b before d.
        Assert.Equal([a, c, b], ring.Replicas(0));
    }

    [Fact]
    public async Task TheSessionReadsTheKeyspacesReplicationAndRoutesToItsReplicas()
    {
        await using var cluster = await FakeCluster.StartAsync(3);
        var dc2 = cluster.Nodes[2];
        foreach (var node in cluster.Nodes)
        {
            for (var i = 0; i < node.Peers.Count; i++)
            {
                if (node.Peers[i].Address.Equals(dc2.EndPoint.Address))
                {
                    node.Peers[i] = node.Peers[i] with { DataCenter = "dc2" };
                }
            }
        }

        string? askedFor = null;
        cluster.Nodes[0].OnStatement = r =>
        {
            if (r.Query != "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?")
            {
                return FakeReply.Void;
            }

            askedFor = System.Text.Encoding.UTF8.GetString((byte[])r.Values[0]!);
            var replication = new Dictionary<string, string> { ["class"] = "org.apache.cassandra.locator.NetworkTopologyStrategy", ["dc2"] = "1" };
            return FakeReply.Of([("replication", CqlType.Map(CqlType.Text, CqlType.Text))], [replication]);
        };
        await using var session = cluster.Session(keyspace: "ks");
        await session.ConnectAsync(CancellationToken.None);

        Assert.Equal("ks", askedFor);
        Assert.Equal("NetworkTopologyStrategy dc2: 1", session.Replication?.ToString());
        var statement = await session.PrepareAsync("SELECT v FROM kv WHERE k = ?", CancellationToken.None);
        var owners = new HashSet<FakeCqlServer>();
        for (var i = 0; i < 30; i++)
        {
            var key = $"service-{i}";
            owners.Add(cluster.Owner(Murmur3Token.Compute(System.Text.Encoding.UTF8.GetBytes(key))));
            await session.ExecuteAsync(statement, [key], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None);
        }

        // The keys are owned by all three nodes, but dc2's node holds every replica, so it served every statement.
        Assert.Equal(3, owners.Count);
        Assert.Equal(30, dc2.Requests.Count(r => r.Opcode == CqlOpcode.Execute));
    }

    [Fact]
    public async Task WithoutAReadableReplicationEveryHostIsAReplicaInRingOrder()
    {
        await using var cluster = await FakeCluster.StartAsync(3);
        cluster.Nodes[0].OnStatement = r => r.Query.Contains("system_schema", StringComparison.Ordinal) ? FakeReply.Fail(CqlErrorCode.Invalid, "unconfigured table keyspaces") : FakeReply.Void;
        await using var session = cluster.Session(keyspace: "ks");
        await session.ConnectAsync(CancellationToken.None);

        Assert.Null(session.Replication);
        var statement = await session.PrepareAsync("SELECT v FROM kv WHERE k = ?", CancellationToken.None);
        await session.ExecuteAsync(statement, ["service-1"], new CqlExecution(CqlConsistency.LocalOne, Idempotent: true), CancellationToken.None);
        var owner = cluster.Owner(Murmur3Token.Compute("service-1"u8));
        Assert.Single(owner.Requests, r => r.Opcode == CqlOpcode.Execute);
    }

    private static TokenRing<Node> Ring(ReplicationStrategy strategy, params (Node Node, long[] Tokens)[] hosts) =>
        new(hosts.Select(h => (h.Node, (IEnumerable<long>)h.Tokens)), strategy, n => n.DataCenter, n => n.Rack);
}
