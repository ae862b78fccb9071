using System.Diagnostics.Metrics;
using System.Text.Json;
using Jaeger.Storage.Elasticsearch.Documents;
using Jaeger.Storage.Elasticsearch.Indices;
using Jaeger.Storage.Elasticsearch.Reading;
using Jaeger.Storage.Elasticsearch.Stores;
using Jaeger.Storage.Elasticsearch.Transport;
using Jaeger.Storage.Elasticsearch.Writing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaeger.Storage.Elasticsearch;

/// <summary>
/// One Elasticsearch / OpenSearch storage instance (primary or archive): the connection, the bulk indexer, the span
/// writer and reader, dependencies, the sampling store, and index management — the version probe and index templates
/// at start, rollover aliases, and retention (Jaeger's index cleaner) as a periodic job.
/// </summary>
internal sealed partial class ElasticsearchStorage : IStorageMaintenance, IAsyncDisposable
{
    private readonly ElasticsearchStorageOptions _options;
    private readonly ServerFamily _expected;
    private readonly string _type;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ElasticsearchMetrics _metrics;
    private readonly SearchConnection _connection;
    private readonly ServiceOperationCache _serviceCache;
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _retentionTimer;
    private int _retentionRunning;
    private Task _retentionTask = Task.CompletedTask;

    public ElasticsearchStorage(string type, ServerFamily expected, bool archive, ElasticsearchStorageOptions options, TimeProvider? time = null, IMeterFactory? meterFactory = null, ILogger? logger = null)
    {
        _type = type;
        _expected = expected;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _metrics = new ElasticsearchMetrics(meterFactory);
        _connection = new SearchConnection(options);
        Client = new SearchClient(_connection);
        var useAliases = options.UseReadWriteAliases || options.UseIlm;
        Names = new IndexNames(options.IndexPrefix, options.IndexDateSeparator, string.Equals(options.IndexRolloverFrequency, "hour", StringComparison.OrdinalIgnoreCase), useAliases, archive);
        var tagsAsFields = new TagsAsFields(options.TagsAsFields.All, options.TagsAsFields.Include.SelectMany(k => k.Split(',')), options.TagsAsFields.DotReplacement);
        var document = new SpanDocument(tagsAsFields);
        _serviceCache = new ServiceOperationCache(_time, options.ServiceCacheTtl);
        Bulk = new BulkIndexer(_connection, options.Bulk, _time, _metrics, _logger);
        Writer = new ElasticsearchSpanWriter(Bulk, new SpanBulkEncoder(Names, document, _serviceCache), _serviceCache);
        Reader = new ElasticsearchSpanReader(Client, Names, document, tagsAsFields, options, _time);
        Dependencies = new ElasticsearchDependencyStore(Bulk, Client, Names, options.MaxDocCount);
        Sampling = new ElasticsearchSamplingStore(Bulk, Client, Names, _time, options.MaxDocCount);
        Leases = new ElasticsearchLeaseStore(Client, Names, _time);
    }

    public IndexNames Names { get; }

    public SearchClient Client { get; }

    public BulkIndexer Bulk { get; }

    public ElasticsearchSpanWriter Writer { get; }

    public ElasticsearchSpanReader Reader { get; }

    public ElasticsearchDependencyStore Dependencies { get; }

    public ElasticsearchSamplingStore Sampling { get; }

    public ElasticsearchLeaseStore Leases { get; }

    private string ServerList => _options.ServerUrls is { Length: > 0 } urls ? string.Join(", ", urls) : ElasticsearchStorageOptions.DefaultServerUrl;

    /// <summary>The version found at start.</summary>
    public ServerVersion? Version { get; private set; }

    public StorageRetention Retention => new(MaxAge: _options.Retention);

    /// <summary>True while a periodic retention run is in progress (a tick that comes meanwhile is skipped).</summary>
    internal bool RetentionRunning => Volatile.Read(ref _retentionRunning) != 0;

    /// <summary>The index kinds this role writes.</summary>
    private IndexKind[] Kinds => Names.Archive ? [IndexKind.Span] : [IndexKind.Span, IndexKind.Service, IndexKind.Dependencies, IndexKind.Sampling];

