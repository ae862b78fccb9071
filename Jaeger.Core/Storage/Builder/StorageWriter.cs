using System.Diagnostics.Metrics;
using Jaeger.Model;

namespace Jaeger.Storage.Builder;

/// <summary>
/// Writes each call to every primary backend, side by side; a backend's transient failure is tried again with
/// doubling backoff up to <see cref="StorageWriteRetryOptions.MaxAttempts"/>. Retries and final failures are counted
/// in spans by backend and reason. When a backend finally fails, the call throws once every backend is done, so
/// the collector counts the spans as not stored (and, with at-least-once ingest, the sender is told). Its write
/// preferences are the largest any backend's writer states, since every call goes to every backend.
/// </summary>
internal sealed class StorageWriter : ISpanWriter, ISpanWriterPreferences
{
    private readonly StorageBackend[] _backends;
    private readonly StorageWriteRetryOptions _retry;
    private readonly StorageWriteMetrics _metrics;
    private readonly TimeProvider _time;

    public StorageWriter(IReadOnlyList<StorageBackend> backends, StorageWriteRetryOptions retry, StorageWriteMetrics metrics, TimeProvider time)
    {
        _backends = [.. backends];
        _retry = retry;
        _metrics = metrics;
        _time = time;
        foreach (var backend in _backends)
        {
            if (backend.Writer is ISpanWriterPreferences preferences)
            {
                PreferredConcurrentWrites = Math.Max(PreferredConcurrentWrites, preferences.PreferredConcurrentWrites);
                PreferredSpansPerWrite = Math.Max(PreferredSpansPerWrite, preferences.PreferredSpansPerWrite);
            }
        }
    }

    public int PreferredConcurrentWrites { get; }

    /// <summary>The storage and its backends' types, as logs name it (for example "storage (clickhouse)").</summary>
    public override string ToString() => $"storage ({string.Join(", ", _backends.Select(b => b.Type))})";

    public int PreferredSpansPerWrite { get; }

    public ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        return _backends.Length == 1 ? WriteWithRetryAsync(_backends[0], batches, cancellationToken) : WriteAllAsync(batches, cancellationToken);
    }

    private async ValueTask WriteAllAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken)
    {
        var tasks = new Task[_backends.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = WriteWithRetryAsync(_backends[i], batches, cancellationToken).AsTask();
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            // Task.WhenAll rethrows the first failure; each backend's failure was already counted.
            foreach (var task in tasks)
            {
                if (task.IsFaulted && task.Exception?.InnerException is { } inner)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
                }
            }

            throw;
        }
    }

    private async ValueTask WriteWithRetryAsync(StorageBackend backend, IReadOnlyList<Batch> batches, CancellationToken cancellationToken)
    {
        var backoff = _retry.InitialBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await backend.Writer.WriteAsync(batches, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var (reason, transient) = Classify(ex);
                var spans = batches.SpanCount();
                if (!transient || attempt >= _retry.MaxAttempts)
                {
                    _metrics.Failed(backend.Type, reason, spans);
                    if (ex is StorageException)
                    {
                        throw;
                    }

                    throw new StorageException(reason, $"Storage '{backend.Type}' failed to store {spans} spans after {attempt} attempt(s): {ex.Message}", transient, ex);
                }

                _metrics.Retried(backend.Type, reason, spans);
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _retry.MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>The label a failure is counted by, and whether trying again may help.</summary>
    internal static (string Reason, bool Transient) Classify(Exception ex) => ex switch
    {
        StorageException storage => (storage.Reason, storage.IsTransient),
        ArgumentException => ("invalid", false),
        OperationCanceledException or TimeoutException => ("timeout", true),
        IOException => ("io", true),
        _ => (ex.GetType().Name, true),
    };
}

/// <summary>The meter <c>Jaeger.Storage</c>: write retries and failures, in spans, by backend and reason.</summary>
internal sealed class StorageWriteMetrics
{
    private readonly Counter<long> _retries;
    private readonly Counter<long> _failures;

    public StorageWriteMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create("Jaeger.Storage") ?? new Meter("Jaeger.Storage");
        _retries = meter.CreateCounter<long>("jaeger.storage.write.retries", "{span}", "Spans whose write to a backend failed transiently and was tried again.");
        _failures = meter.CreateCounter<long>("jaeger.storage.write.failures", "{span}", "Spans a backend finally failed to store.");
    }

    public void Retried(string backend, string reason, int spans) =>
        _retries.Add(spans, new KeyValuePair<string, object?>("backend", backend), new KeyValuePair<string, object?>("reason", reason));

    public void Failed(string backend, string reason, int spans) =>
        _failures.Add(spans, new KeyValuePair<string, object?>("backend", backend), new KeyValuePair<string, object?>("reason", reason));
}
