using System.Globalization;
using System.Text.Json;

namespace Jaeger.Storage.Elasticsearch.Transport;

/// <summary>The server family: Elasticsearch or OpenSearch.</summary>
internal enum ServerFamily
{
    Elasticsearch,
    OpenSearch,
}

/// <summary>
/// The cluster's product and major version, from <c>GET /</c> as Jaeger detects it: OpenSearch when the tagline
/// contains "OpenSearch" (or <c>version.distribution</c> is <c>opensearch</c>), else Elasticsearch.
/// </summary>
internal readonly record struct ServerVersion(ServerFamily Family, int Major, string Number)
{
    public bool IsOpenSearch => Family == ServerFamily.OpenSearch;

    /// <summary>Versions this package supports: Elasticsearch 8 and 9, OpenSearch 2 and 3.</summary>
    public bool IsSupported => IsOpenSearch ? Major is 2 or 3 : Major is 8 or 9;

    public override string ToString() => $"{(IsOpenSearch ? "OpenSearch" : "Elasticsearch")} {Number}";

    /// <summary>Parses the body of <c>GET /</c>; throws <see cref="FormatException"/> when it has no version.</summary>
    public static ServerVersion Parse(ReadOnlySpan<byte> body)
    {
        using var doc = JsonDocument.Parse(body.ToArray());
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("version", out var version) ||
            !version.TryGetProperty("number", out var numberElement) || numberElement.ValueKind != JsonValueKind.String)
        {
            throw new FormatException("The server's answer to GET / has no version.number.");
        }

        var number = numberElement.GetString()!;
        var dot = number.IndexOf('.', StringComparison.Ordinal);
        if (!int.TryParse(dot < 0 ? number : number[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var major))
        {
            throw new FormatException($"The server's version '{number}' does not start with a number.");
        }

        var tagline = root.TryGetProperty("tagline", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() ?? string.Empty : string.Empty;
        var distribution = version.TryGetProperty("distribution", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        var family = tagline.Contains("OpenSearch", StringComparison.Ordinal) || string.Equals(distribution, "opensearch", StringComparison.OrdinalIgnoreCase)
            ? ServerFamily.OpenSearch
            : ServerFamily.Elasticsearch;
        return new ServerVersion(family, major, number);
    }
}
