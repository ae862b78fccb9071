namespace Jaeger.Storage;

/// <summary>
/// One storage backend's parts, as a backend's factory returns them to the storage builder and as the conformance
/// kit tests them: a span writer and reader, and whichever of the other stores the backend has.
/// </summary>
/// <remarks>
/// Parts may be one object. <see cref="StartAsync"/> runs <see cref="OnStart"/> (create a schema, index templates,
/// open files) before the first write; <see cref="DisposeAsync"/> runs <see cref="OnDispose"/> when given, else disposes
/// each distinct part once.
/// </remarks>
public sealed class StorageBackend : IAsyncDisposable
{
    private int _disposed;

    /// <summary>Creates the handle.</summary>
    /// <param name="type">The storage type name it was selected by (<c>memory</c>, <c>embedded</c> ...).</param>
    /// <param name="writer">Writes spans.</param>
    /// <param name="reader">Reads spans.</param>
    public StorageBackend(string type, ISpanWriter writer, ISpanReader reader)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        Type = type;
        Writer = writer ?? throw new ArgumentNullException(nameof(writer));
        Reader = reader ?? throw new ArgumentNullException(nameof(reader));
    }

    /// <summary>The storage type name.</summary>
    public string Type { get; }

    /// <summary>Writes spans.</summary>
    public ISpanWriter Writer { get; }

    /// <summary>Reads spans.</summary>
    public ISpanReader Reader { get; }

    /// <summary>Reads dependency links; null when the backend has none.</summary>
    public IDependencyReader? DependencyReader { get; init; }

    /// <summary>Stores dependency links; null when the backend cannot.</summary>
    public IDependencyWriter? DependencyWriter { get; init; }

    /// <summary>The adaptive-sampling store; null when the backend has none.</summary>
    public ISamplingStore? SamplingStore { get; init; }

    /// <summary>The leader-election lease; null when the backend has none.</summary>
    public ILeaseStore? LeaseStore { get; init; }

    /// <summary>Span-derived RED metrics; null when the backend has none.</summary>
    public IMetricsReader? MetricsReader { get; init; }

    /// <summary>Stores the collector's span-derived RED aggregates; null when the backend cannot.</summary>
    public IMetricsWriter? MetricsWriter { get; init; }

    /// <summary>Purge and retention; null when the backend has none.</summary>
    public IStorageMaintenance? Maintenance { get; init; }

    /// <summary>Prepares the backend before its first write; null when it needs nothing.</summary>
    public Func<CancellationToken, ValueTask>? OnStart { get; init; }

    /// <summary>Releases the backend; null to dispose each distinct part that is disposable.</summary>
    public Func<ValueTask>? OnDispose { get; init; }

    /// <summary>Runs <see cref="OnStart"/>.</summary>
    public ValueTask StartAsync(CancellationToken cancellationToken = default) => OnStart?.Invoke(cancellationToken) ?? ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (OnDispose is not null)
        {
            await OnDispose().ConfigureAwait(false);
            return;
        }

        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var part in new object?[] { Writer, Reader, DependencyReader, DependencyWriter, SamplingStore, LeaseStore, MetricsReader, MetricsWriter, Maintenance })
        {
            if (part is null || !seen.Add(part))
            {
                continue;
            }

            if (part is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else if (part is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }
}
