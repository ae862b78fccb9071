namespace Jaeger.Storage.Conformance;

/// <summary>A fresh, empty storage backend under test: its writer, reader and dependency store, and how to clean it up.</summary>
public sealed class StorageBackend : IAsyncDisposable
{
    private readonly Func<ValueTask>? _dispose;

    /// <summary>Creates the backend handle.</summary>
    /// <param name="writer">Writes spans.</param>
    /// <param name="reader">Reads spans.</param>
    /// <param name="dependencyReader">Reads dependency links.</param>
    /// <param name="dependencyWriter">Writes dependency links; null when the backend cannot (those cases then pass without checking).</param>
    /// <param name="dispose">Cleans the backend up after a test.</param>
    public StorageBackend(ISpanWriter writer, ISpanReader reader, IDependencyReader dependencyReader, IDependencyWriter? dependencyWriter, Func<ValueTask>? dispose = null)
    {
        Writer = writer ?? throw new ArgumentNullException(nameof(writer));
        Reader = reader ?? throw new ArgumentNullException(nameof(reader));
        DependencyReader = dependencyReader ?? throw new ArgumentNullException(nameof(dependencyReader));
        DependencyWriter = dependencyWriter;
        _dispose = dispose;
    }

    public ISpanWriter Writer { get; }

    public ISpanReader Reader { get; }

    public IDependencyReader DependencyReader { get; }

    public IDependencyWriter? DependencyWriter { get; }

    public ValueTask DisposeAsync() => _dispose?.Invoke() ?? ValueTask.CompletedTask;
}
