using System.Globalization;
using System.Text;

namespace Jaeger.Storage.ClickHouse.Schema;

/// <summary>
/// The DDL of the store: Jaeger v2's ClickHouse schema (its migrations <c>000001_initial_schema</c> and
/// <c>000002_otlp_span_fields</c>, with the <c>operations</c> sort key of ADR-008 and the optional TTLs), plus this
/// package's own sampling and lease tables, which Jaeger's ClickHouse storage does not have.
/// </summary>
/// <remarks>
/// Single node (no <see cref="ClickHouseStorageOptions.Cluster"/>): the statements are Jaeger's, qualified with the
/// database. On a cluster: each table is created <c>ON CLUSTER</c> as <c>&lt;name&gt;_local</c> with a Replicated
/// engine (when asked), a <c>Distributed</c> table named as Jaeger's table sits in front of it (sharded by trace id
/// where the table has one, so a trace and its time range live on one shard), and the materialized views read and
/// write the local tables, so every shard derives its own rows. Readers and writers use Jaeger's names either way.
/// </remarks>
internal sealed class ClickHouseSchema
{
    private const string SpansColumns = """
            id String,
            trace_id String,
            trace_state String,
            parent_span_id String,
            name String,
            kind String,
            start_time DateTime64 (9),
            status_code String,
            status_message String,
            duration Int64,
            bool_attributes Nested (key String, value Bool),
            double_attributes Nested (key String, value Float64),
            int_attributes Nested (key String, value Int64),
            str_attributes Nested (key String, value String),
            complex_attributes Nested (key String, value String),
            events Nested (
                name String,
                timestamp DateTime64 (9),
                bool_attributes Nested (key String, value Bool),
                double_attributes Nested (key String, value Float64),
                int_attributes Nested (key String, value Int64),
                str_attributes Nested (key String, value String),
                complex_attributes Nested (key String, value String)
            ),
            links Nested (
                trace_id String,
                span_id String,
                trace_state String,
                bool_attributes Nested (key String, value Bool),
                double_attributes Nested (key String, value Float64),
                int_attributes Nested (key String, value Int64),
                str_attributes Nested (key String, value String),
                complex_attributes Nested (key String, value String)
            ),
            service_name String,
            resource_bool_attributes Nested (key String, value Bool),
            resource_double_attributes Nested (key String, value Float64),
            resource_int_attributes Nested (key String, value Int64),
            resource_str_attributes Nested (key String, value String),
            resource_complex_attributes Nested (key String, value String),
            scope_name String,
            scope_version String,
            scope_bool_attributes Nested (key String, value Bool),
            scope_double_attributes Nested (key String, value Float64),
            scope_int_attributes Nested (key String, value Int64),
            scope_str_attributes Nested (key String, value String),
            scope_complex_attributes Nested (key String, value String),
            INDEX idx_trace_id trace_id TYPE bloom_filter GRANULARITY 1,
            INDEX idx_duration duration TYPE minmax GRANULARITY 1
    """;

    // Jaeger's migration 000002_otlp_span_fields, run after the CREATE so that a schema made by an older Jaeger is brought up to date too.
    private static readonly string[] OtlpSpanFieldColumns =
    [
        "resource_schema_url String",
        "scope_schema_url String",
        "flags UInt32",
        "dropped_attributes_count UInt32",
        "dropped_events_count UInt32",
        "dropped_links_count UInt32",
        "events.dropped_attributes_count Array(UInt32)",
        "links.dropped_attributes_count Array(UInt32)",
        "links.flags Array(UInt32)",
        "scope_dropped_attributes_count UInt32",
    ];

    private readonly string _database;
    private readonly string? _cluster;
    private readonly bool _replicated;
    private readonly string _replicationPath;
    private readonly string _replicaName;
    private readonly long _ttlSeconds;

    public ClickHouseSchema(ClickHouseStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = options.Database;
        _cluster = string.IsNullOrEmpty(options.Cluster) ? null : options.Cluster;
        _replicated = _cluster is not null && options.Replicated;
        _replicationPath = options.ReplicationPath;
        _replicaName = options.ReplicaName;
        _ttlSeconds = (long)options.Ttl.TotalSeconds;
    }

    /// <summary>True when tables are local tables behind Distributed ones.</summary>
    public bool IsCluster => _cluster is not null;