    /// <summary>Probes the cluster, checks its product and version, creates templates and rollover aliases, and starts retention.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        SearchResponse probe;
        try
        {
            probe = await _connection.SendAsync(HttpMethod.GET, "/", null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException ex)
        {
            throw new InvalidOperationException($"Storage '{_type}': the cluster at {ServerList} (Jaeger:Storage:Elasticsearch:ServerUrls) cannot be reached: {ex.Message}", ex);
        }

        if (!probe.IsSuccess)
        {
            throw new InvalidOperationException($"Storage '{_type}': GET / on {ServerList} answered HTTP {probe.Status}: {Truncate(probe.BodyText)}");
        }

        ServerVersion version;
        try
        {
            version = ServerVersion.Parse(probe.Body);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            throw new InvalidOperationException($"Storage '{_type}': the server at {ServerList} is not Elasticsearch or OpenSearch: {ex.Message}", ex);
        }

        if (version.Family == ServerFamily.Elasticsearch && probe.ProductHeader is null && version.Major >= 7)
        {
            // Elasticsearch 7.14+ always names itself; a server that claims to be Elasticsearch without it is not one.
            throw new InvalidOperationException($"Storage '{_type}': the server claims {version} but does not send the X-Elastic-Product header; it is not a genuine Elasticsearch.");
        }

        if (version.Family != _expected)
        {
            var other = version.IsOpenSearch ? "opensearch" : "elasticsearch";
            throw new InvalidOperationException($"Storage '{_type}': the cluster is {version}; select it with Jaeger:Storage:Type={other}.");
        }

        if (!version.IsSupported)
        {
            throw new InvalidOperationException($"Storage '{_type}': {version} is not supported; this storage supports Elasticsearch 8 and 9, OpenSearch 2 and 3.");
        }

        Version = version;
        LogConnected(_logger, _type, version.ToString());
        if (_options.CreateIndexTemplates)
        {
            foreach (var kind in Kinds)
            {
                var (path, body) = IndexTemplates.Build(kind, Names, _options, version);
                await SendCheckedAsync(HttpMethod.PUT, path, body, cancellationToken).ConfigureAwait(false);
            }
        }

        await EnsureRolloverIndicesAsync(cancellationToken).ConfigureAwait(false);
        if (_options.Retention is not null && !Names.Archive && !Names.UseAliases)
        {
            await RunRetentionAsync(cancellationToken).ConfigureAwait(false);
            _retentionTimer = _time.CreateTimer(static s => ((ElasticsearchStorage)s!).OnRetentionTimer(), this, _options.RetentionCheckInterval, _options.RetentionCheckInterval);
        }
    }

    /// <summary>Deletes dated indices whose period ended more than <see cref="ElasticsearchStorageOptions.Retention"/> ago; returns their names.</summary>
    public async Task<IReadOnlyList<string>> RunRetentionAsync(CancellationToken cancellationToken)
    {
        if (_options.Retention is not { } retention)
        {
            return [];
        }

        var cutoff = _time.GetUtcNow() - retention;
        var expired = new List<string>();
        foreach (var index in await ListIndicesAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var kind in Kinds)
            {
                if (Names.ParseDated(kind, index) is { } start && start + Names.Period(kind) <= cutoff)
                {
                    expired.Add(index);
                    break;
                }
            }
        }

        if (expired.Count > 0)
        {
            await DeleteIndicesAsync(expired, cancellationToken).ConfigureAwait(false);
            _metrics.IndicesDeleted(expired.Count);
            LogRetention(_logger, expired.Count, string.Join(", ", expired));
        }

