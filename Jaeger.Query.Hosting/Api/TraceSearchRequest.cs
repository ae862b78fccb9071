using System.Globalization;
using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage;
using Microsoft.AspNetCore.Http;

namespace Jaeger.Query.Api;

/// <summary>The parameters of <c>GET /api/traces</c>, parsed as Jaeger's query parser does (plus <c>lookback</c>, which Jaeger ignored).</summary>
internal sealed class TraceSearchRequest
{
    private const int MaxTags = 64;

    public TraceQueryParameters? Query { get; private init; }

    public List<TraceId> TraceIds { get; } = [];

    // serviceRequired is false when the storage declares SearchWithoutServiceName: a search may then leave the service out.
    public static bool TryParse(IQueryCollection q, JaegerQueryOptions options, DateTimeOffset now, bool serviceRequired, out TraceSearchRequest request, out string error)
    {
        request = new TraceSearchRequest();
        error = string.Empty;

        foreach (var text in q["traceID"])
        {
            if (!TraceId.TryParse(text, out var id) || id.IsEmpty)
            {
                error = $"unable to parse param 'traceID': '{text}' is not a non-zero hex trace id of 1 to 32 digits";
                return false;
            }

            if (request.TraceIds.Count >= options.MaxLimit)
            {
                error = $"unable to parse param 'traceID': at most {options.MaxLimit} trace ids per request";
                return false;
            }

            request.TraceIds.Add(id);
        }

        var service = q["service"].ToString();
        if (request.TraceIds.Count > 0)
        {
            return true;
        }

        if (serviceRequired && string.IsNullOrEmpty(service))
        {
            error = "parameter 'service' is required";
            return false;
        }

        if (!TryParseMicros(q, "end", out var end, ref error) || !TryParseMicros(q, "start", out var start, ref error))
        {
            return false;
        }

        var endTime = end ?? now;
        DateTimeOffset startTime;
        if (start is { } s)
        {
            startTime = s;
        }
        else
        {
            var lookback = options.DefaultLookback;
            var lookbackText = q["lookback"].ToString();
            if (lookbackText.Length > 0 && lookbackText != "custom")
            {
                if (!GoDuration.TryParse(lookbackText, out lookback, out var lookbackError, allowDays: true) || lookback <= TimeSpan.Zero)
                {
                    error = $"unable to parse param 'lookback': {(lookback <= TimeSpan.Zero && lookbackError.Length == 0 ? "must be positive" : lookbackError)}";
                    return false;
                }
            }

            startTime = lookback >= endTime - DateTimeOffset.MinValue ? DateTimeOffset.MinValue : endTime - lookback;
        }

        if (startTime > endTime)
        {
            error = "'start' must not be after 'end'";
            return false;
        }

        var limit = options.DefaultLimit;
        var limitText = q["limit"].ToString();
        if (limitText.Length > 0)
        {
            if (!int.TryParse(limitText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit))
            {
                error = $"unable to parse param 'limit': strconv.Atoi: parsing \"{limitText}\": invalid syntax";
                return false;
            }

            if (limit <= 0)
            {
                limit = options.DefaultLimit;
            }
        }

        limit = Math.Min(limit, options.MaxLimit);

        TimeSpan? minDuration = null, maxDuration = null;
        foreach (var (name, setter) in new (string, Action<TimeSpan>)[] { ("minDuration", v => minDuration = v), ("maxDuration", v => maxDuration = v) })
        {
            var text = q[name].ToString();
            if (text.Length == 0)
            {
                continue;
            }

            if (!GoDuration.TryParse(text, out var value, out var durationError))
            {
                error = $"unable to parse param '{name}': {durationError}";
                return false;
            }

            if (value < TimeSpan.Zero)
            {
                error = $"unable to parse param '{name}': the duration must not be negative";
                return false;
            }

            setter(value);
        }

        if (minDuration is { } min && maxDuration is { } max && max < min)
        {
            error = "'maxDuration' should be greater than 'minDuration'";
            return false;
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in q["tag"])
        {
            var colon = tag?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            if (colon <= 0)
            {
                error = $"malformed 'tag' parameter, expecting key:value, received: {tag}";
                return false;
            }

            tags[tag![..colon]] = tag[(colon + 1)..];
        }

        foreach (var json in q["tags"])
        {
            if (!TryParseTagsJson(json, tags, out var tagsError))
            {
                error = $"unable to parse param 'tags': {tagsError}";
                return false;
            }
        }

        if (tags.Count > MaxTags)
        {
            error = $"too many tags: at most {MaxTags}";
            return false;
        }

        if (!FilterParameter.TryParse(q["filter"].ToString(), out var filter, out var filterError))
        {
            error = $"unable to parse param 'filter': {filterError}";
            return false;
        }

        request = new TraceSearchRequest
        {
            Query = new TraceQueryParameters
            {
                ServiceName = service.Length == 0 ? null : service,
                OperationName = q["operation"].ToString() is { Length: > 0 } op ? op : null,
                Tags = tags,
                Filter = filter,
                StartTimeMin = startTime,
                StartTimeMax = endTime,
                DurationMin = minDuration,
                DurationMax = maxDuration,
                Limit = limit,
            },
        };
        return true;
    }

    internal static bool TryParseTagsJson(string? json, Dictionary<string, string> tags, out string error)
    {
        error = string.Empty;
        if (string.IsNullOrEmpty(json))
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "expected a JSON object of string values, such as {\"http.status_code\":\"500\"}";
                return false;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.String:
                        tags[property.Name] = property.Value.GetString()!;
                        break;
                    case JsonValueKind.Number:
                        tags[property.Name] = property.Value.GetRawText();
                        break;
                    case JsonValueKind.True or JsonValueKind.False:
                        tags[property.Name] = property.Value.GetBoolean() ? "true" : "false";
                        break;
                    default:
                        error = $"the value of '{property.Name}' is not a string";
                        return false;
                }
            }

            return true;
        }
        catch (JsonException e)
        {
            error = e.Message;
            return false;
        }
    }

    internal static bool TryParseMicros(IQueryCollection q, string name, out DateTimeOffset? value, ref string error)
    {
        value = null;
        var text = q[name].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var micros))
        {
            error = $"unable to parse param '{name}': strconv.ParseInt: parsing \"{text}\": invalid syntax";
            return false;
        }

        value = Time.FromUnixMicros(micros);
        return true;
    }

    internal static bool TryParseMillis(IQueryCollection q, string name, out long? value, out string error)
    {
        value = null;
        error = string.Empty;
        var text = q[name].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
        {
            error = $"unable to parse param '{name}': strconv.ParseInt: parsing \"{text}\": invalid syntax";
            return false;
        }

        value = ms;
        return true;
    }

    /// <summary>Go's strconv.ParseBool.</summary>
    internal static bool TryParseBool(string text, out bool value)
    {
        switch (text)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}
