namespace Jaeger.Storage.Elasticsearch.Writing;

/// <summary>
/// Bytes buffered or in flight, bounded: a writer waits (first come, first served) until its bytes fit. A request
/// larger than the whole budget is let through alone, so it cannot wait forever.
/// </summary>
internal sealed class ByteBudget
{
    private readonly long _capacity;
    private readonly Queue<(long Bytes, TaskCompletionSource Granted)> _waiters = new();
    private readonly Lock _lock = new();
    private long _used;

    public ByteBudget(long capacity) => _capacity = capacity;

    /// <summary>Bytes taken now.</summary>
    public long Used
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    /// <summary>Writers waiting for room now.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    public async ValueTask AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        TaskCompletionSource granted;
        lock (_lock)
        {
            if (_waiters.Count == 0 && (_used == 0 || _used + bytes <= _capacity))
            {
                _used += bytes;
                return;
            }

            granted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue((bytes, granted));
        }

        try
        {
            await granted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                if (granted.Task.IsCompletedSuccessfully)
                {
                    // Granted while being cancelled: give the bytes back.
                    _used -= bytes;
                    GrantWaiters();
                }
                else
                {
                    granted.TrySetCanceled(cancellationToken);
                }
            }

            throw;
        }
    }

    public void Release(long bytes)
    {
        lock (_lock)
        {
            _used -= bytes;
            GrantWaiters();
        }
    }

    private void GrantWaiters()
    {
        while (_waiters.Count > 0)
        {
            var (bytes, granted) = _waiters.Peek();
            if (granted.Task.IsCanceled)
            {
                _waiters.Dequeue();
                continue;
            }

            if (_used != 0 && _used + bytes > _capacity)
            {
                return;
            }

            _waiters.Dequeue();
            _used += bytes;
            granted.TrySetResult();
        }
    }
}
