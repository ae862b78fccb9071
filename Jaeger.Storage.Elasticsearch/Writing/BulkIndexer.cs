using System.Buffers;
using System.Text.Json;
using Jaeger.Storage.Elasticsearch.Transport;
using Microsoft.Extensions.Logging;

namespace Jaeger.Storage.Elasticsearch.Writing;

/// <summary>
/// Jaeger's bulk processor: write calls add their actions to the pending bulk, which is sent (<c>POST /_bulk</c>,
/// NDJSON) when it holds <see cref="ElasticsearchBulkOptions.MaxActions"/> actions or <see cref="ElasticsearchBulkOptions.MaxBytes"/>
/// bytes, or <see cref="ElasticsearchBulkOptions.FlushInterval"/> after its first action; each call waits for the outcome
/// of its own items. Items rejected with 429 or 503 are sent again with doubling backoff; every other failed item
/// is counted by the server's error type and fails its call. Calls wait for room when
/// <see cref="ElasticsearchBulkOptions.MaxBufferedBytes"/> are buffered or in flight (back-pressure).
/// </summary>
internal sealed partial class BulkIndexer : IAsyncDisposable
{
    private readonly SearchConnection _connection;
    private readonly ElasticsearchBulkOptions _options;
    private readonly TimeProvider _time;
    private readonly ElasticsearchMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ByteBudget _budget;
    private readonly SemaphoreSlim _workers;
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _inFlight = [];
    private PendingBulk? _pending;
    private bool _disposed;

    public BulkIndexer(SearchConnection connection, ElasticsearchBulkOptions options, TimeProvider time, ElasticsearchMetrics metrics, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _budget = new ByteBudget(options.MaxBufferedBytes);
        _workers = new SemaphoreSlim(options.Workers, options.Workers);
    }

    /// <summary>The back-pressure budget (tests read it).</summary>
    internal ByteBudget Budget => _budget;

    /// <summary>Adds the segment to the pending bulk and waits until its items are stored or have failed.</summary>
    public async ValueTask SubmitAsync(BulkSegment segment, CancellationToken cancellationToken)
    {
        if (segment.Count == 0)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        await _budget.AcquireAsync(segment.Length, cancellationToken).ConfigureAwait(false);
        try
        {
            PendingBulk? full = null;
            lock (_lock)
            {
                _pending ??= new PendingBulk();
                var bulk = _pending;
                bulk.Add(segment);
                if (bulk.Actions >= _options.MaxActions || bulk.Bytes >= _options.MaxBytes || _options.FlushInterval <= TimeSpan.Zero)
                {
                    full = bulk;
                    _pending = null;
                }
                else if (bulk.Timer is null)
                {
                    bulk.Timer = _time.CreateTimer(static state => ((BulkIndexer)((object[])state!)[0]).OnInterval((PendingBulk)((object[])state!)[1]), new object[] { this, bulk }, _options.FlushInterval, Timeout.InfiniteTimeSpan);
                }
            }

            if (full is not null)
            {
                Start(full);
            }

            await segment.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _budget.Release(segment.Length);
        }
    }

