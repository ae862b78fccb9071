using Jaeger.Model;

namespace Jaeger.Client.Senders;

/// <summary>Moves batches of finished spans out of the process. Implementations count their own failures and never throw for I/O errors.</summary>
internal interface ISender : IAsyncDisposable
{
    /// <summary>Sends spans (all of one process), splitting them as the transport needs.</summary>
    ValueTask<SendResult> SendAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken);
}

/// <summary>What happened to the spans of one send.</summary>
/// <param name="Sent">Spans handed to the transport.</param>
/// <param name="Failed">Spans lost because the transport failed or refused them.</param>
/// <param name="TooLarge">Spans dropped because they fit no packet or request.</param>
/// <param name="FailureReason">A short reason for the failed spans (metric tag).</param>
internal readonly record struct SendResult(int Sent, int Failed = 0, int TooLarge = 0, string FailureReason = "");

/// <summary>Client-side drop totals reported in each UDP batch (jaeger.thrift ClientStats).</summary>
internal sealed class SenderStats
{
    private long _fullQueue;
    private long _tooLarge;
    private long _failedToEmit;

    public void AddFullQueue(long n) => Interlocked.Add(ref _fullQueue, n);

    public void AddTooLarge(long n) => Interlocked.Add(ref _tooLarge, n);

    public void AddFailedToEmit(long n) => Interlocked.Add(ref _failedToEmit, n);

    public ClientStats Snapshot() => new(Interlocked.Read(ref _fullQueue), Interlocked.Read(ref _tooLarge), Interlocked.Read(ref _failedToEmit));
}

/// <summary>Accepts and discards (benchmarks and disabled tracing).</summary>
internal sealed class NoopSender : ISender
{
    public ValueTask<SendResult> SendAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken) => new(new SendResult(spans.Count));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
