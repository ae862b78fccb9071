using Jaeger.Model;
using Jaeger.Storage;

namespace Jaeger.Agent.Hosting.Forwarding;

/// <summary>Forwards into a collector pipeline in the same process through <see cref="ISpanSink"/>.</summary>
internal sealed class SpanSinkClient : ICollectorClient
{
    private readonly ISpanSink _sink;

    public SpanSinkClient(ISpanSink sink) => _sink = sink;

    public string Name => "in-process";

    public async Task<SendResult> SendAsync(Batch batch, CancellationToken cancellationToken)
    {
        var result = await _sink.SubmitAsync(batch, cancellationToken).ConfigureAwait(false);
        if (result.Accepted == 0 && result.Refused > 0)
        {
            // Nothing taken (a full pipeline queue): worth another try after a pause.
            return new SendResult(SendOutcome.Retryable, "sink refused the batch");
        }

        return new SendResult(SendOutcome.Delivered, string.Empty, result.Refused);
    }

    public void Dispose()
    {
    }
}
