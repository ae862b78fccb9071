using Jaeger.Storage.Conformance;
using Jaeger.Storage.Memory;

namespace Jaeger.Core.Tests.Storage;

/// <summary>The in-memory store against the storage conformance kit.</summary>
public sealed class InMemoryStorageConformanceTests : SpanStoreConformanceTests
{
    protected override bool DerivesDependencies => true;

    protected override ValueTask<StorageBackend> CreateBackendAsync()
    {
        var store = new InMemorySpanStore();
        return ValueTask.FromResult(new StorageBackend(store, store, store, store, () =>
        {
            store.Dispose();
            return ValueTask.CompletedTask;
        }));
    }
}

/// <summary>The kit with a bounded store large enough to hold every fixture: eviction bookkeeping must not disturb search.</summary>
public sealed class BoundedInMemoryStorageConformanceTests : SpanStoreConformanceTests
{
    protected override bool DerivesDependencies => true;

    protected override ValueTask<StorageBackend> CreateBackendAsync()
    {
        var store = new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = 50 });
        return ValueTask.FromResult(new StorageBackend(store, store, store, store, () =>
        {
            store.Dispose();
            return ValueTask.CompletedTask;
        }));
    }
}
