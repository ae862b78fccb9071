using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;
using Jaeger.Storage.Cassandra.Spans;

namespace Jaeger.Storage.Cassandra.Tests.Fake;

/// <summary>Jaeger's statements as a Cassandra node with schema v004 would prepare them: bind variable types, partition-key bind indexes, result columns.</summary>
internal static class JaegerStatements
{
    public static void DefineAll(FakeCqlServer server, string keyspace = "jaeger_v1_test")
    {
        var u = new JaegerUdts(keyspace);
        var text = CqlType.Text;
        var bigint = CqlType.Bigint;
        var blob = CqlType.Blob;
        var integer = CqlType.Int;
        server.Define(new(CassandraStatements.InsertSpan,
        [
            ("trace_id", blob), ("span_id", bigint), ("span_hash", bigint), ("parent_id", bigint), ("operation_name", text), ("flags", integer),
            ("start_time", bigint), ("duration", bigint), ("tags", CqlType.List(u.KeyValue)), ("logs", CqlType.List(u.Log)), ("refs", CqlType.List(u.SpanRef)), ("process", u.Process),
        ], [0], []));
        server.Define(new(CassandraStatements.InsertServiceNameIndex, [("service_name", text), ("bucket", integer), ("start_time", bigint), ("trace_id", blob)], [0, 1], []));
        server.Define(new(CassandraStatements.InsertServiceOperationIndex, [("service_name", text), ("operation_name", text), ("start_time", bigint), ("trace_id", blob)], [0, 1], []));
        server.Define(new(CassandraStatements.InsertTagIndex, [("trace_id", blob), ("span_id", bigint), ("service_name", text), ("start_time", bigint), ("tag_key", text), ("tag_value", text)], [2, 4, 5], []));
        server.Define(new(CassandraStatements.InsertDurationIndex, [("service_name", text), ("operation_name", text), ("bucket", CqlType.Timestamp), ("duration", bigint), ("start_time", bigint), ("trace_id", blob)], [0, 1, 2], []));
        server.Define(new(CassandraStatements.InsertServiceName, [("service_name", text)], [0], []));
        server.Define(new(CassandraStatements.InsertOperationName, [("service_name", text), ("span_kind", text), ("operation_name", text)], [0], []));
        server.Define(new(CassandraStatements.SelectTrace, [("trace_id", blob)], [0], TraceColumns(u)));
        server.Define(new(CassandraStatements.SelectServiceNames, [], [], [("service_name", text)]));
        server.Define(new(CassandraStatements.SelectOperations, [("service_name", text)], [0], [("span_kind", text), ("operation_name", text)]));
        server.Define(new(CassandraStatements.SelectOperationsByKind, [("service_name", text), ("span_kind", text)], [0], [("span_kind", text), ("operation_name", text)]));
        server.Define(new(CassandraStatements.SelectByTag, [("service_name", text), ("tag_key", text), ("tag_value", text), ("start_time", bigint), ("start_time", bigint), ("[limit]", integer)], [0, 1, 2], [("trace_id", blob)]));
        server.Define(new(CassandraStatements.SelectByService, [("service_name", text), ("start_time", bigint), ("start_time", bigint), ("[limit]", integer)], [], [("trace_id", blob)]));
        server.Define(new(CassandraStatements.SelectByServiceOperation, [("service_name", text), ("operation_name", text), ("start_time", bigint), ("start_time", bigint), ("[limit]", integer)], [0, 1], [("trace_id", blob)]));
        server.Define(new(CassandraStatements.SelectByDuration, [("bucket", CqlType.Timestamp), ("service_name", text), ("operation_name", text), ("duration", bigint), ("duration", bigint), ("[limit]", integer)], [1, 2, 0], [("trace_id", blob)]));
        server.Define(new(CassandraSamplingStore.InsertThroughput, [("bucket", integer), ("ts", CqlType.Timeuuid), ("throughput", text)], [0], []));
        server.Define(new(CassandraSamplingStore.SelectThroughput, [("ts", CqlType.Timeuuid), ("ts", CqlType.Timeuuid)], [], [("throughput", text)]));
        server.Define(new(CassandraSamplingStore.InsertProbabilities, [("bucket", integer), ("ts", CqlType.Timeuuid), ("hostname", text), ("probabilities", text)], [0], []));
        server.Define(new(CassandraSamplingStore.SelectLatestProbabilities, [], [], [("probabilities", text)]));
        server.Define(new(CassandraSamplingStore.InsertLease, [("name", text), ("owner", text), ("[ttl]", integer)], [0], []));
        server.Define(new(CassandraSamplingStore.ExtendLease, [("[ttl]", integer), ("owner", text), ("name", text), ("owner", text)], [2], []));
        server.Define(new(CassandraSamplingStore.DeleteLease, [("name", text), ("owner", text)], [0], []));
        server.Define(new(CassandraStatements.InsertDependencies, [("ts", CqlType.Timestamp), ("ts_bucket", CqlType.Timestamp), ("dependencies", CqlType.List(u.Dependency))], [1], []));
        server.Define(new(CassandraStatements.SelectDependencies, [("ts_bucket", CqlType.List(CqlType.Timestamp)), ("ts", CqlType.Timestamp), ("ts", CqlType.Timestamp)], [], [("ts", CqlType.Timestamp), ("dependencies", CqlType.List(u.Dependency))]));
    }

    public static IReadOnlyList<(string Name, CqlType Type)> TraceColumns(JaegerUdts u) =>
    [
        ("trace_id", CqlType.Blob), ("span_id", CqlType.Bigint), ("parent_id", CqlType.Bigint), ("operation_name", CqlType.Text), ("flags", CqlType.Int),
        ("start_time", CqlType.Bigint), ("duration", CqlType.Bigint), ("tags", CqlType.List(u.KeyValue)), ("logs", CqlType.List(u.Log)), ("refs", CqlType.List(u.SpanRef)), ("process", u.Process),
    ];
}
