using System.Globalization;
using System.Text.Json;
using Jaeger.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace Jaeger.Query.Api;

/// <summary>
/// Jaeger's <c>/api/metrics/latencies|calls|errors|minstep</c> over the registered <see cref="IMetricsReader"/>: the
/// figures as a proto-JSON <c>MetricFamily</c> (not enveloped), the minimum step in the usual envelope, 400 naming the
/// parameter for bad input, and 501 when no metrics reader is registered (the UI's Monitor tab reads it as "not set up").
/// </summary>
internal static class MetricsEndpoints
{
    /// <summary>Maps the four routes on the API group.</summary>
    public static void Map(RouteGroupBuilder group, QueryHandler handler)
    {
        group.MapGet("/api/metrics/minstep", handler.Guard("/api/metrics/minstep", context => MinStepAsync(context, handler)));
        group.MapGet("/api/metrics/latencies", handler.Guard("/api/metrics/latencies", context => FamilyAsync(context, handler, MetricsFigure.Latencies)));
        group.MapGet("/api/metrics/calls", handler.Guard("/api/metrics/calls", context => FamilyAsync(context, handler, MetricsFigure.Calls)));
        group.MapGet("/api/metrics/errors", handler.Guard("/api/metrics/errors", context => FamilyAsync(context, handler, MetricsFigure.Errors)));
    }

    private static Task DisabledAsync(HttpContext context) =>
        QueryHandler.WriteErrorAsync(context, StatusCodes.Status501NotImplemented, "metrics querying is currently disabled");

    private static async Task MinStepAsync(HttpContext context, QueryHandler handler)
    {
        if (handler.MetricsReader is not { } reader)
        {
            await DisabledAsync(context).ConfigureAwait(false);
            return;
        }

        await QueryHandler.WriteAsync(context, StatusCodes.Status200OK, (long)reader.MinStep.TotalMilliseconds, static (w, ms) =>
        {
            UiJson.StartEnvelope(w);
            UiJson.WriteDataPropertyName(w);
            w.WriteNumberValue(ms);
            UiJson.EndEnvelope(w, 0, null);
        }).ConfigureAwait(false);
    }

    private static async Task FamilyAsync(HttpContext context, QueryHandler handler, MetricsFigure figure)
    {
        if (handler.MetricsReader is not { } reader)
        {
            await DisabledAsync(context).ConfigureAwait(false);
            return;
        }

        if (!MetricsRequest.TryParse(context.Request.Query, handler.Time.GetUtcNow(), figure == MetricsFigure.Latencies, out var request, out var error))
        {
            await QueryHandler.WriteErrorAsync(context, StatusCodes.Status400BadRequest, error).ConfigureAwait(false);
            return;
        }

        MetricFamily family;
        try
        {
            family = figure switch
            {
                MetricsFigure.Latencies => await reader.GetLatenciesAsync(request.Query, request.Quantile, context.RequestAborted).ConfigureAwait(false),
                MetricsFigure.Calls => await reader.GetCallRatesAsync(request.Query, context.RequestAborted).ConfigureAwait(false),
                _ => await reader.GetErrorRatesAsync(request.Query, context.RequestAborted).ConfigureAwait(false),
            };
        }
        catch (ArgumentException e)
        {
            await QueryHandler.WriteErrorAsync(context, StatusCodes.Status400BadRequest, MetricsRequest.Describe(e)).ConfigureAwait(false);
            return;
        }

        await QueryHandler.WriteAsync(context, StatusCodes.Status200OK, family, MetricFamilyJson.Write).ConfigureAwait(false);
    }
}

/// <summary>Which figure a metrics request asks for.</summary>
internal enum MetricsFigure
{
    Latencies,
    Calls,
    Errors,
}

