using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using Jaeger.Benchmarks.Storage;
using Jaeger.Model;
using Jaeger.Storage.Elasticsearch.Documents;
using Jaeger.Storage.Elasticsearch.Indices;
using Jaeger.Storage.Elasticsearch.Writing;

namespace Jaeger.Benchmarks.Elasticsearch;

/// <summary>
/// The Elasticsearch writer's cost per span, no network: Jaeger's span document and its bulk lines (action line,
/// document line), for one write call of 100 spans (10 traces of the storage data set: 8 tags, one log of 2 fields,
/// 3 process tags each). The baseline encodes the same lines with plain System.Text.Json: a POCO shaped like Jaeger's
/// <c>dbmodel.Span</c> built from the model, serialized with <see cref="JsonSerializer"/>. Both paths take the same
/// index names and the same service-document de-duplication, so the difference is the encoding.
/// </summary>
[MemoryDiagnoser]
public class ElasticsearchBulkEncodingBenchmarks
{
    private const int Traces = 10;
    private const int Spans = Traces * StorageDataSet.SpansPerTrace;

    private static readonly JsonSerializerOptions PlainOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly ArrayBufferWriter<byte> _plainBuffer = new(64 * 1024);
    private List<Batch> _batches = null!;
    private SpanBulkEncoder _encoder = null!;
    private IndexNames _names = null!;
    private ServiceOperationCache _plainServices = null!;

    [GlobalSetup]
    public void Setup()
    {
        _batches = [];
        foreach (var trace in StorageDataSet.Build(Traces))
        {
            // One batch per process, as a collector receives them.
            foreach (var group in trace.GroupBy(s => s.Process))
            {
                _batches.Add(new Batch(group.Key, [.. group]));
            }
        }

        _names = new IndexNames(null, "-", hourly: false, useAliases: false, archive: false);
        var ttl = TimeSpan.FromHours(12);
        _encoder = new SpanBulkEncoder(_names, new SpanDocument(TagsAsFields.None), new ServiceOperationCache(TimeProvider.System, ttl));
        _plainServices = new ServiceOperationCache(TimeProvider.System, ttl);

        // Service documents are written once per index and TTL: after the first call both paths skip them.
        Jaeger();
        PlainSystemTextJson();
        if (Jaeger() != PlainSystemTextJson())
        {
            throw new InvalidOperationException("The two encodings differ in length: they do not encode the same lines.");
        }
    }

    /// <summary>
    /// The package's path: <see cref="SpanBulkEncoder"/> writing UTF-8 straight into the segment's pooled buffer, which
    /// goes back to the pool once the bulk is answered (here at once, as if answered).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Spans)]
    public int Jaeger()
    {
        var segment = _encoder.Encode(_batches, out _);
        var length = segment.Length;
        segment.Complete();
        segment.ReleaseIfSettled();
        return length;
    }

