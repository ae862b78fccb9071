namespace Jaeger.Model;

/// <summary>
/// Spans sent together by one process, as in jaeger.thrift's Batch: the unit that flows from a collector's receiver
/// through its queue to every <see cref="Storage.ISpanWriter"/>, without being split or copied.
/// </summary>
/// <remarks>
/// Once a batch has entered a collector's pipeline, each of its spans has <see cref="Process"/> as its
/// <see cref="Span.Process"/> (the same instance), so a writer may read the process from either.
/// </remarks>
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

    /// <summary>The spans. The pipeline may replace the list (for example when a filter removes spans).</summary>
    public IList<Span> Spans { get; set; }

    /// <summary>The sender's batch sequence number, when it sends one; gaps reveal lost batches.</summary>
    public long? SeqNo { get; set; }

    /// <summary>Drop counts the sender reports about itself.</summary>
    public ClientStats? Stats { get; set; }

    /// <summary>The format the spans arrived in (<c>jaeger</c>, <c>proto</c>, <c>otlp</c>, <c>zipkin</c>, <c>inprocess</c>); "" when not known.</summary>
    public string Format { get; set; } = string.Empty;

    /// <summary>The transport the spans arrived by (<c>http</c>, <c>grpc</c>, <c>udp</c>, <c>inprocess</c>); "" when not known.</summary>
    public string Transport { get; set; } = string.Empty;

    /// <summary>Sets every span's process to <see cref="Process"/>.</summary>
    public void StampProcess()
    {
        var process = Process;
        var spans = Spans;
        for (var i = 0; i < spans.Count; i++)
        {
            spans[i].Process = process;
        }
    }
}

/// <summary>Spans a client dropped before sending, as it reports them in each batch.</summary>
/// <param name="FullQueueDroppedSpans">Dropped because the reporter queue was full.</param>
/// <param name="TooLargeDroppedSpans">Dropped because a span did not fit any packet.</param>
/// <param name="FailedToEmitSpans">Dropped because sending failed.</param>
public readonly record struct ClientStats(long FullQueueDroppedSpans, long TooLargeDroppedSpans, long FailedToEmitSpans);
