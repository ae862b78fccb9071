using System.Diagnostics.Metrics;
using Jaeger.Storage.ClickHouse.Metrics;
using Jaeger.Storage.ClickHouse.Reading;
using Jaeger.Storage.ClickHouse.Schema;
using Jaeger.Storage.ClickHouse.Stores;
using Jaeger.Storage.ClickHouse.Writing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaeger.Storage.ClickHouse;

/// <summary>One ClickHouse store: its database client, span writer and reader, dependency and sampling stores, RED metrics reader, schema and maintenance.</summary>
internal sealed class ClickHouseStorage : IStorageMaintenance, IAsyncDisposable
{
    public const string StorageType = "clickhouse";

    private readonly ClickHouseStorageOptions _options;
    private readonly ClickHouseStorageMetrics _metrics;
    private readonly ILogger _logger;

    public ClickHouseStorage(ClickHouseStorageOptions options, IMeterFactory? meterFactory = null, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = loggerFactory?.CreateLogger("Jaeger.Storage.ClickHouse") ?? NullLogger.Instance;
        _metrics = new ClickHouseStorageMetrics(meterFactory);
        Database = new ClickHouseDatabase(options, httpClient);
        Schema = new ClickHouseSchema(options);
        Writer = new ClickHouseSpanWriter(Database, options, _metrics, _logger, time);
        Reader = new ClickHouseSpanReader(Database, options, time);
        Dependencies = new ClickHouseDependencyStore(Database);
        Sampling = new ClickHouseSamplingStore(Database, time);
        Metrics = new ClickHouseMetricsReader(Database);
    }

    public ClickHouseDatabase Database { get; }

    public ClickHouseSchema Schema { get; }

    public ClickHouseSpanWriter Writer { get; }

    public ClickHouseSpanReader Reader { get; }

    public ClickHouseDependencyStore Dependencies { get; }

    public ClickHouseSamplingStore Sampling { get; }

    public ClickHouseMetricsReader Metrics { get; }

    public StorageRetention Retention => new(MaxAge: _options.Ttl > TimeSpan.Zero ? _options.Ttl : null);

    /// <summary>Creates the schema when <see cref="ClickHouseStorageOptions.CreateSchema"/> is set.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.CreateSchema)
        {
            return;
        }

        var statements = Schema.Statements();
        foreach (var statement in statements)
        {
            await Database.ExecuteAsync("create schema", statement, cancellationToken).ConfigureAwait(false);
        }

        ClickHouseLog.SchemaCreated(_logger, Database.Name, statements.Count, Schema.IsCluster ? $", cluster {_options.Cluster}" : string.Empty);
    }

    public async ValueTask PurgeAsync(CancellationToken cancellationToken = default)
    {
        foreach (var statement in Schema.TruncateStatements())
        {
            await Database.ExecuteAsync("purge", statement, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The parts as the storage builder takes them.</summary>
    public StorageBackend ToBackend() => new(StorageType, Writer, Reader)
    {
        DependencyReader = Dependencies,
        DependencyWriter = Dependencies,
        SamplingStore = Sampling,
        LeaseStore = Sampling,
        MetricsReader = Metrics,
        Maintenance = this,
        OnStart = StartAsync,
        OnDispose = DisposeAsync,
    };

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync().ConfigureAwait(false);
        Database.Dispose();
        _metrics.Dispose();
    }
}
