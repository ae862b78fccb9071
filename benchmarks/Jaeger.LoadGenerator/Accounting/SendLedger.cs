using System.Collections.Concurrent;

namespace Jaeger.LoadGenerator.Accounting;

/// <summary>The generator's own counts: spans sent and accepted, spans it gave up by reason, and retries. Thread-safe.</summary>
internal sealed class SendLedger
{
    private readonly ConcurrentDictionary<string, long> _drops = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _retries = new(StringComparer.Ordinal);
    private long _requests;
    private long _spansSent;
    private long _spansAccepted;
    private long _requestsAccepted;

    public long Requests => Interlocked.Read(ref _requests);

    public long SpansSent => Interlocked.Read(ref _spansSent);

    public long SpansAccepted => Interlocked.Read(ref _spansAccepted);

    public long RequestsAccepted => Interlocked.Read(ref _requestsAccepted);

    /// <summary>Spans given up by the generator, by reason.</summary>
    public IReadOnlyDictionary<string, long> Drops => _drops;

    /// <summary>Requests sent again after a push-back, by reason (not drops).</summary>
    public IReadOnlyDictionary<string, long> Retries => _retries;

    public long DroppedSpans => _drops.Values.Sum();

    public void Sent(int spans)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _spansSent, spans);
    }

    public void Accepted(int spans)
    {
        Interlocked.Increment(ref _requestsAccepted);
        Interlocked.Add(ref _spansAccepted, spans);
    }

    public void Dropped(int spans, string reason) => _drops.AddOrUpdate(reason, spans, (_, n) => n + spans);

    public void Retried(string reason) => _retries.AddOrUpdate(reason, 1, (_, n) => n + 1);
}
