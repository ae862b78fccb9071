using System.Collections.Frozen;
using System.Text.Json;
using Jaeger.Client.Diagnostics;
using Jaeger.Client.Remote;
using Microsoft.Extensions.Logging;

namespace Jaeger.Client.Restrictions;

/// <summary>
/// The baggage keys a service may set and the longest value of each, polled from the agent's
/// <c>GET {endpoint}?service=</c> (JSON <c>[{"baggageKey":"k","maxValueLength":N}]</c>) at start and every refresh
/// interval, as the Jaeger clients' RemoteBaggageRestrictionManager. Until the first good answer every key is allowed
/// with the tracer's own limit, or none when denying on initialization failure; after it only the listed keys are
/// allowed (an empty list allows none). A failed or unusable poll keeps the last good list and is counted as an error.
/// </summary>
internal sealed class RemoteBaggageRestrictions : EndpointPoller
{
    private readonly int _initialMaxValueLength;
    private readonly bool _denyBeforeFirstUpdate;
    private readonly ClientMetrics _metrics;

    // Null until the first good answer.
    private volatile FrozenDictionary<string, int>? _limits;

    public RemoteBaggageRestrictions(string serviceName, string endpoint, TimeSpan refreshInterval, int initialMaxValueLength,
        bool denyBaggageOnInitializationFailure, TimeProvider time, ClientMetrics metrics, ILogger logger, HttpClient? http = null,
        Action<bool>? polled = null)
        : base(endpoint, serviceName, refreshInterval, time, http, logger, polled)
    {
        _initialMaxValueLength = initialMaxValueLength;
        _denyBeforeFirstUpdate = denyBaggageOnInitializationFailure;
        _metrics = metrics;
        Start();
    }

    protected override string Subject => "baggage restrictions";

    /// <summary>True after the first good answer.</summary>
    public bool IsInitialized => _limits is not null;

    /// <summary>Whether <paramref name="key"/> may be set, and if so its longest value.</summary>
    public bool TryGetMaxValueLength(string key, out int maxValueLength)
    {
        var limits = _limits;
        if (limits is null)
        {
            maxValueLength = _denyBeforeFirstUpdate ? 0 : _initialMaxValueLength;
            return !_denyBeforeFirstUpdate;
        }

        return limits.TryGetValue(key, out maxValueLength);
    }

    /// <summary>Reads a restrictions answer; false with the reason when it is not a list of {baggageKey, maxValueLength}.</summary>
    internal static bool TryParse(byte[] json, out FrozenDictionary<string, int> limits, out string error)
    {
        limits = FrozenDictionary<string, int>.Empty;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            error = "not JSON: " + e.Message;
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                error = $"expected a JSON array, got {document.RootElement.ValueKind}";
                return false;
            }

            var read = new Dictionary<string, int>(StringComparer.Ordinal);
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (!TryReadItem(item, out var key, out var max))
                {
                    error = $"item {index} is not {{\"baggageKey\": non-empty string, \"maxValueLength\": integer >= 0}}";
                    return false;
                }

                read[key] = max;
                index++;
            }

            limits = read.ToFrozenDictionary(StringComparer.Ordinal);
            error = string.Empty;
            return true;
        }
    }

    private static bool TryReadItem(JsonElement item, out string key, out int maxValueLength)
    {
        key = string.Empty;
        maxValueLength = 0;
        return item.ValueKind == JsonValueKind.Object
            && item.TryGetProperty("baggageKey", out var keyElement) && keyElement.ValueKind == JsonValueKind.String
            && !string.IsNullOrEmpty(key = keyElement.GetString()!)
            && item.TryGetProperty("maxValueLength", out var maxElement) && maxElement.ValueKind == JsonValueKind.Number
            && maxElement.TryGetInt32(out maxValueLength) && maxValueLength >= 0;
    }

    protected override bool TryApply(byte[] body, out string error)
    {
        if (!TryParse(body, out var limits, out error))
        {
            return false;
        }

        _limits = limits;
        return true;
    }

    // As the Jaeger clients: one counter, a failed fetch is an error like an unusable answer.
    protected override void Count(bool fetched, bool applied) => _metrics.BaggageRestrictionsUpdate(applied);

    public override string ToString() => $"remote baggage restrictions({RequestUri})";
}