        return expired;
    }

    /// <summary>Deletes every index of this role (primary: dated and rollover indices; archive: archive indices), then recreates rollover indices.</summary>
    public async ValueTask PurgeAsync(CancellationToken cancellationToken = default)
    {
        await Bulk.FlushAsync().ConfigureAwait(false);
        var mine = new List<string>();
        foreach (var index in await ListIndicesAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var kind in Kinds)
            {
                var head = Names.Prefix + IndexNames.BaseName(kind) + "-";
                if (index.StartsWith(head, StringComparison.Ordinal) && index.Contains("-archive", StringComparison.Ordinal) == Names.Archive)
                {
                    mine.Add(index);
                    break;
                }
            }
        }

        if (mine.Count > 0)
        {
            await DeleteIndicesAsync(mine, cancellationToken).ConfigureAwait(false);
        }

        _serviceCache.Clear();
        await EnsureRolloverIndicesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends pending bulks and makes written documents searchable (<c>_refresh</c>): for tests and tools.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await Bulk.FlushAsync().ConfigureAwait(false);
        await SendCheckedAsync(HttpMethod.POST, "/" + Names.Prefix + "jaeger-*/_refresh?ignore_unavailable=true&allow_no_indices=true", null, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_retentionTimer is not null)
        {
            await _retentionTimer.DisposeAsync().ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _retentionTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await Bulk.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _connection.Dispose();
            _stopping.Dispose();
        }
    }

    private void OnRetentionTimer()
    {
        if (Interlocked.Exchange(ref _retentionRunning, 1) != 0)
        {
            return;
        }

        _retentionTask = Task.Run(async () =>
        {
            try
            {
                await RunRetentionAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRetentionFailed(_logger, ex);
            }
            finally
            {
                Volatile.Write(ref _retentionRunning, 0);
            }
        });
    }

    // With rollover aliases, the first index of each kind carries the read alias and the write alias (Jaeger's es-rollover init).
    private async Task EnsureRolloverIndicesAsync(CancellationToken cancellationToken)
    {
        if (!Names.UseAliases)
        {
            return;
        }

        foreach (var kind in Kinds)
        {
            var write = Names.Alias(kind, write: true);
            var exists = await _connection.SendAsync(HttpMethod.HEAD, "/_alias/" + write, null, null, cancellationToken).ConfigureAwait(false);
            if (exists.IsSuccess)
            {
                continue;
            }

            var index = Names.Prefix + IndexNames.BaseName(kind) + (Names.Archive ? "-archive" : string.Empty) + "-000001";
            var body = SearchClient.Json(w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("aliases");
                w.WriteStartObject(Names.Alias(kind, write: false));
                w.WriteEndObject();
                w.WriteStartObject(write);
                w.WriteBoolean("is_write_index", true);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            });
            var created = await _connection.SendAsync(HttpMethod.PUT, "/" + index, body, "application/json", cancellationToken).ConfigureAwait(false);
            if (!created.IsSuccess && BulkIndexer.ErrorOf(created.Body).Type != "resource_already_exists_exception")
            {
                throw new StorageException("rollover_init", $"PUT /{index} failed with HTTP {created.Status}: {Truncate(created.BodyText)}", isTransient: created.Status >= 500);
            }
        }
    }

    private async Task<List<string>> ListIndicesAsync(CancellationToken cancellationToken)
    {
        using var doc = await Client.SendJsonAsync(HttpMethod.GET, "/_cat/indices/" + Names.Prefix + "jaeger-*?format=json&h=index", null, cancellationToken).ConfigureAwait(false);
        var names = new List<string>();
        if (doc is not null && doc.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var row in doc.RootElement.EnumerateArray())
            {
                if (row.TryGetProperty("index", out var name) && name.GetString() is { } text)
                {
                    names.Add(text);
                }
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private async Task DeleteIndicesAsync(List<string> indices, CancellationToken cancellationToken)
    {
        // Named one by one in the path (no wildcards): Elasticsearch refuses wildcard deletes by default.
        for (var i = 0; i < indices.Count; i += 50)
        {
            var chunk = string.Join(',', indices.Skip(i).Take(50));
            await SendCheckedAsync(HttpMethod.DELETE, "/" + chunk + "?ignore_unavailable=true", null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendCheckedAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        var response = await _connection.SendAsync(method, path, body, body is null ? null : "application/json", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            var (type, reason) = BulkIndexer.ErrorOf(response.Body);
            throw new StorageException(type ?? $"http_{response.Status}", $"{method} {path} failed with HTTP {response.Status}: {type}: {reason ?? Truncate(response.BodyText)}", response.Status is 429 or >= 500);
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Storage {Type} connected to {Version}.")]
    private static partial void LogConnected(ILogger logger, string type, string version);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Retention deleted {Count} indices: {Indices}.")]
    private static partial void LogRetention(ILogger logger, int count, string indices);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Retention failed; it runs again at the next interval.")]
    private static partial void LogRetentionFailed(ILogger logger, Exception exception);
}