    /// <summary>Sends what is pending now and waits for every bulk in flight.</summary>
    public async Task FlushAsync()
    {
        PendingBulk? bulk;
        lock (_lock)
        {
            bulk = _pending;
            _pending = null;
        }

        if (bulk is not null)
        {
            Start(bulk);
        }

        Task[] inFlight;
        lock (_lock)
        {
            inFlight = [.. _inFlight];
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await FlushAsync().ConfigureAwait(false);
        _disposed = true;
        _workers.Dispose();
    }

    private void OnInterval(PendingBulk bulk)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_pending, bulk))
            {
                return;
            }

            _pending = null;
        }

        Start(bulk);
    }

    private void Start(PendingBulk bulk)
    {
        bulk.Timer?.Dispose();
        var task = SendAsync(bulk);
        lock (_lock)
        {
            _inFlight.Add(task);
        }

        _ = task.ContinueWith(
            static (t, state) =>
            {
                var self = (BulkIndexer)state!;
                lock (self._lock)
                {
                    self._inFlight.Remove(t);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task SendAsync(PendingBulk bulk)
    {
        await _workers.WaitAsync().ConfigureAwait(false);
        try
        {
            List<(BulkSegment Segment, int Item)> items = [];
            foreach (var segment in bulk.Segments)
            {
                for (var i = 0; i < segment.Count; i++)
                {
                    items.Add((segment, i));
                }
            }

            var backoff = _options.InitialRetryBackoff;
            for (var attempt = 0; ; attempt++)
            {
                var body = Concat(items);
                SearchResponse response;
                try
                {
                    response = await _connection.SendAsync(HttpMethod.POST, "/_bulk", body, "application/x-ndjson", CancellationToken.None).ConfigureAwait(false);
                }
                catch (StorageException ex)
                {
                    FailAll(bulk, ex);
                    return;
                }

                _metrics.BulkRequest();
                if (!response.IsSuccess)
                {
                    var (type, reason) = ErrorOf(response.Body);
                    var retryable = response.Status is 429 or 503;
                    if (retryable && attempt < _options.MaxItemRetries)
                    {
                        _metrics.ItemsRetried(response.Status, items.Count);
                        await Task.Delay(backoff, _time).ConfigureAwait(false);
                        backoff = Next(backoff);
                        continue;
                    }

                    LogBulkFailed(_logger, response.Status, type ?? "unknown", reason ?? response.BodyText);
                    FailAll(bulk, new StorageException(type ?? $"http_{response.Status}", $"Bulk request failed with HTTP {response.Status}: {type}: {reason}", retryable || response.Status >= 500));
                    return;
                }

                var retry = Settle(items, response.Body, attempt < _options.MaxItemRetries);
                if (retry.Count == 0)
                {
                    break;
                }

                items = retry;
                await Task.Delay(backoff, _time).ConfigureAwait(false);
                backoff = Next(backoff);
            }

            foreach (var segment in bulk.Segments)
            {
                segment.Complete();
            }
        }
        catch (Exception ex)
        {
            FailAll(bulk, ex as StorageException ?? new StorageException("bulk_response", $"The bulk answer could not be read: {ex.Message}", isTransient: false, ex));
        }
        finally
        {
            _workers.Release();
        }
    }

    // Reads the per-item results; returns the items to send again (429/503 while attempts remain).
    private List<(BulkSegment Segment, int Item)> Settle(List<(BulkSegment Segment, int Item)> items, byte[] body, bool mayRetry)
    {
        var retry = new List<(BulkSegment, int)>();
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        if (!root.TryGetProperty("items"u8, out var results) || results.ValueKind != JsonValueKind.Array || results.GetArrayLength() != items.Count)
        {
            throw new StorageException("bulk_response", $"The bulk answer holds {(results.ValueKind == JsonValueKind.Array ? results.GetArrayLength() : 0)} items for {items.Count} actions.", isTransient: false);
        }

        var i = 0;
        var ok = 0;
        foreach (var result in results.EnumerateArray())
        {
            var (segment, item) = items[i++];
            var action = result.EnumerateObject().FirstOrDefault().Value;
            var status = action.ValueKind == JsonValueKind.Object && action.TryGetProperty("status"u8, out var s) && s.TryGetInt32(out var st) ? st : 0;
            if (status is >= 200 and < 300)
            {
                ok++;
                continue;
            }

            string? type = null, reason = null;
            if (action.ValueKind == JsonValueKind.Object && action.TryGetProperty("error"u8, out var error))
            {
                (type, reason) = ReadError(error);
            }

            var retryable = status is 429 or 503;
            if (retryable && mayRetry)
            {
                _metrics.ItemsRetried(status, 1);
                retry.Add((segment, item));
                continue;
            }

            var label = type ?? $"http_{status}";
            _metrics.ItemFailed(label, segment.Kind(item));
            LogItemFailed(_logger, status, label, reason ?? string.Empty);
            segment.Fail(label, $"Elasticsearch rejected a {segment.Kind(item)} document (HTTP {status}): {label}: {reason}", retryable);
        }

        _metrics.ItemsStored(ok);
        return retry;
    }

    private void FailAll(PendingBulk bulk, StorageException ex)
    {
        var count = 0;
        foreach (var segment in bulk.Segments)
        {
            count += segment.Count;
            segment.FailAll(ex);
        }

        _metrics.ItemFailed(ex.Reason, BulkItemKind.Span, count);
    }

    private TimeSpan Next(TimeSpan backoff) => TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxRetryBackoff.Ticks));

    private static ReadOnlyMemory<byte> Concat(List<(BulkSegment Segment, int Item)> items)
    {
        if (items.Count > 0 && items.Count == items[0].Segment.Count && ReferenceEquals(items[0].Segment, items[^1].Segment))
        {
            return items[0].Segment.Data;
        }

        var buffer = new ArrayBufferWriter<byte>();
        foreach (var (segment, item) in items)
        {
            buffer.Write(segment.Item(item).Span);
        }

        return buffer.WrittenMemory;
    }

    internal static (string? Type, string? Reason) ErrorOf(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error"u8, out var error))
            {
                return ReadError(error);
            }
        }
        catch (JsonException)
        {
        }

        return (null, null);
    }

    private static (string? Type, string? Reason) ReadError(JsonElement error) => error.ValueKind switch
    {
        JsonValueKind.Object => (
            error.TryGetProperty("type"u8, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null,
            error.TryGetProperty("reason"u8, out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null),
        JsonValueKind.String => (null, error.GetString()),
        _ => (null, null),
    };

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Elasticsearch rejected a bulk item (HTTP {Status}, {Type}): {Reason}")]
    private static partial void LogItemFailed(ILogger logger, int status, string type, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Bulk request failed (HTTP {Status}, {Type}): {Reason}")]
    private static partial void LogBulkFailed(ILogger logger, int status, string type, string reason);

    private sealed class PendingBulk
    {
        public List<BulkSegment> Segments { get; } = [];

        public int Actions { get; private set; }

        public int Bytes { get; private set; }

        public ITimer? Timer { get; set; }

        public void Add(BulkSegment segment)
        {
            Segments.Add(segment);
            Actions += segment.Count;
            Bytes += segment.Length;
        }
    }
}
