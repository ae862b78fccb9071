using Jaeger.Model;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;
using Jaeger.Storage.Cassandra.Spans;
using Jaeger.Storage.Cassandra.Tests.Fake;

namespace Jaeger.Storage.Cassandra.Tests.Spans;

public sealed class SchemaAndDependencyTests
{
    [Fact]
    public async Task StartingWithSchemaCreationRunsJaegersV004StatementsBeforeTheFirstWrite()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node, "jaeger_v1_dc1");
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node, o =>
        {
            o.Keyspace = "jaeger_v1_dc1";
            o.Schema.Create = true;
            o.Schema.ReplicationStrategy = "NetworkTopologyStrategy";
            o.Schema.Datacenter = "dc1";
            o.Schema.ReplicationFactor = 2;
        });

        var all = node.Requests.Select(r => r.Query).ToList();
        var queries = node.Requests.Where(r => r.Opcode == CqlOpcode.Query && !r.Query.Contains(" FROM system", StringComparison.Ordinal) && !r.Query.StartsWith("USE", StringComparison.Ordinal)).Select(r => r.Query).ToList();
        Assert.Equal(17, queries.Count);

        // The keyspace's replication is read again once it exists, for routing.
        Assert.True(all.FindLastIndex(q => q.Contains("FROM system_schema.keyspaces", StringComparison.Ordinal)) > all.FindLastIndex(q => q.StartsWith("CREATE", StringComparison.Ordinal)));
        Assert.Equal("CREATE KEYSPACE IF NOT EXISTS jaeger_v1_dc1 WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '2' }", queries[0]);
        Assert.All(queries, q => Assert.Contains(" IF NOT EXISTS jaeger_v1_dc1", q, StringComparison.Ordinal));
        Assert.Equal(
            ["jaeger_v1_dc1", "keyvalue", "log", "span_ref", "process", "traces", "service_names", "operation_names_v2", "service_operation_index", "service_name_index", "duration_index", "tag_index", "dependency", "dependencies_v2", "operation_throughput", "sampling_probabilities", "leases"],
            queries.Select(q => q.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5].Replace("jaeger_v1_dc1.", string.Empty, StringComparison.Ordinal)));
        Assert.All(queries.Skip(1), q => Assert.DoesNotContain("${", q, StringComparison.Ordinal));

        // Schema statements ran on the control connection, with no keyspace; writes run on pool connections in the keyspace.
        await backend.Writer.WriteSpansAsync([CassandraSpanWriterTests.ExampleSpan()]);
        Assert.All(node.Requests.Where(r => r.Query.StartsWith("CREATE", StringComparison.Ordinal)), r => Assert.Null(r.Keyspace));
        Assert.All(node.Requests.Where(r => r.Opcode == CqlOpcode.Execute), r => Assert.Equal("jaeger_v1_dc1", r.Keyspace));
    }

    [Fact]
    public async Task PurgeTruncatesEveryTableOfTheKeyspaceAndRetentionIsTheTraceTtl()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node, o => o.Schema.TraceTtl = TimeSpan.FromHours(36));

        await backend.Maintenance!.PurgeAsync();

        Assert.Equal(TimeSpan.FromHours(36), backend.Maintenance.Retention.MaxAge);
        var truncates = node.Requests.Where(r => r.Query.StartsWith("TRUNCATE", StringComparison.Ordinal)).Select(r => r.Query).ToList();
        Assert.Equal(CassandraMaintenance.Tables.Select(t => $"TRUNCATE jaeger_v1_test.{t}"), truncates);
        var schemaTables = JaegerSchema.Statements(new CassandraStorageOptions()).Where(s => s.Contains("CREATE TABLE", StringComparison.Ordinal))
            .Select(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5].Replace("jaeger_v1_test.", string.Empty, StringComparison.Ordinal));
        Assert.Equal(schemaTables.Order(StringComparer.Ordinal), CassandraMaintenance.Tables.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheTracesTableTakesTheTtlAndCreateShsCompactionWindow()
    {
        var options = new CassandraStorageOptions();
        var traces = JaegerSchema.Statements(options).Single(s => s.Contains(".traces (", StringComparison.Ordinal));
        Assert.Contains("'compaction_window_size': '96'", traces, StringComparison.Ordinal);
        Assert.Contains("'compaction_window_unit': 'MINUTES'", traces, StringComparison.Ordinal);
        Assert.Contains("default_time_to_live = 172800", traces, StringComparison.Ordinal);
        Assert.Contains("PRIMARY KEY (trace_id, span_id, span_hash)", traces, StringComparison.Ordinal);
        Assert.Equal("CREATE KEYSPACE IF NOT EXISTS jaeger_v1_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}", JaegerSchema.Statements(options)[0]);
        Assert.Contains("default_time_to_live = 0", JaegerSchema.Statements(options).Single(s => s.Contains(".dependencies_v2 (", StringComparison.Ordinal)), StringComparison.Ordinal);

        options.Schema.CompactionWindow = "2h";
        Assert.Contains("'compaction_window_unit': 'HOURS'", JaegerSchema.Statements(options).Single(s => s.Contains(".traces (", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal((2, "HOURS"), JaegerSchema.CompactionWindow("2h", 0));
        Assert.Equal((1, "DAYS"), JaegerSchema.CompactionWindow("1d", 0));
        Assert.Equal((1, "MINUTES"), JaegerSchema.CompactionWindow(null, 60));
    }

    [Fact]
    public async Task DependenciesAreWrittenToTheirDayPartitionAndReadBackSummedPerPair()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node);
        var udts = new JaegerUdts("jaeger_v1_test");
        var at = DateTimeOffset.Parse("2024-05-02T10:30:00.123Z", System.Globalization.CultureInfo.InvariantCulture);

        await backend.DependencyWriter!.WriteDependenciesAsync(at, [new DependencyLink("frontend", "backend", 7)]);

        var insert = node.Requests.Single(r => r.Query == CassandraStatements.InsertDependencies).Values;
        Assert.Equal(at, insert[0]);
        Assert.Equal(DateTimeOffset.Parse("2024-05-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), insert[1]);
        Assert.Equal(new object?[] { "frontend", "backend", 7L, "jaeger" }, ((CqlUdtValue)((List<object?>)insert[2]!)[0]!).Values);

        node.OnStatement = r => r.Query == CassandraStatements.SelectDependencies
            ? FakeReply.Of([("ts", CqlType.Timestamp), ("dependencies", CqlType.List(udts.Dependency))],
                [at, new List<object?> { new CqlUdtValue(udts.Dependency, ["frontend", "backend", 7L, "jaeger"]) }],
                [at.AddHours(-1), new List<object?> { new CqlUdtValue(udts.Dependency, ["frontend", "backend", 3L, string.Empty]), new CqlUdtValue(udts.Dependency, ["backend", "db", 1L, "jaeger"]) }])
            : FakeReply.Void;
        var links = await backend.DependencyReader!.GetDependenciesAsync(DateTimeOffset.Parse("2024-05-03T01:00:00Z", System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromDays(1));

        Assert.Equal([new DependencyLink("backend", "db", 1), new DependencyLink("frontend", "backend", 10)], links.OrderBy(l => l.Parent, StringComparer.Ordinal));
        var select = node.Requests.Single(r => r.Query == CassandraStatements.SelectDependencies);
        Assert.Equal(CqlConsistency.One, select.Consistency);
        Assert.Equal(
            [DateTimeOffset.Parse("2024-05-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2024-05-03T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)],
            ((List<object?>)select.Values[0]!).Cast<DateTimeOffset>());
    }
}
