using System.IO.Compression;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.ADO.Readers;
using ClickHouse.Driver.Copy;

namespace Jaeger.Storage.ClickHouse;

/// <summary>
/// The store's access to ClickHouse through the official driver's HTTP client: statements with server-side query
/// parameters, readers, and binary (RowBinary) inserts; every failure becomes a <see cref="StorageException"/>.
/// Table names are always qualified with the database, so the database need not exist when the client is made.
/// </summary>
internal sealed class ClickHouseDatabase : IDisposable
{
    // ClickHouse error codes after which the same request may succeed later.
    private static readonly Dictionary<int, string> TransientCodes = new()
    {
        [159] = "timeout", [160] = "timeout", [209] = "timeout", [394] = "timeout",
        [202] = "overloaded", [203] = "overloaded", [241] = "overloaded", [252] = "overloaded",
        [210] = "unavailable", [242] = "unavailable", [285] = "unavailable", [319] = "unavailable", [425] = "unavailable", [999] = "unavailable",
    };

    // Jaeger's spans table feeds six materialized views: push a block to them in parallel rather than one after another.
    private static readonly QueryOptions InsertSettings = new() { CustomSettings = new Dictionary<string, object> { ["parallel_view_processing"] = 1 } };

    private readonly InsertOptions _insertOptions;

    public ClickHouseDatabase(ClickHouseStorageOptions options, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var uri = new Uri(options.Endpoint, UriKind.Absolute);
        var settings = new ClickHouseClientSettings
        {
            Host = uri.Host,
            Port = (ushort)uri.Port,
            Protocol = uri.Scheme,
            Path = uri.AbsolutePath == "/" ? null! : uri.AbsolutePath,
            Username = options.Username,
            Password = options.Password,
            Timeout = options.Timeout,
            UseCompression = true,
            HttpClient = httpClient!,
        };

        Client = new ClickHouseClient(settings);
        Name = options.Database;
        _insertOptions = new InsertOptions { BatchSize = Math.Max(options.BatchSize, 1000), MaxDegreeOfParallelism = 1, Format = RowBinaryFormat.RowBinary, UseSchemaCache = true };
    }

    public ClickHouseClient Client { get; }

    /// <summary>The database name.</summary>
    public string Name { get; }

    /// <summary>A table of the store, qualified with the database.</summary>
    public string Table(string table) => $"{Name}.{table}";

    public static ClickHouseDbParameter Parameter(string name, string type, object value) => new() { ParameterName = name, ClickHouseType = type, Value = value };

    public async Task ExecuteAsync(string operation, string sql, CancellationToken cancellationToken, params IEnumerable<ClickHouseDbParameter> parameters)
    {
        try
        {
            await Client.ExecuteNonQueryAsync(sql, Collection(parameters), null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, operation, cancellationToken) is { } storage)
        {
            throw storage;
        }
    }

    /// <summary>Runs a query and hands each row to <paramref name="read"/>.</summary>
    public async Task ReadAsync(string operation, string sql, Action<ClickHouseDataReader> read, CancellationToken cancellationToken, params IEnumerable<ClickHouseDbParameter> parameters)
    {
        try
        {
            using var reader = await Client.ExecuteReaderAsync(sql, Collection(parameters), null, cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                read(reader);
            }
        }
        catch (Exception e) when (Translate(e, operation, cancellationToken) is { } storage)
        {
            throw storage;
        }
    }

    /// <summary>Inserts rows in one binary INSERT.</summary>
    public async Task<long> InsertAsync(string operation, string table, IReadOnlyList<string> columns, IReadOnlyList<object[]> rows, CancellationToken cancellationToken)
    {
        try
        {
            return await Client.InsertBinaryAsync(Table(table), columns, rows, _insertOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, operation, cancellationToken) is { } storage)
        {
            throw storage;
        }
    }

    /// <summary>
    /// Inserts rows already encoded in RowBinary (<paramref name="columns"/> in their order) in one INSERT, the body
    /// gzip-compressed at the fastest level (the driver's own raw-stream compression uses the default level, which
    /// cost more CPU than encoding the rows).
    /// </summary>
    public async Task InsertRowBinaryAsync(string operation, string table, IReadOnlyList<string> columns, Writing.RowBinaryBuffer rows, CancellationToken cancellationToken)
    {
        try
        {
            var sql = $"INSERT INTO {Table(table)} ({string.Join(", ", columns)}) FORMAT RowBinary";
            using var body = new MemoryStream(Math.Max(rows.Length / 4, 1024));
            using (var gzip = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(rows.Written.Span);
            }

            body.Position = 0;
            using var response = await Client.PostStreamAsync(sql, body, isCompressed: true, cancellationToken, InsertSettings).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, operation, cancellationToken) is { } storage)
        {
            throw storage;
        }
    }

    public void Dispose() => Client.Dispose();

    /// <summary>The failure as a <see cref="StorageException"/>; null for the caller's own cancellation (rethrown as is).</summary>
    internal static StorageException? Translate(Exception e, string operation, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case StorageException:
                return null;
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case OperationCanceledException or TimeoutException:
                return new StorageException("timeout", $"ClickHouse {operation} timed out: {e.Message}", isTransient: true, e);
            case ClickHouseServerException server:
                var code = server.ErrorCode;
                return TransientCodes.TryGetValue(code, out var reason)
                    ? new StorageException(reason, $"ClickHouse {operation} failed (code {code}): {server.Message}", isTransient: true, e)
                    : new StorageException("rejected", $"ClickHouse {operation} failed (code {code}): {server.Message}", isTransient: false, e);
            case HttpRequestException or IOException:
                return new StorageException("network", $"ClickHouse {operation} failed: {e.Message}", isTransient: true, e);
            case ClickHouseBulkCopySerializationException or InvalidCastException or FormatException or ArgumentException:
                return new StorageException("mapping", $"ClickHouse {operation}: a value did not fit its column: {e.Message}", isTransient: false, e);
            default:
                return new StorageException("error", $"ClickHouse {operation} failed: {e.Message}", isTransient: false, e);
        }
    }

    private static ClickHouseParameterCollection? Collection(IEnumerable<ClickHouseDbParameter> parameters)
    {
        ClickHouseParameterCollection? collection = null;
        foreach (var parameter in parameters)
        {
            collection ??= [];
            collection.Add(parameter);
        }

        return collection;
    }
}
