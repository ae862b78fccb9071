using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Builder;

/// <summary>
/// The storage a host selected: the primary backends (written to all, read from the first) and the archive. Created
/// when the host first needs storage; an unknown type, or one this host has no package for, fails there with a
/// message listing the types this host knows.
/// </summary>
public sealed partial class JaegerStorage : IAsyncDisposable, IDisposable
{
    private readonly ILogger<JaegerStorage> _logger;
    private int _started;

    internal JaegerStorage(StorageRegistry registry, IOptions<JaegerStorageOptions> options, IServiceProvider services, StorageWriteMetrics metrics, TimeProvider time, ILogger<JaegerStorage> logger)
    {
        _logger = logger;
        var value = options.Value;
        KnownTypes = [.. registry.Order];
        var configuration = services.GetService<IConfiguration>();
        var typeText = registry.FixedType;
        var source = "code (UseType)";
        if (string.IsNullOrWhiteSpace(typeText))
        {
            (typeText, source) = (value.Type, $"{JaegerStorageOptions.SectionName}:Type");
        }

        if (string.IsNullOrWhiteSpace(typeText))
        {
            (typeText, source) = (configuration?[JaegerStorageOptions.EnvironmentVariable], JaegerStorageOptions.EnvironmentVariable);
        }

        if (string.IsNullOrWhiteSpace(typeText))
        {
            (typeText, source) = (registry.DefaultType ?? registry.Order.FirstOrDefault(), "the builder's default");
        }

        if (string.IsNullOrWhiteSpace(typeText))
        {
            throw new InvalidOperationException("No storage backend was added to AddJaegerStorage(): add one, for example b => b.AddMemory().");
        }

        var types = typeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var primary = new List<StorageBackend>(types.Length);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            foreach (var type in types)
            {
                if (!seen.Add(type))
                {
                    throw new InvalidOperationException($"Storage type '{type}' is named twice in {source} ('{typeText}').");
                }

                primary.Add(Create(registry, services, type, StorageRole.Primary, source));
            }

            if (primary.Count == 0)
            {
                throw new InvalidOperationException($"{source} names no storage type ('{typeText}'). This host knows: {string.Join(", ", KnownTypes)}.");
            }

            var archiveType = value.Archive.Type;
            if (!string.IsNullOrWhiteSpace(archiveType))
            {
                if (archiveType.Contains(',', StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{JaegerStorageOptions.SectionName}:Archive:Type names one storage type, not a list ('{archiveType}').");
                }

                Archive = Create(registry, services, archiveType.Trim(), StorageRole.Archive, $"{JaegerStorageOptions.SectionName}:Archive:Type");
            }
        }
        catch
        {
            foreach (var backend in primary)
            {
                backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw;
        }

        Primary = primary;
        Writer = new StorageWriter(primary, value.WriteRetry, metrics, time);
    }

    /// <summary>The storage types this host can select.</summary>
    public IReadOnlyList<string> KnownTypes { get; }

    /// <summary>The primary backends, in the order configuration named them.</summary>
    public IReadOnlyList<StorageBackend> Primary { get; }

    /// <summary>The archive backend; null when none is configured.</summary>
    public StorageBackend? Archive { get; }

    /// <summary>Writes to every primary backend, trying each again on transient failures.</summary>
    public ISpanWriter Writer { get; }

    /// <summary>Reads from the first primary backend.</summary>
    public ISpanReader Reader => Primary[0].Reader;

    /// <summary>The first primary backend's part of type <typeparamref name="T"/>, or null.</summary>
    internal T? FirstPart<T>(Func<StorageBackend, T?> part)
        where T : class
    {
        foreach (var backend in Primary)
        {
            if (part(backend) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>Prepares every backend (schemas, templates, files); the first call does the work.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }

        foreach (var backend in Primary)
        {
            await backend.StartAsync(cancellationToken).ConfigureAwait(false);
            LogStarted(_logger, backend.Type, "primary");
        }

        if (Archive is not null)
        {
            await Archive.StartAsync(cancellationToken).ConfigureAwait(false);
            LogStarted(_logger, Archive.Type, "archive");
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var backend in Primary)
        {
            await backend.DisposeAsync().ConfigureAwait(false);
        }

        if (Archive is not null)
        {
            await Archive.DisposeAsync().ConfigureAwait(false);
        }
    }

    private StorageBackend Create(StorageRegistry registry, IServiceProvider services, string type, StorageRole role, string source)
    {
        if (!registry.Factories.TryGetValue(type, out var factory))
        {
            throw new InvalidOperationException(
                $"Unknown storage type '{type}' in {source}. This host knows: {(KnownTypes.Count == 0 ? "none (no backend package was added to AddJaegerStorage)" : string.Join(", ", KnownTypes))}. " +
                "A type from another package needs that package referenced and added, for example b => b.AddElasticsearch().");
        }

        return factory(services, role) ?? throw new InvalidOperationException($"The factory of storage type '{type}' returned null.");
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Storage {Type} ({Role}) is ready.")]
    private static partial void LogStarted(ILogger logger, string type, string role);
}
