using Jaeger.Model;

namespace Jaeger.Client.Reporting;

/// <summary>Takes finished, sampled spans. Report never blocks and never throws into application code.</summary>
internal interface IReporter : IAsyncDisposable
{
    void Report(Span span);

    /// <summary>Sends what is queued now.</summary>
    Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>Sends what is queued and stops; later reports are dropped.</summary>
    Task CloseAsync(CancellationToken cancellationToken);
}
