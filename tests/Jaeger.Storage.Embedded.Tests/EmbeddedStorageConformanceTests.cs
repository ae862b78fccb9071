using Jaeger.Storage.Conformance;

namespace Jaeger.Storage.Embedded.Tests;

/// <summary>The embedded store against the storage conformance kit: a fresh data folder per backend, deleted when it is disposed.</summary>
public sealed class EmbeddedStorageConformanceTests : SpanStoreConformanceTests
{
    protected override ValueTask<StorageBackend> CreateBackendAsync()
    {
        var folder = new TempFolder("conformance");

        // Retention is not started: the fixtures reach three days back, and the kit reads what it wrote.
        var store = new EmbeddedSpanStore(new EmbeddedStorageOptions { Path = folder.Sub("data"), BlockCacheBytes = 8 << 20, WriteBufferBytes = 4 << 20 }, null, null, null, folder.Sub("unused"), startRetention: false);
        return ValueTask.FromResult(new StorageBackend("embedded", store, store)
        {
            DependencyReader = store,
            DependencyWriter = store,
            SamplingStore = store,
            LeaseStore = store,
            Maintenance = store,
            OnDispose = () =>
            {
                store.Dispose();
                folder.Dispose();
                return ValueTask.CompletedTask;
            },
        });
    }
}