    /// <summary>Every statement, in the order to run them; each is idempotent (IF NOT EXISTS).</summary>
    public IReadOnlyList<string> Statements()
    {
        var statements = new List<string> { $"CREATE DATABASE IF NOT EXISTS {_database}{OnCluster}" };
        var ttlSpans = _ttlSeconds > 0 ? $"\nTTL start_time + INTERVAL {_ttlSeconds.ToString(CultureInfo.InvariantCulture)} SECOND DELETE" : string.Empty;
        var ttlTimestamps = _ttlSeconds > 0 ? $"\nTTL end + INTERVAL {_ttlSeconds.ToString(CultureInfo.InvariantCulture)} SECOND DELETE" : string.Empty;

        statements.Add(Table("spans", SpansColumns, "MergeTree", null, $"PARTITION BY toDate(start_time)\nORDER BY (service_name, name, toDateTime(start_time)){ttlSpans}"));
        foreach (var column in OtlpSpanFieldColumns)
        {
            statements.Add($"ALTER TABLE {Local("spans")}{OnCluster} ADD COLUMN IF NOT EXISTS {column}");
        }

        statements.Add(Table("services", "name String", "AggregatingMergeTree", null, "ORDER BY (name)"));
        statements.Add(View("services_mv", "services", $"""
            SELECT
                service_name AS name
            FROM
                {Local("spans")}
            GROUP BY
                service_name
            """));
        statements.Add(Table("operations", "service_name String,\n    name String,\n    span_kind String", "AggregatingMergeTree", null, "ORDER BY (service_name, span_kind, name)"));
        statements.Add(View("operations_mv", "operations", $"""
            SELECT
                name,
                kind AS span_kind,
                service_name
            FROM {Local("spans")}
            GROUP BY
                service_name,
                name,
                kind
            """));
        statements.Add(Table("trace_id_timestamps", "trace_id String,\n    start SimpleAggregateFunction(min, DateTime64(9)),\n    end SimpleAggregateFunction(max, DateTime64(9))", "AggregatingMergeTree", null, $"ORDER BY (trace_id){ttlTimestamps}"));
        statements.Add(View("trace_id_timestamps_mv", "trace_id_timestamps", $"""
            SELECT
                trace_id,
                min(start_time) AS start,
                max(start_time) AS end
            FROM {Local("spans")}
            GROUP BY trace_id
            """));
        statements.Add(Table("attribute_metadata", "attribute_key String,\n    type String,\n    level String", "AggregatingMergeTree", null, "ORDER BY (attribute_key, type, level)"));
        statements.Add(View("attribute_metadata_mv", "attribute_metadata", AttributeMetadataSelect()));
        statements.Add(View("event_attribute_metadata_mv", "attribute_metadata", NestedAttributeMetadataSelect("events", "event")));
        statements.Add(View("link_attribute_metadata_mv", "attribute_metadata", NestedAttributeMetadataSelect("links", "link")));
        statements.Add(Table("dependencies", "timestamp DateTime64 (9),\n    dependencies_json String", "MergeTree", null, "PARTITION BY\n    toDate(timestamp)\nORDER BY\n    (timestamp)"));

        // Not in Jaeger's ClickHouse schema: adaptive sampling and the leader lease.
        statements.Add(Table("sampling_throughput", "timestamp DateTime64 (6),\n    service String,\n    operation String,\n    count Int64,\n    probabilities Array(Float64)", "MergeTree", null, "PARTITION BY toDate(timestamp)\nORDER BY (timestamp, service, operation)"));
        statements.Add(Table("sampling_probabilities", "timestamp DateTime64 (6),\n    hostname String,\n    probabilities_json String,\n    qps_json String", "MergeTree", null, "ORDER BY (timestamp)"));
        statements.Add(Table("leases", "resource String,\n    owner String,\n    expires_at DateTime64 (6),\n    version UInt64", "ReplacingMergeTree", "version", "ORDER BY (resource)"));

        if (IsCluster)
        {
            foreach (var (table, shardingKey) in DistributedTables)
            {
                statements.Add($"CREATE TABLE IF NOT EXISTS {_database}.{table}{OnCluster} AS {Local(table)}\nENGINE = Distributed('{_cluster}', '{_database}', '{table}_local', {shardingKey})");
            }
        }

        return statements;
    }

    /// <summary>The statements that empty every table of the store (purge).</summary>
    public IEnumerable<string> TruncateStatements()
    {
        foreach (var (table, _) in DistributedTables)
        {
            yield return $"TRUNCATE TABLE IF EXISTS {Local(table)}{OnCluster}";
        }
    }

