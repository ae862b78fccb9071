using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Jaeger.Storage.Elasticsearch.Transport;
using Jaeger.Storage.Elasticsearch.Writing;

namespace Jaeger.Storage.Elasticsearch.Reading;

/// <summary>Search requests over the transport: JSON bodies built with a callback, answers parsed, errors turned into <see cref="StorageException"/>.</summary>
internal sealed class SearchClient
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public SearchClient(SearchConnection connection) => Connection = connection;

    public SearchConnection Connection { get; }

    /// <summary>The path of a search over <paramref name="indices"/>: missing indices are skipped, as in Jaeger.</summary>
    public static string SearchPath(IEnumerable<string> indices) =>
        "/" + string.Join(',', indices.Select(i => Uri.EscapeDataString(i).Replace("%2C", ",", StringComparison.Ordinal))) + "/_search?ignore_unavailable=true&allow_no_indices=true";

    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(w);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sends a search (or any JSON request) and parses the answer; a missing index answers null.</summary>
    public async Task<JsonDocument?> SendJsonAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken, string contentType = "application/json")
    {
        var response = await Connection.SendAsync(method, path, body, contentType, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccess)
        {
            if (response.Body.Length == 0)
            {
                return null;
            }

            var doc = JsonDocument.Parse(response.Body);
            try
            {
                ThrowOnShardFailures(doc.RootElement, path);
            }
            catch
            {
                doc.Dispose();
                throw;
            }

            return doc;
        }

        var (type, reason) = BulkIndexer.ErrorOf(response.Body);
        if (response.Status == 404 && type is "index_not_found_exception")
        {
            return null;
        }

        throw new StorageException(type ?? $"http_{response.Status}", $"{method} {path} failed with HTTP {response.Status}: {type}: {reason ?? Truncate(response.BodyText)}", response.Status is 429 or >= 500);
    }

    /// <summary>
    /// A search answered by only some shards is partial: Elasticsearch still answers 200 with <c>_shards.failed</c> &gt; 0.
    /// Jaeger uses such answers as if whole; here they fail the read (transient), so a search never answers wrongly.
    /// </summary>
    public static void ThrowOnShardFailures(JsonElement response, string what)
    {
        if (response.ValueKind != JsonValueKind.Object || !response.TryGetProperty("_shards", out var shards) ||
            !shards.TryGetProperty("failed", out var failed) || failed.ValueKind != JsonValueKind.Number || failed.GetInt32() == 0)
        {
            return;
        }

        string? type = null, reason = null;
        if (shards.TryGetProperty("failures", out var failures) && failures.ValueKind == JsonValueKind.Array && failures.GetArrayLength() > 0 &&
            failures[0].TryGetProperty("reason", out var first))
        {
            (type, reason) = first.ValueKind == JsonValueKind.Object
                ? (first.TryGetProperty("type", out var t) ? t.GetString() : null, first.TryGetProperty("reason", out var r) ? r.GetString() : null)
                : (null, first.ToString());
        }

        throw new StorageException(type ?? "shard_failure", $"{what}: {failed.GetInt32()} shard(s) failed, the answer would be partial: {type}: {reason}", isTransient: true);
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500] + "…";

    public static string Text(byte[] body) => Encoding.UTF8.GetString(body);
}
