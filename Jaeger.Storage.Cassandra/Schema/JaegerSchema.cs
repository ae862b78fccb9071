using System.Globalization;

namespace Jaeger.Storage.Cassandra.Schema;

/// <summary>
/// Jaeger's Cassandra schema v004 (<c>v004.cql.tmpl</c>, introduced in Jaeger 1.26 and still the one Jaeger v2
/// releases create), rendered the way <c>create.sh</c> renders it: keyspace, replication, TTLs and the traces
/// table's compaction window substituted. Every statement is IF NOT EXISTS, so running it again changes nothing.
/// </summary>
internal static class JaegerSchema
{
    public static IReadOnlyList<string> Statements(CassandraStorageOptions options)
    {
        var schema = options.Schema;
        var ks = options.Keyspace;
        var replication = schema.ReplicationStrategy == "NetworkTopologyStrategy"
            ? $"{{'class': 'NetworkTopologyStrategy', '{schema.Datacenter}': '{schema.ReplicationFactor}' }}"
            : $"{{'class': 'SimpleStrategy', 'replication_factor': '{schema.ReplicationFactor}'}}";
        var traceTtl = Seconds(schema.TraceTtl);
        var dependenciesTtl = Seconds(schema.DependenciesTtl);
        var (windowSize, windowUnit) = CompactionWindow(schema.CompactionWindow, traceTtl);
        var common = $"""
                AND default_time_to_live = {traceTtl}
                AND speculative_retry = 'NONE'
                AND gc_grace_seconds = 10800
            """;
        const string sizeTiered = """
            WITH compaction = {
                    'min_threshold': '4',
                    'max_threshold': '32',
                    'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy'
                }
            """;
        const string hourWindows = """
            compaction = {
                    'compaction_window_size': '1',
                    'compaction_window_unit': 'HOURS',
                    'class': 'org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy'
                }
            """;
        return
        [
            $"CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = {replication}",
            $"""
            CREATE TYPE IF NOT EXISTS {ks}.keyvalue (
                key             text,
                value_type      text,
                value_string    text,
                value_bool      boolean,
                value_long      bigint,
                value_double    double,
                value_binary    blob
            )
            """,
            $"""
            CREATE TYPE IF NOT EXISTS {ks}.log (
                ts      bigint,
                fields  frozen<list<frozen<{ks}.keyvalue>>>
            )
            """,
            $"""
            CREATE TYPE IF NOT EXISTS {ks}.span_ref (
                ref_type        text,
                trace_id        blob,
                span_id         bigint
            )
            """,
            $"""
            CREATE TYPE IF NOT EXISTS {ks}.process (
                service_name    text,
                tags            frozen<list<frozen<{ks}.keyvalue>>>
            )
            """,
            $$"""
            CREATE TABLE IF NOT EXISTS {{ks}}.traces (
                trace_id        blob,
                span_id         bigint,
                span_hash       bigint,
                parent_id       bigint,
                operation_name  text,
                flags           int,
                start_time      bigint,
                duration        bigint,
                tags            list<frozen<keyvalue>>,
                logs            list<frozen<log>>,
                refs            list<frozen<span_ref>>,
                process         frozen<process>,
                PRIMARY KEY (trace_id, span_id, span_hash)
            )
                WITH compaction = {
                    'compaction_window_size': '{{windowSize}}',
                    'compaction_window_unit': '{{windowUnit}}',
                    'class': 'org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy'
                }
            {{common}}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.service_names (
                service_name text,
                PRIMARY KEY (service_name)
            )
                {sizeTiered}
            {common}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.operation_names_v2 (
                service_name        text,
                span_kind           text,
                operation_name      text,
                PRIMARY KEY ((service_name), span_kind, operation_name)
            )
                {sizeTiered}
            {common}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.service_operation_index (
                service_name        text,
                operation_name      text,
                start_time          bigint,
                trace_id            blob,
                PRIMARY KEY ((service_name, operation_name), start_time)
            ) WITH CLUSTERING ORDER BY (start_time DESC)
                AND {hourWindows}
            {common}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.service_name_index (
                service_name      text,
                bucket            int,
                start_time        bigint,
                trace_id          blob,
                PRIMARY KEY ((service_name, bucket), start_time)
            ) WITH CLUSTERING ORDER BY (start_time DESC)
                AND {hourWindows}
            {common}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.duration_index (
                service_name    text,
                operation_name  text,
                bucket          timestamp,
                duration        bigint,
                start_time      bigint,
                trace_id        blob,
                PRIMARY KEY ((service_name, operation_name, bucket), duration, start_time, trace_id)
            ) WITH CLUSTERING ORDER BY (duration DESC, start_time DESC)
                AND {hourWindows}
            {common}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.tag_index (
                service_name    text,
                tag_key         text,
                tag_value       text,
                start_time      bigint,
                trace_id        blob,
                span_id         bigint,
                PRIMARY KEY ((service_name, tag_key, tag_value), start_time, trace_id, span_id)
            )
                WITH CLUSTERING ORDER BY (start_time DESC)
                AND {hourWindows}
            {common}
            """,
            $"""
            CREATE TYPE IF NOT EXISTS {ks}.dependency (
                parent          text,
                child           text,
                call_count      bigint,
                source          text
            )
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.dependencies_v2 (
                ts_bucket    timestamp,
                ts           timestamp,
                dependencies list<frozen<dependency>>,
                PRIMARY KEY (ts_bucket, ts)
            ) WITH CLUSTERING ORDER BY (ts DESC)
                AND compaction = {"{"}
                    'min_threshold': '4',
                    'max_threshold': '32',
                    'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy'
                {"}"}
                AND default_time_to_live = {dependenciesTtl}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.operation_throughput (
                bucket        int,
                ts            timeuuid,
                throughput    text,
                PRIMARY KEY(bucket, ts)
            ) WITH CLUSTERING ORDER BY (ts desc)
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.sampling_probabilities (
                bucket        int,
                ts            timeuuid,
                hostname      text,
                probabilities text,
                PRIMARY KEY(bucket, ts)
            ) WITH CLUSTERING ORDER BY (ts desc)
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {ks}.leases (
                name text,
                owner text,
                PRIMARY KEY (name)
            )
            """,
        ];
    }

    /// <summary>create.sh's rule: a given window (<c>30m</c>, <c>2h</c>, <c>1d</c>), else ceil(TTL minutes / 30) minutes.</summary>
    internal static (long Size, string Unit) CompactionWindow(string? window, long traceTtlSeconds)
    {
        if (!string.IsNullOrEmpty(window))
        {
            var size = long.Parse(window[..^1], CultureInfo.InvariantCulture);
            return (size, window[^1] switch { 'm' => "MINUTES", 'h' => "HOURS", _ => "DAYS" });
        }

        var minutes = traceTtlSeconds / 60;
        return (Math.Max(1, (minutes + 29) / 30), "MINUTES");
    }

    private static long Seconds(TimeSpan ttl) => (long)Math.Round(ttl.TotalSeconds);
}
