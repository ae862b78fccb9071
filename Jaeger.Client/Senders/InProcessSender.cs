using Jaeger.Model;
using Jaeger.Storage;

namespace Jaeger.Client.Senders;

/// <summary>Hands batches straight to a span pipeline in the same process (<see cref="ISpanSink"/>): no sockets, no encoding.</summary>
internal sealed class InProcessSender(ISpanSink sink) : ISender
{
    public async ValueTask<SendResult> SendAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken)
    {
        if (spans.Count == 0)
        {
            return new SendResult(0);
        }

        // The pipeline keeps the spans, so the batch gets its own list.
        var result = await sink.SubmitAsync(new Batch(spans[0].Process, [.. spans]), cancellationToken).ConfigureAwait(false);
        return new SendResult(result.Accepted, result.Refused, 0, result.Refused > 0 ? "refused" : string.Empty);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
