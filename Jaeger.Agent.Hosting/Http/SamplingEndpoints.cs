using System.Buffers;
using System.Globalization;
using Jaeger.Agent.Hosting.Diagnostics;
using Jaeger.Agent.Hosting.Sampling;
using Jaeger.Sampling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Jaeger.Agent.Hosting.Http;

/// <summary>
/// The agent's HTTP routes on 5778, as Jaeger's <c>clientcfghttp</c> handler: <c>GET /sampling</c> (protobuf JSON),
/// legacy <c>GET /</c> (Thrift JSON, integer enum), <c>GET /baggageRestrictions</c>, and <c>GET /health</c>.
/// </summary>
internal sealed class SamplingEndpoints
{
    public const string ServiceParameterError = "'service' parameter must be provided once";

    private readonly SamplingStrategyCache _cache;
    private readonly byte[] _baggageRestrictionsJson;
    private readonly AgentMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private DateTimeOffset? _upSince;

    public SamplingEndpoints(SamplingStrategyCache cache, IEnumerable<KeyValuePair<string, int>> baggageRestrictions, AgentMetrics metrics,
        TimeProvider time, ILogger logger)
    {
        _cache = cache;
        _baggageRestrictionsJson = BaggageRestrictionsJson(baggageRestrictions);
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    public void MarkReady() => _upSince = _time.GetUtcNow();

    public void MarkNotReady() => _upSince = null;

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/sampling", context => ServeStrategyAsync(context, legacy: false));
        endpoints.MapGet("/", context => ServeStrategyAsync(context, legacy: true));
        endpoints.MapGet("/baggageRestrictions", ServeBaggageAsync);
        endpoints.MapGet("/health", ServeHealthAsync);
    }

    private async Task ServeStrategyAsync(HttpContext context, bool legacy)
    {
        _metrics.HttpRequest(legacy ? "sampling-legacy" : "sampling");
        if (!TryGetService(context, out var service))
        {
            await BadRequestAsync(context).ConfigureAwait(false);
            return;
        }

        SamplingStrategy strategy;
        try
        {
            strategy = await _cache.GetAsync(service, context.RequestAborted).ConfigureAwait(false);
            _metrics.CollectorProxy(ok: true);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            _metrics.CollectorProxy(ok: false);
            _metrics.HttpError("5xx");
            AgentLog.SamplingFetchFailed(_logger, service, e);
            await WriteTextAsync(context, StatusCodes.Status500InternalServerError, "collector error: " + e.Message).ConfigureAwait(false);
            return;
        }

        var body = new ArrayBufferWriter<byte>(256);
        SamplingStrategyJson.Write(body, strategy, legacy);
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task ServeBaggageAsync(HttpContext context)
    {
        _metrics.HttpRequest("baggage");
        if (!TryGetService(context, out _))
        {
            await BadRequestAsync(context).ConfigureAwait(false);
            return;
        }

        // No collector API serves baggage restrictions: the agent serves its own configured list, the same for every service.
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(_baggageRestrictionsJson, context.RequestAborted).ConfigureAwait(false);
    }

    // Jaeger's shape: [{"baggageKey":"k","maxValueLength":N}], ordered by key.
    internal static byte[] BaggageRestrictionsJson(IEnumerable<KeyValuePair<string, int>> restrictions)
    {
        var body = new ArrayBufferWriter<byte>(64);
        using (var writer = new System.Text.Json.Utf8JsonWriter(body))
        {
            writer.WriteStartArray();
            foreach (var (key, maxValueLength) in restrictions.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("baggageKey", key);
                writer.WriteNumber("maxValueLength", maxValueLength);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return body.WrittenSpan.ToArray();
    }

    private Task ServeHealthAsync(HttpContext context)
    {
        var upSince = _upSince;
        context.Response.ContentType = "application/json";
        if (upSince is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return context.Response.WriteAsync("""{"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""}""", context.RequestAborted);
        }

        var uptime = _time.GetUtcNow() - upSince.Value;
        var json = $$"""{"status":"Server available","upSince":"{{upSince.Value.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture)}}","uptime":"{{FormatGoDuration(uptime)}}"}""";
        return context.Response.WriteAsync(json, context.RequestAborted);
    }

    private static bool TryGetService(HttpContext context, out string service)
    {
        var values = context.Request.Query["service"];
        if (values.Count != 1)
        {
            service = string.Empty;
            return false;
        }

        service = values[0] ?? string.Empty;
        return true;
    }

    private Task BadRequestAsync(HttpContext context)
    {
        _metrics.HttpError("4xx");
        return WriteTextAsync(context, StatusCodes.Status400BadRequest, ServiceParameterError);
    }

    // As Go's http.Error: plain text and a trailing newline.
    private static Task WriteTextAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }

    // Go's Duration.String(), to the microsecond: "1h2m3.5s", "250ms".
    internal static string FormatGoDuration(TimeSpan duration)
    {
        if (duration < TimeSpan.FromSeconds(1))
        {
            return duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";
        }

        var text = string.Empty;
        if (duration.TotalHours >= 1)
        {
            text += ((long)duration.TotalHours).ToString(CultureInfo.InvariantCulture) + "h";
        }

        if (duration.TotalMinutes >= 1)
        {
            text += duration.Minutes.ToString(CultureInfo.InvariantCulture) + "m";
        }

        var seconds = duration.Seconds + (duration.Ticks % TimeSpan.TicksPerSecond / (double)TimeSpan.TicksPerSecond);
        return text + seconds.ToString("0.######", CultureInfo.InvariantCulture) + "s";
    }
}
