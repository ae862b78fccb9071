using Jaeger.Model;

namespace Jaeger.Agent.Hosting.Forwarding;

/// <summary>Delivers batches to one collector.</summary>
internal interface ICollectorClient : IDisposable
{
    /// <summary>The collector, for logs.</summary>
    string Name { get; }

    /// <summary>Sends one batch; never throws for a collector's failure, it says whether a retry may help.</summary>
    Task<SendResult> SendAsync(Batch batch, CancellationToken cancellationToken);
}

/// <summary>What became of one send.</summary>
internal enum SendOutcome
{
    Delivered,
    Retryable,
    Rejected,
}

/// <summary>The outcome of a send and, for failures, a short reason for logs; a delivered batch may still have had spans refused.</summary>
internal readonly record struct SendResult(SendOutcome Outcome, string Reason, int RefusedSpans = 0)
{
    public static SendResult Delivered { get; } = new(SendOutcome.Delivered, string.Empty);
}
