using Jaeger.Storage.Cassandra.Schema;
using Jaeger.Storage.Cassandra.Tests.Fake;
using Jaeger.Storage.Conformance;

namespace Jaeger.Storage.Cassandra.Tests;

/// <summary>
/// The storage conformance kit against the fake node whose tables are interpreted in memory (FakeTables): every
/// statement the store sends is executed by the interpreter over schema v004's CREATE TABLE statements, so writes and
/// reads meet end to end through the wire protocol. This checks the store's logic, not Cassandra's behaviour.
/// </summary>
public sealed class FakeNodeConformanceTests : SpanStoreConformanceTests, IAsyncLifetime
{
    private readonly List<FakeCqlServer> _nodes = [];

    protected override async ValueTask<StorageBackend> CreateBackendAsync()
    {
        var options = new CassandraStorageOptions { HeartbeatInterval = TimeSpan.Zero };
        var node = new FakeCqlServer { Tables = new FakeTables(JaegerSchema.Statements(options), new JaegerUdts(options.Keyspace)) }.Start();
        _nodes.Add(node);
        options.Servers = node.EndPoint.ToString();
        var backend = CassandraBackendFactory.Create(options);
        await backend.StartAsync();
        return backend;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}
