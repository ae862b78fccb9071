using System.Globalization;
using System.Text.Json;
using Jaeger.Client.Diagnostics;
using Jaeger.Model;
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
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
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
        string body;
        try
        {
            using var suppress = Bridge.ActivityBridge.SuppressInstrumentation();
            using var response = await _http.GetAsync(_requestUri, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"HTTP {(int)response.StatusCode}", null, response.StatusCode);
            }

            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _metrics.SamplerQuery(ok: false);
            LogQueryFailed(_logger, _requestUri, ex.Message);
            _polled?.Invoke(false);
            return;
        }

        _metrics.SamplerQuery(ok: true);
        var applied = TryApply(body);
        _metrics.SamplerUpdate(applied);
        if (!applied)
        {
            LogBadStrategy(_logger, _requestUri);
        }

        _polled?.Invoke(applied);
    }

    internal bool TryApply(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            if (TryGet(root, "operationSampling", out var operations))
            {
                var parameters = new OperationSamplingParameters(
                    GetDouble(operations, "defaultSamplingProbability") ?? 0.001,
                    GetDouble(operations, "defaultLowerBoundTracesPerSecond") ?? 0,
                    ReadPerOperation(operations));
                ValidateRate(parameters.DefaultSamplingProbability);
                if (_sampler is PerOperationSampler perOperation)
                {
                    perOperation.Update(parameters);
                }
                else
                {
                    _sampler = new PerOperationSampler(_maxOperations, parameters, _time);
                }

                return true;
            }

            var type = ReadStrategyType(root);
            if (TryGet(root, "probabilisticSampling", out var probabilistic) && type is null or "PROBABILISTIC")
            {
                var rate = GetDouble(probabilistic, "samplingRate") ?? throw new FormatException("samplingRate missing");
                ValidateRate(rate);
                if (_sampler is not ProbabilisticSampler p || p.Rate != rate)
                {
                    _sampler = new ProbabilisticSampler(rate);
                }

                return true;
            }

            if (TryGet(root, "rateLimitingSampling", out var rateLimiting) && type is null or "RATE_LIMITING")
            {
                var max = GetDouble(rateLimiting, "maxTracesPerSecond") ?? throw new FormatException("maxTracesPerSecond missing");
                if (max < 0 || double.IsNaN(max))
                {
                    return false;
                }

                if (_sampler is not RateLimitingSampler r || r.MaxTracesPerSecond != max)
                {
                    _sampler = new RateLimitingSampler(max, _time);
                }

                return true;
            }

            return false;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static void ValidateRate(double rate)
    {
        if (double.IsNaN(rate) || rate < 0 || rate > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rate));
        }
    }

    /// <summary>"PROBABILISTIC"/"RATE_LIMITING", from a string or the legacy enum number (0, 1); null when absent.</summary>
    private static string? ReadStrategyType(JsonElement root)
    {
        if (!root.TryGetProperty("strategyType", out var type))
        {
            return null;
        }

        return type.ValueKind switch
        {
            JsonValueKind.String => type.GetString()?.ToUpperInvariant(),
            JsonValueKind.Number => type.GetInt32() switch { 0 => "PROBABILISTIC", 1 => "RATE_LIMITING", _ => "UNKNOWN" },
            _ => null,
        };
    }

    private static List<(string, double)> ReadPerOperation(JsonElement operations)
    {
        var list = new List<(string, double)>();
        if (operations.TryGetProperty("perOperationStrategies", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                if (item.TryGetProperty("operation", out var op) && op.ValueKind == JsonValueKind.String
                    && TryGet(item, "probabilisticSampling", out var p) && GetDouble(p, "samplingRate") is { } rate)
                {
                    ValidateRate(rate);
                    list.Add((op.GetString()!, rate));
                }
            }
        }

        return list;
    }

    private static bool TryGet(JsonElement element, string name, out JsonElement value) =>
        element.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Object;

    private static double? GetDouble(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        };
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

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Sampling strategy from {Uri} is not usable; keeping the current sampler")]
    private static partial void LogBadStrategy(ILogger logger, Uri uri);
}
