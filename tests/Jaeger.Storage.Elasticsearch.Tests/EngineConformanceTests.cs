using Jaeger.Storage.Conformance;
using Jaeger.Storage.Elasticsearch.Transport;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>
/// The storage conformance kit against the fake server with its query interpreter (<see cref="FakeSearchEngine"/>): the
/// package's real requests, evaluated by the documented Elasticsearch semantics in memory. This proves the reader's
/// logic (queries, ordering, paging) end to end; it does not prove that a real cluster accepts the requests.
/// </summary>
public abstract class EngineConformanceTests : SpanStoreConformanceTests
{
    private readonly FakeFlavor _flavor;
    private readonly Dictionary<StorageBackend, ElasticsearchStorage> _storages = [];

    private protected EngineConformanceTests(FakeFlavor flavor) => _flavor = flavor;

    protected override async ValueTask<StorageBackend> CreateBackendAsync()
    {
        var server = await FakeSearchServer.StartAsync(_flavor, interpret: true);
        var options = new ElasticsearchStorageOptions { ServerUrls = [server.Url.ToString()] };
        options.Bulk.FlushInterval = TimeSpan.FromMilliseconds(2);
        var openSearch = _flavor is FakeFlavor.OpenSearch2 or FakeFlavor.OpenSearch3;
        var type = openSearch ? "opensearch" : "elasticsearch";
        var storage = new ElasticsearchStorage(type, openSearch ? ServerFamily.OpenSearch : ServerFamily.Elasticsearch, false, options);
        await storage.StartAsync(CancellationToken.None);
        var backend = ElasticsearchStorageServiceCollectionExtensionsAccess.Bundle(type, storage, async () =>
        {
            await storage.DisposeAsync();
            await server.DisposeAsync();
        });
        lock (_storages)
        {
            _storages[backend] = storage;
        }

        return backend;
    }

    protected override async ValueTask AfterWriteAsync(StorageBackend backend)
    {
        ElasticsearchStorage storage;
        lock (_storages)
        {
            storage = _storages[backend];
        }

        await storage.RefreshAsync();
    }
}

/// <summary>The engine suites run alone, after the others: they are the heaviest (a 10 008-span trace each) on a shared machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineCollection
{
    public const string Name = "interpreting fake";
}

/// <summary>The kit against the interpreting fake playing Elasticsearch 9.</summary>
[Collection(EngineCollection.Name)]
public sealed class Elasticsearch9EngineConformanceTests() : EngineConformanceTests(FakeFlavor.Elasticsearch9);

/// <summary>The kit against the interpreting fake playing OpenSearch 3.</summary>
[Collection(EngineCollection.Name)]
public sealed class OpenSearch3EngineConformanceTests() : EngineConformanceTests(FakeFlavor.OpenSearch3);
