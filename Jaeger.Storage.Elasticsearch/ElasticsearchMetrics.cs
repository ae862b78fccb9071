using System.Diagnostics.Metrics;
using Jaeger.Storage.Elasticsearch.Writing;

namespace Jaeger.Storage.Elasticsearch;

/// <summary>The meter <c>Jaeger.Storage.Elasticsearch</c>: bulk requests and items, by outcome and reason.</summary>
internal sealed class ElasticsearchMetrics
{
    public const string MeterName = "Jaeger.Storage.Elasticsearch";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _indicesDeleted;

    public ElasticsearchMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = meter.CreateCounter<long>("jaeger.storage.elasticsearch.bulk.requests", "{request}", "Bulk requests sent.");
        _stored = meter.CreateCounter<long>("jaeger.storage.elasticsearch.bulk.items.stored", "{item}", "Bulk items the server stored.");
        _retried = meter.CreateCounter<long>("jaeger.storage.elasticsearch.bulk.items.retried", "{item}", "Bulk items sent again after 429 or 503, by status.");
        _failed = meter.CreateCounter<long>("jaeger.storage.elasticsearch.bulk.items.failed", "{item}", "Bulk items that finally failed, by the server's error type and document kind.");
        _indicesDeleted = meter.CreateCounter<long>("jaeger.storage.elasticsearch.retention.indices_deleted", "{index}", "Indices deleted by retention.");
    }

    public void BulkRequest() => _requests.Add(1);

    public void ItemsStored(int count)
    {
        if (count > 0)
        {
            _stored.Add(count);
        }
    }

    public void ItemsRetried(int status, int count) => _retried.Add(count, new KeyValuePair<string, object?>("status", status));

    public void ItemFailed(string reason, BulkItemKind kind, int count = 1) =>
        _failed.Add(count, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("kind", kind.ToString().ToLowerInvariant()));

    public void IndicesDeleted(int count) => _indicesDeleted.Add(count);
}
