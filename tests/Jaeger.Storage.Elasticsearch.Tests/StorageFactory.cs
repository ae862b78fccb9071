using Jaeger.Storage.Elasticsearch.Transport;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>Storage instances against a fake server.</summary>
internal static class StorageFactory
{
    public static ElasticsearchStorage Create(FakeSearchServer server, Action<ElasticsearchStorageOptions>? configure = null, TimeProvider? time = null, bool archive = false, System.Diagnostics.Metrics.IMeterFactory? meters = null)
    {
        var options = new ElasticsearchStorageOptions { ServerUrls = [server.Url.ToString()] };
        options.Bulk.FlushInterval = TimeSpan.Zero;
        options.Bulk.InitialRetryBackoff = TimeSpan.Zero;
        configure?.Invoke(options);
        var family = server.Flavor is FakeFlavor.OpenSearch2 or FakeFlavor.OpenSearch3 ? ServerFamily.OpenSearch : ServerFamily.Elasticsearch;
        return new ElasticsearchStorage(family == ServerFamily.OpenSearch ? "opensearch" : "elasticsearch", family, archive, options, time ?? new FakeTimeProvider(new DateTimeOffset(2024, 5, 3, 12, 0, 0, TimeSpan.Zero)), meters);
    }
}
