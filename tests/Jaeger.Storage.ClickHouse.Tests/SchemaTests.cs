using Jaeger.Storage.ClickHouse.Schema;
using Jaeger.Storage.ClickHouse.Tests.Engine;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>The DDL: Jaeger v2's layout checked on the real engine (single node), and the cluster rendering checked as text.</summary>
public sealed class SchemaTests
{
    [EngineFact]
    public async Task Single_node_schema_creates_jaeger_v2_tables_with_their_sort_keys_partitions_indexes_and_ttl()
    {
        await using var storage = await EngineStorage.CreateAsync(o => o.Ttl = TimeSpan.FromDays(3));
        var engine = ChdbEngine.Shared!;
        var db = storage.Database.Name;

        var tables = Rows(engine.QueryText($"SELECT name, engine, sorting_key, partition_key FROM system.tables WHERE database = '{db}' ORDER BY name"));

        Assert.Equal(
            [
                ["attribute_metadata", "AggregatingMergeTree", "attribute_key, type, level", ""],
                ["attribute_metadata_mv", "MaterializedView", "", ""],
                ["dependencies", "MergeTree", "(timestamp)", "toDate(timestamp)"],
                ["event_attribute_metadata_mv", "MaterializedView", "", ""],
                ["leases", "ReplacingMergeTree", "(resource)", ""],
                ["link_attribute_metadata_mv", "MaterializedView", "", ""],
                ["operations", "AggregatingMergeTree", "service_name, span_kind, name", ""],
                ["operations_mv", "MaterializedView", "", ""],
                ["sampling_probabilities", "MergeTree", "(timestamp)", ""],
                ["sampling_throughput", "MergeTree", "timestamp, service, operation", "toDate(timestamp)"],
                ["services", "AggregatingMergeTree", "(name)", ""],
                ["services_mv", "MaterializedView", "", ""],
                ["spans", "MergeTree", "service_name, name, toDateTime(start_time)", "toDate(start_time)"],
                ["trace_id_timestamps", "AggregatingMergeTree", "(trace_id)", ""],
                ["trace_id_timestamps_mv", "MaterializedView", "", ""],
            ],
            tables);

        var indexes = Rows(engine.QueryText($"SELECT name, type, expr, granularity FROM system.data_skipping_indices WHERE database = '{db}' AND table = 'spans' ORDER BY name"));
        Assert.Equal([["idx_duration", "minmax", "duration", "1"], ["idx_trace_id", "bloom_filter", "trace_id", "1"]], indexes);

        var create = engine.QueryText($"SELECT create_table_query FROM system.tables WHERE database = '{db}' AND name = 'spans'");
        Assert.Contains("TTL start_time + toIntervalSecond(259200)", create, StringComparison.Ordinal);
        var timestamps = engine.QueryText($"SELECT create_table_query FROM system.tables WHERE database = '{db}' AND name = 'trace_id_timestamps'");
        Assert.Contains("TTL end + toIntervalSecond(259200)", timestamps, StringComparison.Ordinal);
        Assert.Contains("`start` SimpleAggregateFunction(min, DateTime64(9))", timestamps, StringComparison.Ordinal);

        // Columns of Jaeger's migrations 000001 and 000002, with their types.
        var columns = Rows(engine.QueryText($"SELECT name, type FROM system.columns WHERE database = '{db}' AND table = 'spans'")).ToDictionary(r => r[0], r => r[1]);
        Assert.Equal("DateTime64(9)", columns["start_time"]);
        Assert.Equal("Int64", columns["duration"]);
        Assert.Equal("Array(Bool)", columns["bool_attributes.value"]);
        Assert.Equal("Array(Float64)", columns["resource_double_attributes.value"]);
        Assert.Equal("Array(Nested(key String, value Int64))", columns["events.int_attributes"]);
        Assert.Equal("Array(Nested(key String, value String))", columns["links.complex_attributes"]);
        Assert.Equal("Array(String)", columns["scope_str_attributes.key"]);
        Assert.Equal("UInt32", columns["flags"]);
        Assert.Equal("Array(UInt32)", columns["links.flags"]);
        Assert.Equal("String", columns["scope_schema_url"]);
        Assert.Equal(68, columns.Count);
    }

    [EngineFact]
    public async Task Creating_the_schema_twice_changes_nothing()
    {
        await using var storage = await EngineStorage.CreateAsync();
        var engine = ChdbEngine.Shared!;
        var before = engine.QueryText($"SELECT name, create_table_query FROM system.tables WHERE database = '{storage.Database.Name}' ORDER BY name");

        await storage.StartAsync(CancellationToken.None);

        Assert.Equal(before, engine.QueryText($"SELECT name, create_table_query FROM system.tables WHERE database = '{storage.Database.Name}' ORDER BY name"));
    }

