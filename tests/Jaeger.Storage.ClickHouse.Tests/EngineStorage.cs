using System.Collections.Concurrent;
using Jaeger.Storage.ClickHouse.Tests.Engine;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>
/// Stores on the shared in-process engine, each in a database of its own with the schema created. A database a
/// finished test leaves is purged (every table truncated, as <see cref="IStorageMaintenance.PurgeAsync"/>) and handed
/// to the next test, so the suite pays for the schema's DDL a few times, not once per test.
/// </summary>
internal static class EngineStorage
{
    private static readonly ConcurrentBag<string> CleanDatabases = [];

    public static async Task<ClickHouseStorage> CreateAsync(Action<ClickHouseStorageOptions>? configure = null, TimeProvider? time = null, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        var front = await ClickHouseTestServer.RequireAsync();
        var options = new ClickHouseStorageOptions { Endpoint = front.Endpoint.ToString(), Database = ClickHouseTestServer.NewDatabaseName(), CreateSchema = true };
        configure?.Invoke(options);
        var storage = new ClickHouseStorage(options, meterFactory, time: time);
        await storage.StartAsync(CancellationToken.None);
        return storage;
    }

    /// <summary>A fresh empty store with default options, as the conformance kit takes it; disposing it purges it for reuse.</summary>
    public static async Task<StorageBackend> PooledBackendAsync()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        var reused = CleanDatabases.TryTake(out var name);
        var options = new ClickHouseStorageOptions { Endpoint = front.Endpoint.ToString(), Database = name ?? ClickHouseTestServer.NewDatabaseName(), CreateSchema = !reused };
        var storage = new ClickHouseStorage(options);
        await storage.StartAsync(CancellationToken.None);
        var parts = storage.ToBackend();
        return new StorageBackend(parts.Type, parts.Writer, parts.Reader)
        {
            DependencyReader = parts.DependencyReader,
            DependencyWriter = parts.DependencyWriter,
            SamplingStore = parts.SamplingStore,
            LeaseStore = parts.LeaseStore,
            MetricsReader = parts.MetricsReader,
            Maintenance = parts.Maintenance,
            OnDispose = async () =>
            {
                await storage.PurgeAsync();
                await storage.DisposeAsync();
                CleanDatabases.Add(options.Database);
            },
        };
    }

    /// <summary>The store as the conformance kit takes it; disposing it drops its database.</summary>
    public static StorageBackend Backend(ClickHouseStorage storage)
    {
        var parts = storage.ToBackend();
        return new StorageBackend(parts.Type, parts.Writer, parts.Reader)
        {
            DependencyReader = parts.DependencyReader,
            DependencyWriter = parts.DependencyWriter,
            SamplingStore = parts.SamplingStore,
            LeaseStore = parts.LeaseStore,
            MetricsReader = parts.MetricsReader,
            Maintenance = parts.Maintenance,
            OnDispose = async () =>
            {
                await storage.Database.ExecuteAsync("drop", $"DROP DATABASE IF EXISTS {storage.Database.Name} SYNC", CancellationToken.None);
                await storage.DisposeAsync();
            },
        };
    }
}
