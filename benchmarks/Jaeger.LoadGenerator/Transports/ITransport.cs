using Jaeger.LoadGenerator.Generation;

namespace Jaeger.LoadGenerator.Transports;

/// <summary>What became of one request or datagram.</summary>
internal enum SendStatus
{
    /// <summary>HTTP 2xx, gRPC OK, or the datagram left the socket.</summary>
    Accepted,

    /// <summary>HTTP 429 or gRPC RESOURCE_EXHAUSTED: the receiver asks to retry later.</summary>
    PushedBack,

    /// <summary>Anything else; <see cref="SendOutcome.Reason"/> says what.</summary>
    Failed,
}

/// <summary>The outcome of one send, with a drop reason for failures ("HTTP 503", "gRPC Unavailable", ...).</summary>
internal readonly record struct SendOutcome(SendStatus Status, string? Reason = null)
{
    public static SendOutcome Accepted { get; } = new(SendStatus.Accepted);
}

/// <summary>One way of delivering pre-encoded requests to a Jaeger agent or collector. Safe for concurrent senders.</summary>
internal interface ITransport : IAsyncDisposable
{
    /// <summary>The encoding the requests must have.</summary>
    TemplateFormat Format { get; }

    /// <summary>What "accepted" means for this transport, for the report.</summary>
    string AcceptedMeaning { get; }

    /// <summary>Sends one encoded request (the buffer may be reused once the returned task completes).</summary>
    ValueTask<SendOutcome> SendAsync(byte[] request, CancellationToken cancellationToken);
}
