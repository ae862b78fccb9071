namespace Jaeger.Model;

/// <summary>Spans sent together by one process, as in jaeger.thrift's Batch.</summary>
public sealed class Batch
{
    /// <summary>Creates a batch; each span's <see cref="Span.Process"/> is expected to be <paramref name="process"/>.</summary>
    public Batch(Process process, IList<Span> spans)
    {
        Process = process ?? throw new ArgumentNullException(nameof(process));
        Spans = spans ?? throw new ArgumentNullException(nameof(spans));
    }

    /// <summary>The emitting process.</summary>
    public Process Process { get; set; }

    /// <summary>The spans.</summary>
    public IList<Span> Spans { get; }

    /// <summary>The sender's batch sequence number, when it sends one; gaps reveal lost batches.</summary>
    public long? SeqNo { get; set; }

    /// <summary>Drop counts the sender reports about itself.</summary>
    public ClientStats? Stats { get; set; }
}

/// <summary>Spans a client dropped before sending, as it reports them in each batch.</summary>
/// <param name="FullQueueDroppedSpans">Dropped because the reporter queue was full.</param>
/// <param name="TooLargeDroppedSpans">Dropped because a span did not fit any packet.</param>
/// <param name="FailedToEmitSpans">Dropped because sending failed.</param>
public readonly record struct ClientStats(long FullQueueDroppedSpans, long TooLargeDroppedSpans, long FailedToEmitSpans);
