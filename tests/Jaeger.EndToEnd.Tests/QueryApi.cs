using System.Globalization;
using System.Text.Json;
using Jaeger.Testing;

namespace Jaeger.EndToEnd.Tests;

/// <summary>One span as the query service's <c>/api/traces</c> JSON shows it, with its process resolved.</summary>
internal sealed record QuerySpan(
    string TraceId,
    string SpanId,
    string OperationName,
    long StartTime,
    long Duration,
    IReadOnlyList<(string RefType, string TraceId, string SpanId)> References,
    IReadOnlyList<QueryTag> Tags,
    IReadOnlyList<(long Timestamp, IReadOnlyList<QueryTag> Fields)> Logs,
    string ServiceName,
    IReadOnlyList<QueryTag> ProcessTags)
{
    /// <summary>The span id of the CHILD_OF reference within this span's own trace, or null.</summary>
    public string? ParentSpanId => References.Where(r => r.RefType == "CHILD_OF" && r.TraceId == TraceId).Select(r => r.SpanId).SingleOrDefault();
}

/// <summary>A tag as JSON shows it: key, Jaeger's type name and the value rendered invariantly.</summary>
internal readonly record struct QueryTag(string Key, string Type, string Value)
{
    public static QueryTag String(string key, string value) => new(key, "string", value);

    public static QueryTag Bool(string key, bool value) => new(key, "bool", value ? "true" : "false");

    public static QueryTag Int64(string key, long value) => new(key, "int64", value.ToString(CultureInfo.InvariantCulture));

    public static QueryTag Float64(string key, double value) => new(key, "float64", value.ToString("R", CultureInfo.InvariantCulture));
}

/// <summary>Reads traces back through the query service's HTTP API with a real HttpClient.</summary>
internal sealed class QueryApi(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>GET /api/traces?service=..., each trace as its spans.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<QuerySpan>>> FindTracesAsync(string service)
    {
        using var response = await _http.GetAsync(new Uri("api/traces?service=" + Uri.EscapeDataString(service) + "&lookback=1h", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /api/traces answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return [.. json.RootElement.GetProperty("data").EnumerateArray().Select(ParseTrace)];
    }

    /// <summary>Waits until the service has a trace with the given id holding <paramref name="spanCount"/> spans, and returns them.</summary>
    public async Task<IReadOnlyList<QuerySpan>> WaitForTraceAsync(string service, string traceId, int spanCount)
    {
        IReadOnlyList<QuerySpan>? found = null;
        await Eventually.UntilAsync(
            async () =>
            {
                var traces = await FindTracesAsync(service);
                found = traces.FirstOrDefault(t => t.Count > 0 && t[0].TraceId == traceId);
                return found is not null && found.Count >= spanCount;
            },
            $"{spanCount} spans of trace {traceId} of service {service} in /api/traces",
            TimeSpan.FromSeconds(60));
        Assert.Equal(spanCount, found!.Count);
        return found;
    }

    public void Dispose() => _http.Dispose();

    private static List<QuerySpan> ParseTrace(JsonElement trace)
    {
        var processes = trace.GetProperty("processes");
        return
        [
            .. trace.GetProperty("spans").EnumerateArray().Select(span =>
            {
                var process = processes.GetProperty(span.GetProperty("processID").GetString()!);
                return new QuerySpan(
                    span.GetProperty("traceID").GetString()!,
                    span.GetProperty("spanID").GetString()!,
                    span.GetProperty("operationName").GetString()!,
                    span.GetProperty("startTime").GetInt64(),
                    span.GetProperty("duration").GetInt64(),
                    [.. span.GetProperty("references").EnumerateArray().Select(r => (r.GetProperty("refType").GetString()!, r.GetProperty("traceID").GetString()!, r.GetProperty("spanID").GetString()!))],
                    Tags(span.GetProperty("tags")),
                    [.. span.GetProperty("logs").EnumerateArray().Select(l => (l.GetProperty("timestamp").GetInt64(), (IReadOnlyList<QueryTag>)Tags(l.GetProperty("fields"))))],
                    process.GetProperty("serviceName").GetString()!,
                    Tags(process.GetProperty("tags")));
            }),
        ];
    }

    private static List<QueryTag> Tags(JsonElement tags) =>
    [
        .. tags.EnumerateArray().Select(t =>
        {
            var value = t.GetProperty("value");
            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => t.GetProperty("type").GetString() == "float64"
                    ? value.GetDouble().ToString("R", CultureInfo.InvariantCulture)
                    : value.GetRawText(),
            };
            return new QueryTag(t.GetProperty("key").GetString()!, t.GetProperty("type").GetString()!, text);
        }),
    ];
}
