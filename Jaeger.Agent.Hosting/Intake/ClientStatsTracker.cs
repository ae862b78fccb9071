using Jaeger.Agent.Hosting.Diagnostics;
using Jaeger.Model;

namespace Jaeger.Agent.Hosting.Intake;

/// <summary>
/// Turns the cumulative drop counts clients report in <c>Batch.stats</c>, and gaps in <c>Batch.seqNo</c>, into
/// per-client counters. A client is its process tag <c>client-uuid</c>, else service name and <c>ip</c> tag.
/// The number of tracked clients is bounded: the least recently seen is forgotten first, and idle ones expire.
/// </summary>
internal sealed class ClientStatsTracker
{
    private readonly Dictionary<string, ClientState> _clients = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly AgentMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly int _maxClients;
    private readonly TimeSpan _expiry;

    public ClientStatsTracker(AgentMetrics metrics, TimeProvider time, int maxClients, TimeSpan expiry)
    {
        _metrics = metrics;
        _time = time;
        _maxClients = maxClients;
        _expiry = expiry;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _clients.Count;
            }
        }
    }

    public static string ClientKey(Process process)
    {
        string? ip = null;
        foreach (var tag in process.Tags)
        {
            if (tag.Key == "client-uuid")
            {
                return tag.ValueAsString();
            }

            if (tag.Key == "ip")
            {
                ip = tag.ValueAsString();
            }
        }

        return ip is null ? process.ServiceName : $"{process.ServiceName}@{ip}";
    }

    public void Record(Batch batch)
    {
        if (batch.SeqNo is null && batch.Stats is null)
        {
            return;
        }

        var key = ClientKey(batch.Process);
        var now = _time.GetTimestamp();
        long lost = 0, fullQueue = 0, tooLarge = 0, failed = 0;
        lock (_gate)
        {
            if (!_clients.TryGetValue(key, out var state) || _time.GetElapsedTime(state.LastSeen, now) > _expiry)
            {
                if (state is null && _clients.Count >= _maxClients)
                {
                    Evict(now);
                }

                state = new ClientState();
                _clients[key] = state;
            }

            state.LastSeen = now;
            if (batch.SeqNo is { } seqNo)
            {
                if (state.LastSeqNo is { } last && seqNo > last + 1)
                {
                    lost = seqNo - last - 1;
                }

                if (state.LastSeqNo is null || seqNo > state.LastSeqNo)
                {
                    state.LastSeqNo = seqNo;
                }
            }

            if (batch.Stats is { } stats)
            {
                fullQueue = Delta(ref state.FullQueue, stats.FullQueueDroppedSpans);
                tooLarge = Delta(ref state.TooLarge, stats.TooLargeDroppedSpans);
                failed = Delta(ref state.Failed, stats.FailedToEmitSpans);
            }
        }

        _metrics.ClientBatch(key);
        if (lost > 0)
        {
            _metrics.ClientBatchesLost(key, lost);
        }

        if (fullQueue > 0)
        {
            _metrics.ClientSpansDropped(key, "full-queue", fullQueue);
        }

        if (tooLarge > 0)
        {
            _metrics.ClientSpansDropped(key, "too-large", tooLarge);
        }

        if (failed > 0)
        {
            _metrics.ClientSpansDropped(key, "send-failure", failed);
        }
    }

    // The counts are cumulative since the client started; a smaller value means the client restarted.
    private static long Delta(ref long last, long current)
    {
        var delta = current >= last ? current - last : current;
        last = current;
        return delta;
    }

    private void Evict(long now)
    {
        string? oldestKey = null;
        var oldest = long.MaxValue;
        List<string>? expired = null;
        foreach (var (key, state) in _clients)
        {
            if (_time.GetElapsedTime(state.LastSeen, now) > _expiry)
            {
                (expired ??= []).Add(key);
            }
            else if (state.LastSeen < oldest)
            {
                oldest = state.LastSeen;
                oldestKey = key;
            }
        }

        if (expired is not null)
        {
            foreach (var key in expired)
            {
                _clients.Remove(key);
            }
        }
        else if (oldestKey is not null)
        {
            _clients.Remove(oldestKey);
        }
    }

    private sealed class ClientState
    {
        public long LastSeen;
        public long? LastSeqNo;
        public long FullQueue;
        public long TooLarge;
        public long Failed;
    }
}
