using Jaeger.Sampling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaeger.Collector.Sampling;

/// <summary>
/// Serves strategies from Jaeger's strategies file and reloads it when its content changes, polling on
/// <see cref="TimeProvider"/>. Without a file every service gets probabilistic 0.001. A file that cannot be read
/// or parsed keeps the last good strategies (or fails the start when it is bad from the beginning).
/// </summary>
internal sealed partial class FileSamplingStrategyStore : ISamplingStrategyProvider, IHostedService, IDisposable
{
    private readonly JaegerCollectorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FileSamplingStrategyStore> _logger;
    private readonly CancellationTokenSource _stop = new();
    private volatile StrategySet _strategies = StrategySet.Empty;
    private byte[] _lastContent = [];
    private Task _poller = Task.CompletedTask;

    public FileSamplingStrategyStore(IOptions<JaegerCollectorOptions> options, TimeProvider time, ILogger<FileSamplingStrategyStore> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public ValueTask<SamplingStrategy> GetSamplingStrategyAsync(string serviceName, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_strategies.For(serviceName ?? string.Empty));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = _options.SamplingStrategiesFile;
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        var content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        if (!StrategiesFile.TryParse(content, out var strategies, out var error))
        {
            throw new InvalidOperationException($"Jaeger:Collector:SamplingStrategiesFile '{path}': {error}.");
        }

        _strategies = strategies;
        _lastContent = content;
        if (_options.SamplingStrategiesReloadInterval > TimeSpan.Zero)
        {
            _poller = Task.Run(() => PollAsync(path, _stop.Token), CancellationToken.None);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _poller.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public void Dispose() => _stop.Dispose();

    private async Task PollAsync(string path, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.SamplingStrategiesReloadInterval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await ReloadAsync(path, cancellationToken).ConfigureAwait(false);
        }
    }

    internal async Task ReloadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            LogReadFailed(_logger, path, ex);
            return;
        }
        catch (UnauthorizedAccessException ex)
        {
            LogReadFailed(_logger, path, ex);
            return;
        }

        if (content.AsSpan().SequenceEqual(_lastContent))
        {
            return;
        }

        if (!StrategiesFile.TryParse(content, out var strategies, out var error))
        {
            LogParseFailed(_logger, path, error);
            return;
        }

        _lastContent = content;
        _strategies = strategies;
        LogReloaded(_logger, path);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Reloaded sampling strategies from {Path}.")]
    private static partial void LogReloaded(ILogger logger, string path);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Could not read sampling strategies file {Path}; keeping the previous strategies.")]
    private static partial void LogReadFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Sampling strategies file {Path} is invalid ({Error}); keeping the previous strategies.")]
    private static partial void LogParseFailed(ILogger logger, string path, string error);
}
