using Microsoft.Extensions.Hosting;

namespace Jaeger.Storage.Builder;

/// <summary>
/// Opens the selected storage when the host starts (an unknown type or a backend that cannot open stops the start
/// there). Registered ahead of every other hosted service, so storage is ready before any role writes, and stopped
/// after them (the host disposes the backends last).
/// </summary>
internal sealed class StorageHostedService(JaegerStorage storage) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => storage.StartAsync(cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