    private static IEnumerable<(string Table, string ShardingKey)> DistributedTables =>
    [
        ("spans", "cityHash64(trace_id)"),
        ("services", "cityHash64(name)"),
        ("operations", "cityHash64(service_name)"),
        ("trace_id_timestamps", "cityHash64(trace_id)"),
        ("attribute_metadata", "cityHash64(attribute_key)"),
        ("dependencies", "rand()"),
        ("sampling_throughput", "rand()"),
        ("sampling_probabilities", "rand()"),
        ("leases", "cityHash64(resource)"),
    ];

    private string OnCluster => _cluster is null ? string.Empty : $" ON CLUSTER '{_cluster}'";

    private string Local(string table) => IsCluster ? $"{_database}.{table}_local" : $"{_database}.{table}";

    private string Table(string name, string columns, string engine, string? engineArgument, string tail)
    {
        string engineText;
        if (_replicated)
        {
            var path = _replicationPath.Replace("{table}", name + "_local", StringComparison.Ordinal);
            engineText = $"Replicated{engine}('{path}', '{_replicaName}'{(engineArgument is null ? string.Empty : ", " + engineArgument)})";
        }
        else
        {
            engineText = engine + (engineArgument is null ? string.Empty : $"({engineArgument})");
        }

        var body = new StringBuilder();
        body.Append("CREATE TABLE IF NOT EXISTS ").Append(Local(name)).Append(OnCluster).Append("\n(\n    ").Append(columns.Trim()).Append("\n) ENGINE = ").Append(engineText).Append('\n').Append(tail);
        return body.ToString();
    }

    private string View(string name, string target, string select) =>
        $"CREATE MATERIALIZED VIEW IF NOT EXISTS {_database}.{name}{OnCluster} TO {Local(target)} AS\n{select}";

    private static string ComplexKeyMapping(string level) => $"""
                    arrayMap(k -> (
                        multiIf(startsWith(k, '@bytes@'), substring(k, 8),
                                startsWith(k, '@map@'),   substring(k, 6),
                                startsWith(k, '@slice@'), substring(k, 8), k),
                        multiIf(startsWith(k, '@bytes@'), 'bytes',
                                startsWith(k, '@map@'),   'map',
                                startsWith(k, '@slice@'), 'slice', ''){level}
                    )
        """;

    private string AttributeMetadataSelect() => $"""
        SELECT
            tp.1 AS attribute_key,
            tp.2 AS type,
            tp.3 AS level
        FROM (
            SELECT
                arrayJoin(arrayConcat(
                    arrayMap(k -> (k, 'bool',   'span'),     bool_attributes.key),
                    arrayMap(k -> (k, 'bool',   'resource'), resource_bool_attributes.key),
                    arrayMap(k -> (k, 'bool',   'scope'),    scope_bool_attributes.key),
                    arrayMap(k -> (k, 'double', 'span'),     double_attributes.key),
                    arrayMap(k -> (k, 'double', 'resource'), resource_double_attributes.key),
                    arrayMap(k -> (k, 'double', 'scope'),    scope_double_attributes.key),
                    arrayMap(k -> (k, 'int',    'span'),     int_attributes.key),
                    arrayMap(k -> (k, 'int',    'resource'), resource_int_attributes.key),
                    arrayMap(k -> (k, 'int',    'scope'),    scope_int_attributes.key),
                    arrayMap(k -> (k, 'str',    'span'),     str_attributes.key),
                    arrayMap(k -> (k, 'str',    'resource'), resource_str_attributes.key),
                    arrayMap(k -> (k, 'str',    'scope'),    scope_str_attributes.key),
        {ComplexKeyMapping(",\n                        'span'")}, complex_attributes.key),
        {ComplexKeyMapping(",\n                        'resource'")}, resource_complex_attributes.key),
        {ComplexKeyMapping(",\n                        'scope'")}, scope_complex_attributes.key)
                )) AS tp
            FROM {Local("spans")}
        )
        GROUP BY attribute_key, type, level
        """;

    private string NestedAttributeMetadataSelect(string nested, string level) => $"""
        SELECT
            tp.1 AS attribute_key,
            tp.2 AS type,
            '{level}' AS level
        FROM {Local("spans")}
        ARRAY JOIN arrayConcat(
            arrayMap(k -> (k, 'bool'),   arrayFlatten({nested}.bool_attributes.key)),
            arrayMap(k -> (k, 'double'), arrayFlatten({nested}.double_attributes.key)),
            arrayMap(k -> (k, 'int'),    arrayFlatten({nested}.int_attributes.key)),
            arrayMap(k -> (k, 'str'),    arrayFlatten({nested}.str_attributes.key)),
        {ComplexKeyMapping(string.Empty)}, arrayFlatten({nested}.complex_attributes.key))
        ) AS tp
        GROUP BY attribute_key, type, level
        """;
}
