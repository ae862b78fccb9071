using Jaeger.Client.Diagnostics;
using Jaeger.Model;
using Jaeger.Sampling;
using Microsoft.Extensions.Logging;

namespace Jaeger.Client.Sampling;

/// <summary>
/// Polls the agent's sampling endpoint (<c>GET {endpoint}?service=</c>) now and every refresh interval and applies
/// the strategy it serves (probabilistic, rate-limiting or per-operation). A failed or unusable poll keeps the last good sampler.
/// </summary>
internal sealed partial class RemoteControlledSampler : ISampler
{
    private readonly string _serviceName;
    private readonly Uri _requestUri;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refreshInterval;
    private readonly int _maxOperations;
    private readonly ClientMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Action<bool>? _polled;
    private volatile ISampler _sampler;

    public RemoteControlledSampler(string serviceName, string endpoint, ISampler initialSampler, TimeSpan refreshInterval, int maxOperations,
        TimeProvider time, ClientMetrics metrics, ILogger logger, HttpClient? http = null, Action<bool>? polled = null)
    {
        _serviceName = serviceName;
        if (!endpoint.Contains("://", StringComparison.Ordinal))
        {
            endpoint = "http://" + endpoint;
        }

        _requestUri = new UriBuilder(endpoint) { Query = "service=" + Uri.EscapeDataString(serviceName) }.Uri;
        _sampler = initialSampler;
        _refreshInterval = refreshInterval;
        _maxOperations = maxOperations;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _polled = polled;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(5), MaxResponseContentBufferSize = 1024 * 1024 };
        _loop = Task.Run(PollLoopAsync);
    }

    public ISampler Current => _sampler;

    public Uri RequestUri => _requestUri;

    public SamplingStatus Sample(string operation, TraceId traceId) => _sampler.Sample(operation, traceId);

    private async Task PollLoopAsync()
    {
        var token = _stop.Token;
        try
        {
            using var timer = new PeriodicTimer(_refreshInterval, _time);
            do
            {
                await PollOnceAsync(token).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    internal async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            using var suppress = Bridge.ActivityBridge.SuppressInstrumentation();
            using var response = await _http.GetAsync(_requestUri, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"HTTP {(int)response.StatusCode}", null, response.StatusCode);
            }

            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _metrics.SamplerQuery(ok: false);
            LogQueryFailed(_logger, _requestUri, ex.Message);
            _polled?.Invoke(false);
            return;
        }

        _metrics.SamplerQuery(ok: true);
        var applied = TryApply(body, out var error);
        _metrics.SamplerUpdate(applied);
        if (!applied)
        {
            LogBadStrategy(_logger, _requestUri, error);
        }

        _polled?.Invoke(applied);
    }

    internal bool TryApply(ReadOnlySpan<byte> json, out string error)
    {
        if (!SamplingStrategyJson.TryRead(json, out var strategy, out error))
        {
            return false;
        }

        if (TryApply(strategy))
        {
            return true;
        }

        error = strategy.Type == SamplingStrategyType.RateLimiting
            ? "strategyType RATE_LIMITING without rateLimitingSampling"
            : "strategyType PROBABILISTIC without probabilisticSampling";
        return false;
    }

    /// <summary>Per-operation strategies win; otherwise the section that <see cref="SamplingStrategy.Type"/> names.</summary>
    private bool TryApply(SamplingStrategy strategy)
    {
        if (strategy.OperationSampling is { } operations)
        {
            if (_sampler is PerOperationSampler perOperation)
            {
                perOperation.Update(operations);
            }
            else
            {
                _sampler = new PerOperationSampler(_maxOperations, operations, _time);
            }

            return true;
        }

        if (strategy.Type == SamplingStrategyType.Probabilistic && strategy.SamplingRate is { } rate)
        {
            if (_sampler is not ProbabilisticSampler p || p.Rate != rate)
            {
                _sampler = new ProbabilisticSampler(rate);
            }

            return true;
        }

        if (strategy.Type == SamplingStrategyType.RateLimiting && strategy.MaxTracesPerSecond is { } max)
        {
            if (_sampler is not RateLimitingSampler r || r.MaxTracesPerSecond != max)
            {
                _sampler = new RateLimitingSampler(max, _time);
            }

            return true;
        }

        return false;
    }

    public override string ToString() => $"remote({_sampler})";

    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop only ends by cancellation; anything else was already logged.
        }

        _stop.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Sampling strategy query to {Uri} failed: {Reason}; keeping the current sampler")]
    private static partial void LogQueryFailed(ILogger logger, Uri uri, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Sampling strategy from {Uri} is not usable ({Reason}); keeping the current sampler")]
    private static partial void LogBadStrategy(ILogger logger, Uri uri, string reason);
}
