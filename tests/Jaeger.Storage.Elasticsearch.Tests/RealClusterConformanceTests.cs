using Jaeger.Storage.Conformance;
using Jaeger.Storage.Elasticsearch.Transport;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>
/// The storage conformance kit against a real cluster named by an environment variable. Without it every case is
/// reported as skipped, with the variable's name as the reason (<see cref="RequiresClusterAttribute"/>). Each backend gets its own index
/// prefix, so cases do not see each other's data; its indices and templates are deleted afterwards.
/// </summary>
public abstract class RealClusterConformanceTests : SpanStoreConformanceTests
{
    private readonly string _variable;
    private readonly ServerFamily _family;

    private protected RealClusterConformanceTests(string variable, ServerFamily family)
    {
        _variable = variable;
        _family = family;
    }

    protected override async ValueTask<StorageBackend> CreateBackendAsync()
    {
        var url = Environment.GetEnvironmentVariable(_variable) ?? throw new InvalidOperationException($"{_variable} is not set; the class should have been skipped.");

        var options = new ElasticsearchStorageOptions
        {
            ServerUrls = [url],
            IndexPrefix = "jt" + Guid.NewGuid().ToString("N")[..10],
            Shards = 1,
            Replicas = 0,
        };
        options.Bulk.FlushInterval = TimeSpan.FromMilliseconds(5);
        var type = _family == ServerFamily.OpenSearch ? "opensearch" : "elasticsearch";
        var storage = new ElasticsearchStorage(type, _family, false, options);
        await storage.StartAsync(CancellationToken.None);
        var backend = ElasticsearchStorageServiceCollectionExtensionsAccess.Bundle(type, storage, async () =>
        {
            await storage.PurgeAsync();
            foreach (var kind in new[] { "span", "service", "dependencies", "sampling" })
            {
                await storage.Client.Connection.SendAsync(Elastic.Transport.HttpMethod.DELETE, $"/_index_template/{storage.Names.Prefix}jaeger-{kind}", null, null, CancellationToken.None);
            }

            await storage.DisposeAsync();
        });
        _storages[backend] = storage;
        return backend;
    }

    protected override async ValueTask AfterWriteAsync(StorageBackend backend) => await _storages[backend].RefreshAsync();

    private readonly Dictionary<StorageBackend, ElasticsearchStorage> _storages = [];
}

/// <summary>The kit against Elasticsearch 8 or 9 at <c>JAEGER_TEST_ELASTICSEARCH_URL</c>.</summary>
[RequiresCluster("JAEGER_TEST_ELASTICSEARCH_URL")]
public sealed class ElasticsearchClusterConformanceTests() : RealClusterConformanceTests("JAEGER_TEST_ELASTICSEARCH_URL", ServerFamily.Elasticsearch);

/// <summary>The kit against OpenSearch 2 or 3 at <c>JAEGER_TEST_OPENSEARCH_URL</c>.</summary>
[RequiresCluster("JAEGER_TEST_OPENSEARCH_URL")]
public sealed class OpenSearchClusterConformanceTests() : RealClusterConformanceTests("JAEGER_TEST_OPENSEARCH_URL", ServerFamily.OpenSearch);

/// <summary>The package's bundle, with a disposal that cleans the test's indices.</summary>
internal static class ElasticsearchStorageServiceCollectionExtensionsAccess
{
    public static StorageBackend Bundle(string type, ElasticsearchStorage storage, Func<ValueTask> dispose) => new(type, storage.Writer, storage.Reader)
    {
        DependencyReader = storage.Dependencies,
        DependencyWriter = storage.Dependencies,
        SamplingStore = storage.Sampling,
        LeaseStore = storage.Leases,
        Maintenance = storage,
        OnDispose = dispose,
    };
}
