using System.Globalization;
using System.Text.Json;
using Jaeger.Storage.Elasticsearch.Indices;
using Jaeger.Storage.Elasticsearch.Reading;
using Jaeger.Storage.Elasticsearch.Writing;

namespace Jaeger.Storage.Elasticsearch.Stores;

/// <summary>
/// Jaeger's sampling index (<c>jaeger-sampling-YYYY-MM-DD</c>, daily): one document per throughput entry,
/// <c>{"timestamp", "throughputs": {Service, Operation, Count, Probabilities: {"0.1": {}}}}</c>, and one per leader
/// computation, <c>{"timestamp", "probabilitiesandqps": {Hostname, Probabilities, QPS}}</c> (Go field names, as Jaeger writes them).
/// </summary>
internal sealed class ElasticsearchSamplingStore : ISamplingStore
{
    private readonly BulkIndexer _bulk;
    private readonly SearchClient _client;
    private readonly IndexNames _names;
    private readonly TimeProvider _time;
    private readonly int _maxDocCount;
    private readonly Lock _lock = new();
    private DateTimeOffset _lastProbabilities;

    public ElasticsearchSamplingStore(BulkIndexer bulk, SearchClient client, IndexNames names, TimeProvider time, int maxDocCount)
    {
        _bulk = bulk;
        _client = client;
        _names = names;
        _time = time;
        _maxDocCount = maxDocCount;
    }

    public async ValueTask InsertThroughputAsync(IReadOnlyList<OperationThroughput> throughput, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(throughput);
        var now = _time.GetUtcNow();
        var index = _names.WriteIndex(IndexKind.Sampling, now);
        var segment = new BulkSegment();
        foreach (var t in throughput)
        {
            var w = segment.BeginItem(BulkItemKind.Sampling, index, null);
            w.WriteStartObject();
            w.WriteString("timestamp"u8, ElasticsearchDependencyStore.FormatTimestamp(now));
            w.WriteStartObject("throughputs"u8);
            w.WriteString("Service"u8, t.Service);
            w.WriteString("Operation"u8, t.Operation);
            w.WriteNumber("Count"u8, t.Count);
            w.WritePropertyName("Probabilities"u8);
            if (t.Probabilities.Count == 0)
            {
                w.WriteNullValue();
            }
            else
            {
                w.WriteStartObject();
                foreach (var p in t.Probabilities.Distinct())
                {
                    w.WriteStartObject(p.ToString("R", CultureInfo.InvariantCulture));
                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
            segment.EndItem();
        }

        await _bulk.SubmitAsync(segment, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<OperationThroughput>> GetThroughputAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default)
    {
        var body = SearchClient.Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("size", _maxDocCount);
            w.WriteStartObject("query");
            w.WriteStartObject("bool");
            w.WriteStartArray("filter");
            w.WriteStartObject();
            w.WriteStartObject("exists");
            w.WriteString("field", "throughputs.Service");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteStartObject("range");
            w.WriteStartObject("timestamp");
            w.WriteString("gte", ElasticsearchDependencyStore.FormatTimestamp(start));
            w.WriteString("lt", ElasticsearchDependencyStore.FormatTimestamp(end));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        });
        using var doc = await _client.SendJsonAsync(HttpMethod.POST, SearchClient.SearchPath(_names.ForRange(IndexKind.Sampling, start, end)), body, cancellationToken).ConfigureAwait(false);
        var result = new List<OperationThroughput>();
        if (doc is null)
        {
            return result;
        }

        foreach (var hit in doc.RootElement.GetProperty("hits").GetProperty("hits").EnumerateArray())
        {
            var t = hit.GetProperty("_source").GetProperty("throughputs");
            var probabilities = new List<double>();
            if (t.TryGetProperty("Probabilities", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                foreach (var prop in p.EnumerateObject())
                {
                    if (double.TryParse(prop.Name, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    {
                        probabilities.Add(value);
                    }
                }
            }

            result.Add(new OperationThroughput(t.GetProperty("Service").GetString() ?? string.Empty, t.GetProperty("Operation").GetString() ?? string.Empty, t.GetProperty("Count").GetInt64(), probabilities));
        }

        return result;
    }

    public async ValueTask InsertProbabilitiesAndQpsAsync(string hostname, ServiceOperationValues probabilities, ServiceOperationValues qps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(qps);

        // Dates have millisecond resolution in Elasticsearch: each computation gets a later millisecond than the
        // previous one, so "the latest" is never a tie.
        DateTimeOffset now;
        lock (_lock)
        {
            var current = _time.GetUtcNow();
            now = new DateTimeOffset(current.UtcTicks - (current.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
            if (now <= _lastProbabilities)
            {
                now = _lastProbabilities.AddMilliseconds(1);
            }

            _lastProbabilities = now;
        }

        var segment = new BulkSegment();
        var w = segment.BeginItem(BulkItemKind.Sampling, _names.WriteIndex(IndexKind.Sampling, now), null);
        w.WriteStartObject();
        w.WriteString("timestamp"u8, ElasticsearchDependencyStore.FormatTimestamp(now));
        w.WriteStartObject("probabilitiesandqps"u8);
        w.WriteString("Hostname"u8, hostname);
        w.WritePropertyName("Probabilities"u8);
        WriteValues(w, probabilities);
        w.WritePropertyName("QPS"u8);
        WriteValues(w, qps);
        w.WriteEndObject();
        w.WriteEndObject();
        segment.EndItem();
        await _bulk.SubmitAsync(segment, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ServiceOperationValues> GetLatestProbabilitiesAsync(CancellationToken cancellationToken = default)
    {
        var body = SearchClient.Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("size", 1);
            w.WriteStartObject("query");
            w.WriteStartObject("exists");
            w.WriteString("field", "probabilitiesandqps.Hostname");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("sort");
            w.WriteStartObject();
            w.WriteString("timestamp", "desc");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
        using var doc = await _client.SendJsonAsync(HttpMethod.POST, SearchClient.SearchPath([_names.AllForRead(IndexKind.Sampling)]), body, cancellationToken).ConfigureAwait(false);
        var result = new ServiceOperationValues();
        if (doc is null)
        {
            return result;
        }

        foreach (var hit in doc.RootElement.GetProperty("hits").GetProperty("hits").EnumerateArray())
        {
            if (hit.GetProperty("_source").GetProperty("probabilitiesandqps").TryGetProperty("Probabilities", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                foreach (var service in p.EnumerateObject())
                {
                    foreach (var operation in service.Value.EnumerateObject())
                    {
                        result.Set(service.Name, operation.Name, operation.Value.GetDouble());
                    }
                }
            }
        }

        return result;
    }

    private static void WriteValues(Utf8JsonWriter w, ServiceOperationValues values)
    {
        w.WriteStartObject();
        foreach (var (service, operations) in values)
        {
            w.WriteStartObject(service);
            foreach (var (operation, value) in operations)
            {
                w.WriteNumber(operation, value);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }
}
