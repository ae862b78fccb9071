using System.Globalization;
using System.Text.Json;
using Jaeger.Storage.Elasticsearch.Indices;
using Jaeger.Storage.Elasticsearch.Reading;
using Jaeger.Storage.Elasticsearch.Writing;

namespace Jaeger.Storage.Elasticsearch.Stores;

/// <summary>
/// Leases for electing one adaptive-sampling leader among collectors, in the index <c>[prefix-]jaeger-lease</c> beside
/// the sampling indices: one document per resource, <c>_id</c> = the resource, <c>{"owner", "expiresAt"}</c> (epoch ms).
/// Jaeger's Elasticsearch storage has no lock; this one is built on the server's optimistic concurrency control.
/// </summary>
/// <remarks>
/// A free resource is taken with <c>PUT …/_create/{id}</c>, which only one caller can win (409 for the others). A held
/// one is taken over when expired, or extended by its owner, with <c>PUT …/_doc/{id}?if_seq_no=&amp;if_primary_term=</c>
/// of the version just read, so of two collectors racing for an expired lease exactly one succeeds. Forfeit deletes
/// with the same condition. Reads by id are realtime (no refresh needed). Expiry is judged on each caller's clock
/// (<see cref="TimeProvider"/>), so collectors' clocks should agree to well within the lease's TTL.
/// </remarks>
internal sealed class ElasticsearchLeaseStore : ILeaseStore
{
    private readonly SearchClient _client;
    private readonly string _index;
    private readonly TimeProvider _time;

    public ElasticsearchLeaseStore(SearchClient client, IndexNames names, TimeProvider time)
    {
        _client = client;
        _index = IndexName(names);
        _time = time;
    }

    /// <summary>The lease index: not dated (leases outlive days) and outside every <c>jaeger-sampling-*</c> pattern, so no template or retention touches it.</summary>
    public static string IndexName(IndexNames names) => names.Prefix + "jaeger-lease";

    public async ValueTask<bool> TryAcquireAsync(string resource, string owner, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        var now = _time.GetUtcNow();
        var body = Document(owner, now + ttl);
        var current = await ReadAsync(resource, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return await WriteAsync(HttpMethod.PUT, $"/{Escape(_index)}/_create/{Escape(resource)}", body, cancellationToken).ConfigureAwait(false);
        }

        var (holder, expiresAt, seqNo, primaryTerm) = current.Value;
        if (holder != owner && expiresAt > now.ToUnixTimeMilliseconds())
        {
            return false;
        }

        return await WriteAsync(HttpMethod.PUT, $"/{Escape(_index)}/_doc/{Escape(resource)}{Condition(seqNo, primaryTerm)}", body, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> ForfeitAsync(string resource, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var current = await ReadAsync(resource, cancellationToken).ConfigureAwait(false);
        if (current is not { } lease || lease.Owner != owner)
        {
            return false;
        }

        return await WriteAsync(HttpMethod.DELETE, $"/{Escape(_index)}/_doc/{Escape(resource)}{Condition(lease.SeqNo, lease.PrimaryTerm)}", null, cancellationToken).ConfigureAwait(false);
    }

    private static string Escape(string text) => Uri.EscapeDataString(text);

    private static string Condition(long seqNo, long primaryTerm) =>
        string.Create(CultureInfo.InvariantCulture, $"?if_seq_no={seqNo}&if_primary_term={primaryTerm}");

    private static byte[] Document(string owner, DateTimeOffset expiresAt) => SearchClient.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("owner"u8, owner);
        w.WriteNumber("expiresAt"u8, expiresAt.ToUnixTimeMilliseconds());
        w.WriteEndObject();
    });

    /// <summary>The lease document with its version, or null when there is none (or no lease index yet).</summary>
    private async Task<(string Owner, long ExpiresAt, long SeqNo, long PrimaryTerm)?> ReadAsync(string resource, CancellationToken cancellationToken)
    {
        var path = $"/{Escape(_index)}/_doc/{Escape(resource)}";
        var response = await _client.Connection.SendAsync(HttpMethod.GET, path, null, null, cancellationToken).ConfigureAwait(false);
        if (response.Status == 404)
        {
            return null;
        }

        if (!response.IsSuccess)
        {
            throw Failure("GET", path, response.Status, response.Body);
        }

        using var doc = JsonDocument.Parse(response.Body);
        var root = doc.RootElement;
        if (!root.TryGetProperty("found", out var found) || !found.GetBoolean())
        {
            return null;
        }

        if (!root.TryGetProperty("_source", out var source) || !source.TryGetProperty("owner", out var owner) || owner.ValueKind != JsonValueKind.String ||
            !source.TryGetProperty("expiresAt", out var expires) || expires.ValueKind != JsonValueKind.Number ||
            !root.TryGetProperty("_seq_no", out var seqNo) || !root.TryGetProperty("_primary_term", out var term))
        {
            throw new StorageException("bad_document", $"The lease document {path} is not {{owner, expiresAt}} with _seq_no and _primary_term: {SearchClient.Text(response.Body)}", isTransient: false);
        }

        return (owner.GetString()!, expires.GetInt64(), seqNo.GetInt64(), term.GetInt64());
    }

    /// <summary>True when the conditional write succeeded; false when another caller changed the lease first (409).</summary>
    private async Task<bool> WriteAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        var response = await _client.Connection.SendAsync(method, path, body, body is null ? null : "application/json", cancellationToken).ConfigureAwait(false);
        if (response.IsSuccess)
        {
            return true;
        }

        if (response.Status is 409 || (response.Status == 404 && method == HttpMethod.DELETE))
        {
            return false;
        }

        throw Failure(method.ToString(), path, response.Status, response.Body);
    }

    private static StorageException Failure(string method, string path, int status, byte[] body)
    {
        var (type, reason) = BulkIndexer.ErrorOf(body);
        return new StorageException(type ?? $"http_{status}", $"{method} {path} failed with HTTP {status}: {type}: {reason}", status is 429 or >= 500);
    }
}
