using Jaeger.Model;
using Jaeger.Storage.Cassandra.Cluster;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Schema;
using Jaeger.Storage.Cassandra.Spans;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaeger.Storage.Cassandra.Tests.Spans;

/// <summary>
/// The span writer's inserts as a node with schema v004 prepares them (bind names and types, partition-key bind
/// indexes), without a node; and spans shaped like a traced HTTP service's. Shared by the encoder tests and the
/// encoder benchmark (linked into benchmarks/Jaeger.Benchmarks), so the benchmark measures what the tests check.
/// </summary>
internal static class PreparedSpanInserts
{
    private static readonly string[][] BindNames =
    [
        ["trace_id", "span_id", "span_hash", "parent_id", "operation_name", "flags", "start_time", "duration", "tags", "logs", "refs", "process"],
        ["service_name"],
        ["service_name", "span_kind", "operation_name"],
        ["service_name", "bucket", "start_time", "trace_id"],
        ["service_name", "operation_name", "start_time", "trace_id"],
        ["trace_id", "span_id", "service_name", "start_time", "tag_key", "tag_value"],
        ["service_name", "operation_name", "bucket", "duration", "start_time", "trace_id"],
    ];

    private static readonly int[][] PartitionKeys = [[0], [0], [0], [0, 1], [0, 1], [2, 4, 5], [0, 1, 2]];

    private static readonly string[] Tables = ["traces", "service_names", "operation_names_v2", "service_name_index", "service_operation_index", "tag_index", "duration_index"];

    /// <summary>The seven inserts "prepared" with ids 0x01.. and schema v004's metadata, in <see cref="SpanInsertStatements.Expected"/>'s order.</summary>
    public static List<CqlPreparedStatement> Prepared(string keyspace, Func<int, CqlType, CqlType>? changeType = null)
    {
        var expected = SpanInsertStatements.Expected(new JaegerUdts(keyspace));
        var prepared = new List<CqlPreparedStatement>();
        for (var i = 0; i < expected.Count; i++)
        {
            var columns = new List<CqlColumn>();
            for (var c = 0; c < expected[i].Types.Length; c++)
            {
                var type = changeType?.Invoke(i, expected[i].Types[c]) ?? expected[i].Types[c];
                columns.Add(new CqlColumn(keyspace, Tables[i], BindNames[i][c], type));
            }

            var id = new byte[16];
            id.AsSpan().Fill((byte)(i + 1));
            var variables = new CqlRowsMetadata { ColumnCount = columns.Count, Columns = columns, PartitionKeyIndexes = PartitionKeys[i] };
            prepared.Add(new CqlPreparedStatement(expected[i].Query, new CqlPrepared(id, variables, new CqlRowsMetadata())));
        }

        return prepared;
    }

    public static SpanInsertStatements Statements(string keyspace = "jaeger_v1_test") =>
        SpanInsertStatements.Create(Prepared(keyspace), SpanInsertStatements.Expected(new JaegerUdts(keyspace)));

    /// <summary>A store whose session never connects: enough for encoding.</summary>
    public static CassandraStore OfflineStore(TimeSpan? writeCacheTtl = null)
    {
        var options = new CassandraStorageOptions();
        if (writeCacheTtl is { } ttl)
        {
            options.WriteCacheTtl = ttl;
        }

        return new CassandraStore(options, new CqlSession(new CqlSessionSettings(), TimeProvider.System, NullLoggerFactory.Instance), TimeProvider.System, NullLoggerFactory.Instance);
    }

    /// <summary>What the writer does for a call before the network: every statement of <paramref name="batches"/> encoded, then each EXECUTE frame written as the connection writes it. Returns the statement count.</summary>
    public static int EncodeAndFrame(CassandraSpanWriter writer, IReadOnlyList<Batch> batches, long timestamp, SpanInsertStatements statements, EncodedStatements encoded, CqlBufferWriter frames)
    {
        encoded.Clear();
        frames.Reset();
        writer.Encode(batches, timestamp, statements, encoded);
        for (var i = 0; i < encoded.Count; i++)
        {
            CqlRequests.WriteExecute(frames, (short)(i & 0x7fff), encoded[i].Statement.Id, encoded.Parameters(i).Span);
        }

        return encoded.Count;
    }

    /// <summary>A keyvalue UDT as boxed field values, all seven set as Jaeger sets them: the generic codec's input.</summary>
    public static CqlUdtValue BoxedKeyValue(JaegerUdts udts, KeyValue tag) => new(udts.KeyValue,
    [
        tag.Key,
        tag.Type switch { KeyValueType.String => "string", KeyValueType.Bool => "bool", KeyValueType.Int64 => "int64", KeyValueType.Float64 => "float64", _ => "binary" },
        tag.Type == KeyValueType.String ? tag.StringValue : string.Empty,
        tag.BoolValue,
        tag.Int64Value,
        tag.Float64Value,
        tag.Type == KeyValueType.Binary ? tag.BinaryValue.ToArray() : null,
    ]);

    /// <summary>Span <paramref name="i"/> of a server: 10 tags of every indexable type plus a binary one, a log of 3 fields, a parent reference, 3 process tags; 4 services, 10 operations.</summary>
    public static Span ServerSpan(int i)
    {
        var trace = new TraceId((ulong)(i / 10) + 1, (ulong)i * 7919);
        var start = 1_714_435_200_000_000L + (i * 1_000L);
        return new Span
        {
            TraceId = trace,
            SpanId = new SpanId((ulong)i + 100),
            OperationName = Operations[i % Operations.Length],
            Flags = SpanFlags.Sampled,
            StartTimeMicros = start,
            DurationMicros = 1_000 + (i % 500),
            References = [new SpanRef(trace, new SpanId((ulong)i + 99))],
            Tags =
            [
                KeyValue.String("span.kind", "server"),
                KeyValue.String("http.method", "GET"),
                KeyValue.String("http.url", "/customer?id=" + (i % 100)),
                KeyValue.Int64("http.status_code", i % 50 == 0 ? 500 : 200),
                KeyValue.Bool("error", i % 50 == 0),
                KeyValue.Float64("sampler.param", 0.001 * (i % 7)),
                KeyValue.String("component", "net/http"),
                KeyValue.Int64("peer.port", 40_000 + (i % 1000)),
                KeyValue.String("peer.service", "redis"),
                KeyValue.Binary("payload", [1, 2, 3, 4]),
            ],
            Logs = [new Log(start + 10, [KeyValue.String("event", "cache miss"), KeyValue.Int64("attempt", i % 3), KeyValue.String("level", "info")])],
            Process = Processes[i % Processes.Length],
        };
    }

    private static readonly string[] Operations = ["HTTP GET /customer", "HTTP GET /driver", "HTTP GET /route", "HTTP POST /dispatch", "SQL SELECT", "redis GET", "redis SET", "FindNearest", "GetDriver", "/config"];

    private static readonly Process[] Processes =
    [
        .. new[] { "frontend", "customer", "driver", "route" }.Select(name => new Process(name, [KeyValue.String("hostname", name + "-host"), KeyValue.String("ip", "10.0.0.7"), KeyValue.String("jaeger.version", "Go-2.30.0")])),
    ];
}
