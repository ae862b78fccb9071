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
            return response.Body.Length == 0 ? null : JsonDocument.Parse(response.Body);
        }

        var (type, reason) = BulkIndexer.ErrorOf(response.Body);
        if (response.Status == 404 && type is "index_not_found_exception")
        {
            return null;
        }

        throw new StorageException(type ?? $"http_{response.Status}", $"{method} {path} failed with HTTP {response.Status}: {type}: {reason ?? Truncate(response.BodyText)}", response.Status is 429 or >= 500);
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500] + "…";

    public static string Text(byte[] body) => Encoding.UTF8.GetString(body);
}
