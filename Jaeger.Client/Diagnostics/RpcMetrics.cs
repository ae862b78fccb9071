using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Jaeger.Model;

namespace Jaeger.Client.Diagnostics;

/// <summary>
/// Per-endpoint metrics of the spans that serve requests (JAEGER_RPC_METRICS), as the Jaeger Go client's RPC metrics:
/// for every finished span with <c>span.kind=server</c>, sampled or not, a request count and a latency by endpoint (the
/// operation name) and error, and a request count by HTTP status class. Endpoint names are made safe for metric
/// backends (characters other than letters, digits, <c>-</c>, <c>_</c> and <c>/</c> become <c>-</c>); after
/// <see cref="MaxEndpoints"/> distinct names, further names count as <c>other</c>.
/// </summary>
internal sealed class RpcMetrics
{
    public const int MaxEndpoints = 200;
    private const string Other = "other";

    // Raw operation names seen (bounded, so a stream of unique names cannot grow it) and the endpoints admitted.
    private const int MaxCachedNames = 4 * MaxEndpoints;
    private readonly ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _endpoints = new(StringComparer.Ordinal);
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _httpRequests;

    public RpcMetrics(Meter meter)
    {
        _requests = meter.CreateCounter<long>("jaeger.client.rpc.requests", "{request}", "Server spans finished, by endpoint and error.");
        _latency = meter.CreateHistogram<double>("jaeger.client.rpc.request_latency", "s", "Duration of server spans, by endpoint and error.");
        _httpRequests = meter.CreateCounter<long>("jaeger.client.rpc.http_requests", "{request}", "Server spans with an HTTP status code, by endpoint and status class (2xx to 5xx).");
    }

    /// <summary>A finished span described by its tags: recorded when one of them is span.kind=server.</summary>
    public void Observe(string operationName, ReadOnlySpan<KeyValue> tags, long durationMicros)
    {
        var observation = default(Observation);
        foreach (ref readonly var tag in tags)
        {
            observation.Add(tag);
        }

        Record(operationName, observation, durationMicros);
    }

    public void Record(string operationName, in Observation observation, long durationMicros)
    {
        if (!observation.Server || operationName.Length == 0)
        {
            return;
        }

        var endpoint = new KeyValuePair<string, object?>("endpoint", Endpoint(operationName));
        var error = new KeyValuePair<string, object?>("error", observation.Error ? "true" : "false");
        _requests.Add(1, endpoint, error);
        _latency.Record(Math.Max(0, durationMicros) / 1_000_000.0, endpoint, error);
        var statusClass = observation.HttpStatusCode switch
        {
            >= 200 and < 300 => "2xx",
            >= 300 and < 400 => "3xx",
            >= 400 and < 500 => "4xx",
            >= 500 and < 600 => "5xx",
            _ => null,
        };
        if (statusClass is not null)
        {
            _httpRequests.Add(1, endpoint, new KeyValuePair<string, object?>("status_code", statusClass));
        }
    }

    private string Endpoint(string operationName)
    {
        if (_names.TryGetValue(operationName, out var endpoint))
        {
            return endpoint;
        }

        var safe = Normalize(operationName);
        if (!_endpoints.ContainsKey(safe))
        {
            // Admission is approximate under races (a few names over the limit at most), never unbounded.
            if (_endpoints.Count >= MaxEndpoints)
            {
                safe = Other;
            }
            else
            {
                _endpoints.TryAdd(safe, 0);
            }
        }

        if (_names.Count < MaxCachedNames)
        {
            _names.TryAdd(operationName, safe);
        }

        return safe;
    }

    internal static string Normalize(string name)
    {
        var span = name.AsSpan();
        var bad = span.IndexOfAnyExcept(SafeCharacters);
        if (bad < 0)
        {
            return name;
        }

        return string.Create(name.Length, name, static (chars, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                chars[i] = SafeCharacters.Contains(source[i]) ? source[i] : '-';
            }
        });
    }

    private static readonly System.Buffers.SearchValues<char> SafeCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/");

    /// <summary>What the tags of one span say about the request it served.</summary>
    internal struct Observation
    {
        public bool Server;
        public bool Error;
        public int HttpStatusCode;

        public void Add(in KeyValue tag)
        {
            switch (tag.Key)
            {
                case WellKnownTags.SpanKind:
                    Server = tag.Type == KeyValueType.String && string.Equals(tag.StringValue, Tags.SpanKindServer, StringComparison.Ordinal);
                    break;
                case WellKnownTags.HttpStatusCode:
                    HttpStatusCode = tag.Type switch
                    {
                        KeyValueType.Int64 => (int)Math.Clamp(tag.Int64Value, 0, 1000),
                        KeyValueType.String when int.TryParse(tag.StringValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) => code,
                        _ => HttpStatusCode,
                    };
                    break;
                case WellKnownTags.Error:
                    Error = tag.Type switch
                    {
                        KeyValueType.Bool => tag.BoolValue,
                        KeyValueType.String when bool.TryParse(tag.StringValue, out var error) => error,
                        _ => Error,
                    };
                    break;
            }
        }
    }
}