    /// <summary>A document object per span, serialized by <see cref="JsonSerializer"/> with an action-line object.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Spans)]
    public int PlainSystemTextJson()
    {
        var buffer = _plainBuffer;
        buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = PlainOptions.Encoder, SkipValidation = true });
        foreach (var batch in _batches)
        {
            var process = batch.Process;
            foreach (var span in batch.Spans)
            {
                var serviceIndex = _names.WriteIndex(IndexKind.Service, span.StartTime);
                if (_plainServices.ShouldWrite(serviceIndex, process.ServiceName, span.OperationName, out var id))
                {
                    WriteLine(writer, buffer, new BulkAction { Index = new BulkTarget { Index = serviceIndex, Id = id } });
                    WriteLine(writer, buffer, new ServiceDoc { ServiceName = process.ServiceName, OperationName = span.OperationName });
                }

                WriteLine(writer, buffer, new BulkAction { Index = new BulkTarget { Index = _names.WriteIndex(IndexKind.Span, span.StartTime) } });
                WriteLine(writer, buffer, SpanDoc.From(span, process));
            }
        }

        return buffer.WrittenCount;
    }

    private static void WriteLine<T>(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, T value)
    {
        JsonSerializer.Serialize(writer, value, PlainOptions);
        writer.Flush();
        writer.Reset();
        buffer.Write("\n"u8);
    }

    private sealed class BulkAction
    {
        [JsonPropertyName("index")]
        public BulkTarget Index { get; set; } = null!;
    }

    private sealed class BulkTarget
    {
        [JsonPropertyName("_index")]
        public string Index { get; set; } = null!;

        [JsonPropertyName("_id")]
        public string? Id { get; set; }
    }

    private sealed class ServiceDoc
    {
        [JsonPropertyName("serviceName")]
        public string ServiceName { get; set; } = null!;

        [JsonPropertyName("operationName")]
        public string OperationName { get; set; } = null!;
    }

    // Jaeger's dbmodel.Span, field by field in its key order.
    private sealed class SpanDoc
    {
        [JsonPropertyName("traceID")]
        public string TraceId { get; set; } = null!;

        [JsonPropertyName("spanID")]
        public string SpanId { get; set; } = null!;

        [JsonPropertyName("flags")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
        public uint Flags { get; set; }

        [JsonPropertyName("operationName")]
        public string OperationName { get; set; } = null!;

        [JsonPropertyName("references")]
        public List<RefDoc> References { get; set; } = null!;

        [JsonPropertyName("startTime")]
        public long StartTime { get; set; }

        [JsonPropertyName("startTimeMillis")]
        public long StartTimeMillis { get; set; }

        [JsonPropertyName("duration")]
        public long Duration { get; set; }

        [JsonPropertyName("tags")]
        public List<KeyValueDoc> Tags { get; set; } = null!;

        [JsonPropertyName("logs")]
        public List<LogDoc> Logs { get; set; } = null!;

        [JsonPropertyName("process")]
        public ProcessDoc Process { get; set; } = null!;

        public static SpanDoc From(Span span, Process process)
        {
            var references = new List<RefDoc>(span.References.Length);
            foreach (var r in span.References)
            {
                references.Add(new RefDoc { RefType = r.RefType == SpanRefType.FollowsFrom ? "FOLLOWS_FROM" : "CHILD_OF", TraceId = r.TraceId.ToString(), SpanId = r.SpanId.ToString() });
            }

            var logs = new List<LogDoc>(span.Logs.Length);
            foreach (var log in span.Logs)
            {
                logs.Add(new LogDoc { Timestamp = log.TimestampMicros, Fields = log.Fields.IsEmpty ? null : KeyValueDoc.List(log.Fields) });
            }

            return new SpanDoc
            {
                TraceId = span.TraceId.ToString(),
                SpanId = span.SpanId.ToString(),
                Flags = (uint)span.Flags,
                OperationName = span.OperationName,
                References = references,
                StartTime = span.StartTimeMicros,
                StartTimeMillis = span.StartTimeMicros / 1000,
                Duration = span.DurationMicros,
                Tags = KeyValueDoc.List(span.Tags),
                Logs = logs,
                Process = new ProcessDoc { ServiceName = process.ServiceName, Tags = KeyValueDoc.List(process.Tags) },
            };
        }
    }

    private sealed class RefDoc
    {
        [JsonPropertyName("refType")]
        public string RefType { get; set; } = null!;

        [JsonPropertyName("traceID")]
        public string TraceId { get; set; } = null!;

        [JsonPropertyName("spanID")]
        public string SpanId { get; set; } = null!;
    }

    private sealed class KeyValueDoc
    {
        [JsonPropertyName("key")]
        public string Key { get; set; } = null!;

        [JsonPropertyName("type")]
        public string Type { get; set; } = null!;

        [JsonPropertyName("value")]
        public string Value { get; set; } = null!;

        public static List<KeyValueDoc> List(System.Collections.Immutable.ImmutableArray<KeyValue> tags)
        {
            var list = new List<KeyValueDoc>(tags.Length);
            foreach (var tag in tags)
            {
                var (type, value) = tag.Type switch
                {
                    KeyValueType.Bool => ("bool", tag.BoolValue ? "true" : "false"),
                    KeyValueType.Int64 => ("int64", tag.Int64Value.ToString(CultureInfo.InvariantCulture)),
                    KeyValueType.Float64 => ("float64", SpanDocument.FormatFloat(tag.Float64Value)),
                    KeyValueType.Binary => ("binary", Convert.ToHexStringLower(tag.BinaryValue.Span)),
                    _ => ("string", tag.StringValue),
                };
                list.Add(new KeyValueDoc { Key = tag.Key, Type = type, Value = value });
            }

            return list;
        }
    }

    private sealed class LogDoc
    {
        [JsonPropertyName("timestamp")]
        public long Timestamp { get; set; }

        // Go writes a nil slice as null: kept (not ignored) as Jaeger does.
        [JsonPropertyName("fields")]
        [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
        public List<KeyValueDoc>? Fields { get; set; }
    }

    private sealed class ProcessDoc
    {
        [JsonPropertyName("serviceName")]
        public string ServiceName { get; set; } = null!;

        [JsonPropertyName("tags")]
        public List<KeyValueDoc> Tags { get; set; } = null!;
    }
}
