namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>
/// The CQL statements of Jaeger's Cassandra span store (<c>spanstore/writer.go</c>, <c>reader.go</c>,
/// <c>service_names.go</c>, <c>operation_names.go</c>, <c>dependencystore</c>), with the same columns, bind order and
/// partition keys. Whitespace is normalized to one line, and range bounds on start_time and duration are inclusive
/// (Jaeger's are exclusive), as the storage contract here says bounds are.
/// </summary>
internal static class CassandraStatements
{
    public const string InsertSpan = "INSERT INTO traces(trace_id, span_id, span_hash, parent_id, operation_name, flags, start_time, duration, tags, logs, refs, process) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    public const string InsertServiceNameIndex = "INSERT INTO service_name_index(service_name, bucket, start_time, trace_id) VALUES (?, ?, ?, ?)";

    public const string InsertServiceOperationIndex = "INSERT INTO service_operation_index(service_name, operation_name, start_time, trace_id) VALUES (?, ?, ?, ?)";

    public const string InsertTagIndex = "INSERT INTO tag_index(trace_id, span_id, service_name, start_time, tag_key, tag_value) VALUES (?, ?, ?, ?, ?, ?)";

    public const string InsertDurationIndex = "INSERT INTO duration_index(service_name, operation_name, bucket, duration, start_time, trace_id) VALUES (?, ?, ?, ?, ?, ?)";

    public const string InsertServiceName = "INSERT INTO service_names(service_name) VALUES (?)";

    public const string InsertOperationName = "INSERT INTO operation_names_v2(service_name, span_kind, operation_name) VALUES (?, ?, ?)";

    public const string SelectTrace = "SELECT trace_id, span_id, parent_id, operation_name, flags, start_time, duration, tags, logs, refs, process FROM traces WHERE trace_id = ?";

    public const string SelectServiceNames = "SELECT service_name FROM service_names";

    public const string SelectOperations = "SELECT span_kind, operation_name FROM operation_names_v2 WHERE service_name = ?";

    public const string SelectOperationsByKind = "SELECT span_kind, operation_name FROM operation_names_v2 WHERE service_name = ? AND span_kind = ?";

    public const string SelectByTag = "SELECT trace_id FROM tag_index WHERE service_name = ? AND tag_key = ? AND tag_value = ? AND start_time >= ? AND start_time <= ? ORDER BY start_time DESC LIMIT ?";

    public const string SelectByService = "SELECT trace_id FROM service_name_index WHERE bucket IN (0,1,2,3,4,5,6,7,8,9) AND service_name = ? AND start_time >= ? AND start_time <= ? ORDER BY start_time DESC LIMIT ?";

    public const string SelectByServiceOperation = "SELECT trace_id FROM service_operation_index WHERE service_name = ? AND operation_name = ? AND start_time >= ? AND start_time <= ? ORDER BY start_time DESC LIMIT ?";

    public const string SelectByDuration = "SELECT trace_id FROM duration_index WHERE bucket = ? AND service_name = ? AND operation_name = ? AND duration >= ? AND duration <= ? LIMIT ?";

    public const string InsertDependencies = "INSERT INTO dependencies_v2(ts, ts_bucket, dependencies) VALUES (?, ?, ?)";

    public const string SelectDependencies = "SELECT ts, dependencies FROM dependencies_v2 WHERE ts_bucket IN ? AND ts >= ? AND ts < ?";
}
