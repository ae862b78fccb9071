using BenchmarkDotNet.Attributes;
using Jaeger.Model;
using Jaeger.Storage.Cassandra.Cluster;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Spans;
using Jaeger.Storage.Cassandra.Tests.Spans;

namespace Jaeger.Benchmarks.Cassandra;

/// <summary>
/// The Cassandra span writer's client-side cost per span, no network: binding the values and encoding the EXECUTE
/// frames of every insert it issues for a span (the traces row with its keyvalue / log / span_ref / process UDT
/// lists, both service indexes, 15 tag index rows, two duration index rows, and with <see cref="EncodeWithNames"/>
/// the service and operation name inserts too), each with its routing token, frames written one after another into
/// a reused buffer as the connection writes them. 100 spans per operation (4 services, 10 operations, 10 tags and a
/// 3-field log each); figures are per span. The baseline binds the same rows as boxed values, lists and UDT objects
/// through the client's generic value encoder, as the writer did before it had its own encoder.
/// </summary>
[MemoryDiagnoser]
public class CassandraWriterEncodingBenchmarks
{
    private const int Spans = 100;
    private const long Timestamp = 1_714_435_200_999_000;
    private readonly EncodedStatements _encoded = new();
    private readonly CqlBufferWriter _frames = new(1 << 20);
    private Batch[] _batches = null!;
    private SpanInsertStatements _statements = null!;
    private CassandraStore _cachedNamesStore = null!;
    private CassandraStore _everyNameStore = null!;
    private CassandraSpanWriter _cachedNames = null!;
    private CassandraSpanWriter _everyName = null!;
    private GenericRows _generic = null!;

    [GlobalSetup]
    public void Setup()
    {
        _batches = [new Batch(Process.Unknown, [.. Enumerable.Range(0, Spans).Select(PreparedSpanInserts.ServerSpan)])];
        _statements = PreparedSpanInserts.Statements();
        _cachedNamesStore = PreparedSpanInserts.OfflineStore();
        _everyNameStore = PreparedSpanInserts.OfflineStore(TimeSpan.Zero);
        _cachedNames = new CassandraSpanWriter(_cachedNamesStore);
        _everyName = new CassandraSpanWriter(_everyNameStore);
        _generic = new GenericRows(_statements, _cachedNamesStore.Rows.Udts);
        EncodeAndFrame(_cachedNames); // the first pass also writes each service and operation name once
        var statements = EncodeAndFrame(_cachedNames);
        var withNames = EncodeAndFrame(_everyName);
        var baseline = Generic();
        if (statements != 20 * Spans || withNames != 22 * Spans || baseline != statements)
        {
            throw new InvalidOperationException($"Expected {20 * Spans} and {22 * Spans} statements per operation; the encoder gave {statements} and {withNames}, the baseline {baseline}.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _encoded.Dispose();
        _frames.Dispose();
        await _cachedNamesStore.DisposeAsync();
        await _everyNameStore.DisposeAsync();
    }

    /// <summary>Steady state: the names are in the write cache, so 20 statements per span.</summary>
    [Benchmark(OperationsPerInvoke = Spans)]
    public int Encode() => EncodeAndFrame(_cachedNames);

    /// <summary>Names written with every span (write cache TTL 0): 22 statements per span.</summary>
    [Benchmark(OperationsPerInvoke = Spans)]
    public int EncodeWithNames() => EncodeAndFrame(_everyName);

    /// <summary>The same 20 statements per span bound as boxed values and encoded by the generic codec.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Spans)]
    public int Generic()
    {
        _frames.Reset();
        var count = 0;
        foreach (var span in _batches[0].Spans)
        {
            foreach (var (statement, values) in _generic.Rows(span))
            {
                var variables = statement.Prepared.Variables;
                var key = TokenRing<CqlHost>.RoutingKey(values, variables.PartitionKeyIndexes, variables.Columns);
                _ = key is null ? 0 : Murmur3Token.Compute(key);
                CqlRequests.WriteExecute(_frames, (short)(count++ & 0x7fff), statement.Id, values, new CqlQueryParameters { Consistency = CqlConsistency.LocalOne, DefaultTimestamp = Timestamp }, statement.VariableTypes);
            }
        }

        return count;
    }

    private int EncodeAndFrame(CassandraSpanWriter writer) => PreparedSpanInserts.EncodeAndFrame(writer, _batches, Timestamp, _statements, _encoded, _frames);

    /// <summary>A span's rows as object values (what the writer bound before its encoder): byte arrays, boxed numbers, lists and UDT objects, tag texts as strings.</summary>
    private sealed class GenericRows(SpanInsertStatements s, Jaeger.Storage.Cassandra.Schema.JaegerUdts udts)
    {
        public IEnumerable<(CqlPreparedStatement, object?[])> Rows(Span span)
        {
            var traceId = SpanRows.TraceIdBytes(span.TraceId);
            var hash = SpanRows.SpanHash(span);
            var service = span.Process.ServiceName;
            yield return (s.Span,
            [
                traceId, unchecked((long)span.SpanId.Value), hash, 0L, span.OperationName, (int)span.Flags, span.StartTimeMicros, span.DurationMicros,
                KeyValues(span.Tags),
                span.Logs.Select(l => (object?)new CqlUdtValue(udts.Log, [l.TimestampMicros, KeyValues(l.Fields)])).ToList(),
                span.References.Select(r => (object?)new CqlUdtValue(udts.SpanRef, [r.RefType == SpanRefType.FollowsFrom ? "follows-from" : "child-of", SpanRows.TraceIdBytes(r.TraceId), unchecked((long)r.SpanId.Value)])).ToList(),
                new CqlUdtValue(udts.Process, [service, KeyValues(span.Process.Tags)]),
            ]);
            yield return (s.ServiceNameIndex, [service, (int)((ulong)hash % 10), span.StartTimeMicros, traceId]);
            yield return (s.ServiceOperationIndex, [service, span.OperationName, span.StartTimeMicros, traceId]);
            var seen = new HashSet<(string, string)>();
            foreach (var tag in span.Process.Tags.Concat(span.Tags).Concat(span.Logs.SelectMany(l => l.Fields)))
            {
                if (tag.Type != KeyValueType.Binary && seen.Add((tag.Key, SpanRows.TagValueText(tag))))
                {
                    yield return (s.TagIndex, [traceId, unchecked((long)span.SpanId.Value), service, span.StartTimeMicros, tag.Key, SpanRows.TagValueText(tag)]);
                }
            }

            var bucket = CassandraSpanWriter.DurationBucket(span.StartTimeMicros);
            yield return (s.DurationIndex, [service, string.Empty, bucket, span.DurationMicros, span.StartTimeMicros, traceId]);
            yield return (s.DurationIndex, [service, span.OperationName, bucket, span.DurationMicros, span.StartTimeMicros, traceId]);
        }

        private List<object?> KeyValues(System.Collections.Immutable.ImmutableArray<KeyValue> values) => [.. values.Select(t => (object?)PreparedSpanInserts.BoxedKeyValue(udts, t))];
    }
}
