using Jaeger.Model;

namespace Jaeger.Client.Senders;

/// <summary>
/// Splits the spans of one send into requests whose encoded spans fit a byte budget, posts each request, and adds up
/// the outcome. Shared by the request-based senders (HTTP Thrift, gRPC api_v2).
/// </summary>
internal static class RequestSplitter
{
    /// <summary>Posts <paramref name="spans"/> in chunks.</summary>
    /// <param name="spans">Spans of one process.</param>
    /// <param name="budget">Bytes available for the spans of one request.</param>
    /// <param name="sizeOf">Encoded size of one span inside a request.</param>
    /// <param name="post">Sends one chunk; returns null on success, else a short failure reason (and counts the failure itself).</param>
    /// <param name="stats">Counts spans too large for any request.</param>
    /// <param name="cancellationToken">Stops the send.</param>
    public static async ValueTask<SendResult> SendAsync(
        IReadOnlyList<Span> spans,
        int budget,
        Func<Span, int> sizeOf,
        Func<List<Span>, CancellationToken, Task<string?>> post,
        SenderStats stats,
        CancellationToken cancellationToken)
    {
        var chunk = new List<Span>();
        int sent = 0, failed = 0, tooLarge = 0, used = 0;
        var reason = string.Empty;
        foreach (var span in spans)
        {
            var size = sizeOf(span);
            if (size > budget)
            {
                tooLarge++;
                stats.AddTooLarge(1);
                continue;
            }

            if (used + size > budget)
            {
                (sent, failed, reason) = Add(await post(chunk, cancellationToken).ConfigureAwait(false), sent, failed, reason, chunk.Count);
                chunk = [];
                used = 0;
            }

            chunk.Add(span);
            used += size;
        }

        if (chunk.Count > 0)
        {
            (sent, failed, reason) = Add(await post(chunk, cancellationToken).ConfigureAwait(false), sent, failed, reason, chunk.Count);
        }

        return new SendResult(sent, failed, tooLarge, reason);
    }

    private static (int, int, string) Add(string? error, int sent, int failed, string reason, int count) =>
        error is null ? (sent + count, failed, reason) : (sent, failed + count, error);
}