    [Fact]
    public void Cluster_schema_runs_on_cluster_with_replicated_local_tables_behind_distributed_ones()
    {
        var schema = new ClickHouseSchema(new ClickHouseStorageOptions { Database = "jaeger", Cluster = "traces", Ttl = TimeSpan.FromHours(48) });

        var statements = schema.Statements();

        Assert.All(statements, s => Assert.Contains(" ON CLUSTER 'traces'", s, StringComparison.Ordinal));
        Assert.Equal("CREATE DATABASE IF NOT EXISTS jaeger ON CLUSTER 'traces'", statements[0]);
        var spans = Assert.Single(statements, s => s.StartsWith("CREATE TABLE IF NOT EXISTS jaeger.spans_local", StringComparison.Ordinal));
        Assert.Contains(") ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/spans_local', '{replica}')\nPARTITION BY toDate(start_time)\nORDER BY (service_name, name, toDateTime(start_time))\nTTL start_time + INTERVAL 172800 SECOND DELETE", spans, StringComparison.Ordinal);
        Assert.Contains(
            "CREATE TABLE IF NOT EXISTS jaeger.spans ON CLUSTER 'traces' AS jaeger.spans_local\nENGINE = Distributed('traces', 'jaeger', 'spans_local', cityHash64(trace_id))",
            statements);
        Assert.Contains(
            "CREATE TABLE IF NOT EXISTS jaeger.trace_id_timestamps ON CLUSTER 'traces' AS jaeger.trace_id_timestamps_local\nENGINE = Distributed('traces', 'jaeger', 'trace_id_timestamps_local', cityHash64(trace_id))",
            statements);
        Assert.Contains(statements, s => s.StartsWith("CREATE TABLE IF NOT EXISTS jaeger.leases_local ON CLUSTER 'traces'\n(", StringComparison.Ordinal)
            && s.Contains("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/leases_local', '{replica}', version)", StringComparison.Ordinal));
        Assert.Contains(statements, s => s.Contains("ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/operations_local', '{replica}')", StringComparison.Ordinal));

        // Views read and write the local tables, so each shard derives its own rows.
        var view = Assert.Single(statements, s => s.StartsWith("CREATE MATERIALIZED VIEW IF NOT EXISTS jaeger.trace_id_timestamps_mv", StringComparison.Ordinal));
        Assert.StartsWith("CREATE MATERIALIZED VIEW IF NOT EXISTS jaeger.trace_id_timestamps_mv ON CLUSTER 'traces' TO jaeger.trace_id_timestamps_local AS\n", view, StringComparison.Ordinal);
        Assert.Contains("FROM jaeger.spans_local", view, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE jaeger.spans_local ON CLUSTER 'traces' ADD COLUMN IF NOT EXISTS flags UInt32", statements);

        // Distributed tables come after the ALTERs, so they copy the final columns.
        Assert.True(statements.ToList().FindIndex(s => s.Contains("ENGINE = Distributed('traces', 'jaeger', 'spans_local'", StringComparison.Ordinal)) > statements.ToList().FindLastIndex(s => s.StartsWith("ALTER", StringComparison.Ordinal)));
        Assert.Equal(["TRUNCATE TABLE IF EXISTS jaeger.spans_local ON CLUSTER 'traces'"], schema.TruncateStatements().Take(1));
    }

    [Fact]
    public void Cluster_schema_without_replication_uses_plain_engines_on_every_node()
    {
        var schema = new ClickHouseSchema(new ClickHouseStorageOptions { Database = "jaeger", Cluster = "c1", Replicated = false });

        var spans = Assert.Single(schema.Statements(), s => s.StartsWith("CREATE TABLE IF NOT EXISTS jaeger.spans_local", StringComparison.Ordinal));

        Assert.Contains(") ENGINE = MergeTree\n", spans, StringComparison.Ordinal);
        Assert.DoesNotContain("TTL", spans, StringComparison.Ordinal);
    }

    [Fact]
    public void Single_node_schema_has_no_cluster_clause_and_no_local_tables()
    {
        var statements = new ClickHouseSchema(new ClickHouseStorageOptions { Database = "jaeger" }).Statements();

        Assert.DoesNotContain(statements, s => s.Contains("ON CLUSTER", StringComparison.Ordinal) || s.Contains("_local", StringComparison.Ordinal) || s.Contains("Distributed", StringComparison.Ordinal));
        Assert.Contains("CREATE TABLE IF NOT EXISTS jaeger.services\n(\n    name String\n) ENGINE = AggregatingMergeTree\nORDER BY (name)", statements);
    }

    private static List<string[]> Rows(string tsv) =>
        [.. tsv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t'))];
}
