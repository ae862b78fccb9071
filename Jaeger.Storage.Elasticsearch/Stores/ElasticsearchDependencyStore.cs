using System.Globalization;
using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage.Elasticsearch.Indices;
using Jaeger.Storage.Elasticsearch.Reading;
using Jaeger.Storage.Elasticsearch.Writing;

namespace Jaeger.Storage.Elasticsearch.Stores;

/// <summary>
/// Jaeger's dependencies index: one document per write, <c>{"timestamp": RFC 3339, "dependencies": [{parent, child, callCount}]}</c>,
/// in the daily <c>jaeger-dependencies-YYYY-MM-DD</c> of its timestamp. Reads merge the links of every document in the window.
/// </summary>
internal sealed class ElasticsearchDependencyStore : IDependencyReader, IDependencyWriter
{
    private readonly BulkIndexer _bulk;
    private readonly SearchClient _client;
    private readonly IndexNames _names;
    private readonly int _maxDocCount;

    public ElasticsearchDependencyStore(BulkIndexer bulk, SearchClient client, IndexNames names, int maxDocCount)
    {
        _bulk = bulk;
        _client = client;
        _names = names;
        _maxDocCount = maxDocCount;
    }

    /// <summary>Go's time.Time JSON form (RFC 3339 with fractional seconds, UTC).</summary>
    internal static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    public async ValueTask WriteDependenciesAsync(DateTimeOffset timestamp, IReadOnlyList<DependencyLink> links, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(links);
        var segment = new BulkSegment();
        var w = segment.BeginItem(BulkItemKind.Dependencies, _names.WriteIndex(IndexKind.Dependencies, timestamp), null);
        w.WriteStartObject();
        w.WriteString("timestamp"u8, FormatTimestamp(timestamp));
        w.WriteStartArray("dependencies"u8);
        foreach (var link in links)
        {
            w.WriteStartObject();
            w.WriteString("parent"u8, link.Parent);
            w.WriteString("child"u8, link.Child);
            w.WriteNumber("callCount"u8, link.CallCount);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        segment.EndItem();
        await _bulk.SubmitAsync(segment, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<DependencyLink>> GetDependenciesAsync(DateTimeOffset endTime, TimeSpan lookback, CancellationToken cancellationToken = default)
    {
        var start = endTime - lookback;
        var indices = _names.ForRange(IndexKind.Dependencies, start, endTime);
        var body = SearchClient.Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("size", _maxDocCount);
            w.WriteStartObject("query");
            w.WriteStartObject("range");
            w.WriteStartObject("timestamp");
            w.WriteString("gt", FormatTimestamp(start));
            w.WriteString("lte", FormatTimestamp(endTime));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        });
        using var doc = await _client.SendJsonAsync(HttpMethod.POST, SearchClient.SearchPath(indices), body, cancellationToken).ConfigureAwait(false);
        var merged = new Dictionary<(string, string), ulong>();
        var order = new List<(string, string)>();
        if (doc is null)
        {
            return [];
        }

        foreach (var hit in doc.RootElement.GetProperty("hits").GetProperty("hits").EnumerateArray())
        {
            if (!hit.GetProperty("_source").TryGetProperty("dependencies", out var links) || links.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var link in links.EnumerateArray())
            {
                var key = (link.GetProperty("parent").GetString() ?? string.Empty, link.GetProperty("child").GetString() ?? string.Empty);
                var calls = link.TryGetProperty("callCount", out var c) && c.TryGetUInt64(out var n) ? n : 0;
                if (merged.TryGetValue(key, out var sum))
                {
                    merged[key] = sum + calls;
                }
                else
                {
                    merged[key] = calls;
                    order.Add(key);
                }
            }
        }

        return [.. order.Select(k => new DependencyLink(k.Item1, k.Item2, merged[k]))];
    }
}