/// <summary>Jaeger's metrics query parameters, parsed; shared by HTTP (here) and checked again by the reader.</summary>
internal readonly record struct MetricsRequest(MetricsQueryParameters Query, double Quantile)
{
    /// <summary>Parses <c>service</c> (repeated, or comma-joined as the Jaeger UI sends several), <c>quantile</c>, <c>groupByOperation</c>, <c>endTs</c>, <c>lookback</c>, <c>step</c>, <c>ratePer</c> (milliseconds) and <c>spanKind</c> (repeated).</summary>
    public static bool TryParse(IQueryCollection query, DateTimeOffset now, bool needsQuantile, out MetricsRequest request, out string error)
    {
        request = default;
        var services = new List<string>();
        foreach (var value in query["service"])
        {
            foreach (var part in (value ?? string.Empty).Split(','))
            {
                // The UI joins several services as "service=a,service=b" inside one value.
                var name = part.StartsWith("service=", StringComparison.Ordinal) ? part["service=".Length..] : part;
                if (name.Length > 0)
                {
                    services.Add(name);
                }
            }
        }

        if (services.Count == 0)
        {
            error = "parameter 'service' is required";
            return false;
        }

        var quantile = 0.0;
        if (needsQuantile)
        {
            var text = query["quantile"].ToString();
            if (text.Length == 0)
            {
                error = "parameter 'quantile' is required";
                return false;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out quantile) || double.IsNaN(quantile) || quantile <= 0 || quantile > 1)
            {
                error = $"unable to parse param 'quantile': '{text}' is not a number greater than 0 and at most 1";
                return false;
            }
        }

        var groupByOperation = false;
        var group = query["groupByOperation"].ToString();
        if (group.Length > 0 && !TryParseBool(group, out groupByOperation))
        {
            error = $"unable to parse param 'groupByOperation': '{group}' is not a boolean";
            return false;
        }

        if (!TryMillis(query["endTs"], "endTs", allowZero: true, out var endMs, out error) ||
            !TryMillis(query["lookback"], "lookback", allowZero: false, out var lookbackMs, out error) ||
            !TryMillis(query["step"], "step", allowZero: false, out var stepMs, out error) ||
            !TryMillis(query["ratePer"], "ratePer", allowZero: false, out var ratePerMs, out error))
        {
            return false;
        }

        var kinds = new List<string>();
        foreach (var value in query["spanKind"])
        {
            foreach (var part in (value ?? string.Empty).Split(','))
            {
                var kind = part.Trim().ToLowerInvariant() switch
                {
                    "unspecified" => string.Empty,
                    "internal" or "server" or "client" or "producer" or "consumer" => part.Trim().ToLowerInvariant(),
                    _ => null,
                };
                if (kind is null)
                {
                    error = $"unable to parse param 'spanKind': unsupported span kind '{part}'; use unspecified, internal, server, client, producer or consumer";
                    return false;
                }

                if (!kinds.Contains(kind))
                {
                    kinds.Add(kind);
                }
            }
        }

        var parameters = new MetricsQueryParameters
        {
            ServiceNames = services,
            GroupByOperation = groupByOperation,
            EndTime = endMs is { } end ? DateTimeOffset.FromUnixTimeMilliseconds(end) : now,
            SpanKinds = kinds,
        };
        parameters = parameters with
        {
            Lookback = lookbackMs is { } lookback ? TimeSpan.FromMilliseconds(lookback) : parameters.Lookback,
            Step = stepMs is { } step ? TimeSpan.FromMilliseconds(step) : parameters.Step,
            RatePer = ratePerMs is { } ratePer ? TimeSpan.FromMilliseconds(ratePer) : parameters.RatePer,
        };
        try
        {
            parameters.Validate();
        }
        catch (ArgumentException e)
        {
            error = Describe(e);
            return false;
        }

        request = new MetricsRequest(parameters, quantile);
        error = string.Empty;
        return true;
    }

    /// <summary>A reader's refusal, worded with the HTTP parameter it concerns.</summary>
    public static string Describe(ArgumentException e)
    {
        var parameter = e.ParamName switch
        {
            nameof(MetricsQueryParameters.ServiceNames) => "service",
            nameof(MetricsQueryParameters.Lookback) => "lookback",
            nameof(MetricsQueryParameters.RatePer) => "ratePer",
            nameof(MetricsQueryParameters.SpanKinds) => "spanKind",
            "quantile" => "quantile",
            _ => "step",
        };
        var message = e.Message;
        var suffix = $" (Parameter '{e.ParamName}')";
        if (e.ParamName is not null && message.EndsWith(suffix, StringComparison.Ordinal))
        {
            message = message[..^suffix.Length];
        }

        return $"unable to parse param '{parameter}': {message}";
    }

    // Go's strconv.ParseBool spellings, as Jaeger accepts.
    private static bool TryParseBool(string text, out bool value)
    {
        switch (text)
        {
            case "1" or "t" or "T" or "true" or "TRUE" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "false" or "FALSE" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private static bool TryMillis(StringValues values, string name, bool allowZero, out long? millis, out string error)
    {
        millis = null;
        error = string.Empty;
        var text = values.ToString();
        if (text.Length == 0)
        {
            return true;
        }

        // Bounded to a thousand years either way, so no later arithmetic overflows.
        const long Max = 1000L * 365 * 24 * 3600 * 1000;
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0 || (value == 0 && !allowZero) || value > Max)
        {
            error = $"unable to parse param '{name}': '{text}' is not a {(allowZero ? "non-negative" : "positive")} whole number of milliseconds";
            return false;
        }

        millis = value;
        return true;
    }
}

/// <summary>Writes a <see cref="MetricFamily"/> as Jaeger's jsonpb does: lowerCamelCase names, type "GAUGE", gauge points with RFC 3339 timestamps.</summary>
internal static class MetricFamilyJson
{
    public static void Write(Utf8JsonWriter w, MetricFamily family)
    {
        w.WriteStartObject();
        w.WriteString("name", family.Name);
        w.WriteString("type", "GAUGE");
        if (family.Help.Length > 0)
        {
            w.WriteString("help", family.Help);
        }

        if (family.Metrics.Count > 0)
        {
            w.WriteStartArray("metrics");
            foreach (var series in family.Metrics)
            {
                w.WriteStartObject();
                if (series.Labels.Count > 0)
                {
                    w.WriteStartArray("labels");
                    foreach (var (name, value) in series.Labels)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", name);
                        w.WriteString("value", value);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                if (series.Points.Count > 0)
                {
                    w.WriteStartArray("metricPoints");
                    foreach (var point in series.Points)
                    {
                        w.WriteStartObject();
                        w.WriteStartObject("gaugeValue");
                        WriteDouble(w, "doubleValue", point.Value);
                        w.WriteEndObject();
                        w.WriteString("timestamp", Timestamp(point.Timestamp));
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    /// <summary>protobuf JSON's Timestamp: UTC, with 0, 3, 6 or 9 fractional digits as needed.</summary>
    internal static string Timestamp(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var fraction = utc.Ticks % TimeSpan.TicksPerSecond;
        var format = fraction == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'"
            : fraction % TimeSpan.TicksPerMillisecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss.fff'Z'"
            : fraction % 10 == 0 ? "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'"
            : "yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'";
        return utc.ToString(format, CultureInfo.InvariantCulture);
    }

    // NaN and infinities as protobuf JSON spells them.
    private static void WriteDouble(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsNaN(value))
        {
            w.WriteString(name, "NaN");
        }
        else if (double.IsInfinity(value))
        {
            w.WriteString(name, value > 0 ? "Infinity" : "-Infinity");
        }
        else
        {
            w.WriteNumber(name, value);
        }
    }
}
