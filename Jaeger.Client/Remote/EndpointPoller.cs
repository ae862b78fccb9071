using Microsoft.Extensions.Logging;

namespace Jaeger.Client.Remote;

/// <summary>
/// Polls one of the agent's per-service HTTP endpoints (<c>GET {endpoint}?service=</c>) at once and then every interval
/// on the tracer's <see cref="TimeProvider"/>, and applies each answer: the base of the remote sampler
/// (<c>/sampling</c>) and of the baggage restrictions (<c>/baggageRestrictions</c>). A failed fetch or an unusable
/// answer is counted and logged, and the last good state is kept.
/// </summary>
internal abstract partial class EndpointPoller : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly Action<bool>? _polled;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Prepares the poller; nothing is sent before <see cref="Start"/>.</summary>
    /// <param name="endpoint">An http(s) URL, or host:port/path (http is assumed); any query is replaced.</param>
    /// <param name="serviceName">The value of the <c>service</c> query parameter.</param>
    /// <param name="interval">The time between polls.</param>
    /// <param name="time">The clock the polls follow.</param>
    /// <param name="http">The client to send with; null creates (and later disposes) one with a 5 s timeout.</param>
    /// <param name="logger">Where failed and unusable polls are logged.</param>
    /// <param name="polled">Called after each poll with whether its answer was applied (tests wait on it).</param>
    protected EndpointPoller(string endpoint, string serviceName, TimeSpan interval, TimeProvider time, HttpClient? http,
        ILogger logger, Action<bool>? polled)
    {
        if (!TryParseEndpoint(endpoint, out var uri, out var error))
        {
            throw new ArgumentException(error, nameof(endpoint));
        }

        RequestUri = new UriBuilder(uri) { Query = "service=" + Uri.EscapeDataString(serviceName) }.Uri;
        _interval = interval;
        _time = time;
        _logger = logger;
        _polled = polled;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(5), MaxResponseContentBufferSize = 1024 * 1024 };
    }

    /// <summary>The URL every poll requests.</summary>
    public Uri RequestUri { get; }

    /// <summary>True from <see cref="Start"/> until <see cref="Dispose"/> has stopped the loop.</summary>
    public bool IsPolling => !_loop.IsCompleted;

    /// <summary>
    /// Checks an endpoint setting: an absolute http or https URL, or host:port/path to which http:// is added.
    /// </summary>
    public static bool TryParseEndpoint(string? endpoint, out Uri uri, out string error)
    {
        uri = null!;
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            error = "is empty";
            return false;
        }

        var text = endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "http://" + endpoint;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            error = $"'{endpoint}' is not an http or https URL";
            return false;
        }

        uri = parsed;
        error = string.Empty;
        return true;
    }

    /// <summary>What a poll updates, for log lines ("sampler").</summary>
    protected abstract string Subject { get; }

    /// <summary>Applies a 2xx answer; false with the reason when it is unusable.</summary>
    protected abstract bool TryApply(byte[] body, out string error);

    /// <summary>Counts a poll: <paramref name="fetched"/> is false when no 2xx answer came, <paramref name="applied"/> whether it was used.</summary>
    protected abstract void Count(bool fetched, bool applied);

    /// <summary>Polls now, then every interval, until disposed. Called at the end of the derived constructor.</summary>
    protected void Start() => _loop = Task.Run(LoopAsync);

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        try
        {
            using var timer = new PeriodicTimer(_interval, _time);
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

    private async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            using var suppress = Bridge.ActivityBridge.SuppressInstrumentation();
            using var response = await _http.GetAsync(RequestUri, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"HTTP {(int)response.StatusCode}", null, response.StatusCode);
            }

            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Count(fetched: false, applied: false);
            LogQueryFailed(_logger, RequestUri, ex.Message, Subject);
            _polled?.Invoke(false);
            return;
        }

        var applied = TryApply(body, out var error);
        Count(fetched: true, applied);
        if (!applied)
        {
            LogUnusableAnswer(_logger, RequestUri, error, Subject);
        }

        _polled?.Invoke(applied);
    }

    /// <summary>Stops polling (waiting up to 5 s for a poll in flight). Safe to call more than once.</summary>
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
            // The loop only ends by cancellation; failed polls were already reported to the owner.
        }

        _stop.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Query to {Uri} failed: {Reason}; keeping the current {Subject}")]
    private static partial void LogQueryFailed(ILogger logger, Uri uri, string reason, string subject);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "The answer of {Uri} is not usable ({Reason}); keeping the current {Subject}")]
    private static partial void LogUnusableAnswer(ILogger logger, Uri uri, string reason, string subject);
}
