using Jaeger.Storage.Conformance;

namespace Jaeger.Storage.Memory.Tests;

/// <summary>The in-memory store against the storage conformance kit.</summary>
public sealed class InMemoryStorageConformanceTests : SpanStoreConformanceTests
{
    protected override bool DerivesDependencies => true;

    protected override ValueTask<StorageBackend> CreateBackendAsync() => ValueTask.FromResult(Bundle(new InMemorySpanStore()));

    internal static StorageBackend Bundle(InMemorySpanStore store) => new("memory", store, store)
    {
        DependencyReader = store,
        DependencyWriter = store,
        SamplingStore = store,
        LeaseStore = store,
        Maintenance = store,
    };
}

/// <summary>The kit with a bounded store large enough to hold every fixture: eviction bookkeeping must not disturb search.</summary>
public sealed class BoundedInMemoryStorageConformanceTests : SpanStoreConformanceTests
{
    protected override bool DerivesDependencies => true;

    protected override ValueTask<StorageBackend> CreateBackendAsync() =>
        ValueTask.FromResult(InMemoryStorageConformanceTests.Bundle(new InMemorySpanStore(new InMemoryStorageOptions { MaxTraces = 50 })));
}
