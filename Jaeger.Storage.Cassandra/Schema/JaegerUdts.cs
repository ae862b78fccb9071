using Jaeger.Storage.Cassandra.Protocol;

namespace Jaeger.Storage.Cassandra.Schema;

/// <summary>The user-defined types of Jaeger's schema v004, field names and order exactly as the schema declares them.</summary>
internal sealed class JaegerUdts
{
    public JaegerUdts(string keyspace)
    {
        KeyValue = CqlType.Udt(keyspace, "keyvalue",
        [
            ("key", CqlType.Text),
            ("value_type", CqlType.Text),
            ("value_string", CqlType.Text),
            ("value_bool", CqlType.Boolean),
            ("value_long", CqlType.Bigint),
            ("value_double", CqlType.Double),
            ("value_binary", CqlType.Blob),
        ]);
        KeyValueList = CqlType.List(KeyValue);
        Log = CqlType.Udt(keyspace, "log", [("ts", CqlType.Bigint), ("fields", KeyValueList)]);
        SpanRef = CqlType.Udt(keyspace, "span_ref", [("ref_type", CqlType.Text), ("trace_id", CqlType.Blob), ("span_id", CqlType.Bigint)]);
        Process = CqlType.Udt(keyspace, "process", [("service_name", CqlType.Text), ("tags", KeyValueList)]);
        Dependency = CqlType.Udt(keyspace, "dependency", [("parent", CqlType.Text), ("child", CqlType.Text), ("call_count", CqlType.Bigint), ("source", CqlType.Text)]);
        LogList = CqlType.List(Log);
        SpanRefList = CqlType.List(SpanRef);
        DependencyList = CqlType.List(Dependency);
    }

    public CqlType KeyValue { get; }

    public CqlType KeyValueList { get; }

    public CqlType Log { get; }

    public CqlType LogList { get; }

    public CqlType SpanRef { get; }

    public CqlType SpanRefList { get; }

    public CqlType Process { get; }

    public CqlType Dependency { get; }

    public CqlType DependencyList { get; }
}
