using System.Security.Cryptography.X509Certificates;
using System.Text;
using Elastic.Transport;
using Elastic.Transport.Products;

namespace Jaeger.Storage.Elasticsearch.Transport;

/// <summary>An HTTP answer: status and body bytes.</summary>
internal readonly record struct SearchResponse(int Status, byte[] Body, string? ProductHeader)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// The one path every request takes, for Elasticsearch and OpenSearch alike: <c>Elastic.Transport</c>'s
/// <see cref="DistributedTransport"/> (the transport under <c>Elastic.Clients.Elasticsearch</c>) with the default
/// product registration, which makes no product check, so OpenSearch answers are accepted. Bodies are Jaeger's JSON,
/// written by this package; node pool, retries across nodes, authentication and TLS are the transport's.
/// </summary>
internal sealed class SearchConnection : IDisposable
{
    private const string ProductHeaderName = "X-Elastic-Product";
    private readonly ITransport _transport;
    private readonly TransportConfigurationDescriptor _configuration;

    public SearchConnection(ElasticsearchStorageOptions options)
    {
        var uris = new List<Uri>();
        foreach (var entry in options.ServerUrls is { Length: > 0 } configured ? configured : [ElasticsearchStorageOptions.DefaultServerUrl])
        {
            foreach (var part in entry.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new ArgumentException($"Jaeger:Storage:Elasticsearch:ServerUrls: '{part}' is not an http or https URL.");
                }

                uris.Add(uri);
            }
        }

        if (uris.Count == 0)
        {
            uris.Add(new Uri(ElasticsearchStorageOptions.DefaultServerUrl));
        }

        NodePool pool = uris.Count == 1 ? new SingleNodePool(uris[0]) : new StaticNodePool(uris);
        var descriptor = new TransportConfigurationDescriptor(pool, null, null, new DefaultProductRegistration())
            .RequestTimeout(options.RequestTimeout)
            .DisablePing()
            .EnableHttpCompression(options.HttpCompression)
            .ResponseHeadersToParse(new HeadersList(ProductHeaderName));
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            descriptor = descriptor.Authentication(new ApiKey(options.ApiKey));
        }
        else if (!string.IsNullOrEmpty(options.BearerToken))
        {
            descriptor = descriptor.GlobalHeaders(new System.Collections.Specialized.NameValueCollection { ["Authorization"] = "Bearer " + options.BearerToken });
        }
        else if (!string.IsNullOrEmpty(options.Username))
        {
            descriptor = descriptor.Authentication(new BasicAuthentication(options.Username, options.Password ?? string.Empty));
        }

        var tls = options.Tls;
        if (tls.InsecureSkipVerify)
        {
            descriptor = descriptor.ServerCertificateValidationCallback(static (_, _, _, _) => true);
        }
        else if (!string.IsNullOrEmpty(tls.CaFile))
        {
            var ca = new X509Certificate2Collection();
            ca.ImportFromPemFile(tls.CaFile);
            descriptor = descriptor.ServerCertificateValidationCallback((_, certificate, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || ValidatesWithCustomRoot(certificate, ca));
        }

        if (!string.IsNullOrEmpty(tls.CertFile))
        {
            var client = string.IsNullOrEmpty(tls.KeyFile)
                ? X509CertificateLoader.LoadPkcs12FromFile(tls.CertFile, null)
                : X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile);
            descriptor = descriptor.ClientCertificates(new X509CertificateCollection { client });
        }

        _configuration = descriptor;
        _transport = new DistributedTransport(_configuration);
    }

    /// <summary>Sends a request; answers with the status and body. A connection failure throws <see cref="StorageException"/> (transient).</summary>
    public async Task<SearchResponse> SendAsync(HttpMethod method, string path, ReadOnlyMemory<byte>? body, string? contentType, CancellationToken cancellationToken)
    {
        var local = new RequestConfiguration
        {
            ContentType = contentType ?? "application/json",
            Accept = "application/json",
            ThrowExceptions = false,
            AllowedStatusCodes = [-1],
        };
        var response = await _transport.RequestAsync<BytesResponse>(
            new EndpointPath(method, path),
            body is { } b ? PostData.ReadOnlyMemory(b) : null,
            null,
            local,
            cancellationToken).ConfigureAwait(false);
        var details = response.ApiCallDetails;
        if (details.HttpStatusCode is not { } status)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new StorageException("unavailable", $"{method} {path} failed: {details.OriginalException?.Message ?? "no answer"}", isTransient: true, details.OriginalException);
        }

        string? product = null;
        if (details.TryGetHeader(ProductHeaderName, out var values))
        {
            product = values.FirstOrDefault();
        }

        return new SearchResponse(status, response.Body ?? [], product);
    }

    public void Dispose() => (_configuration as IDisposable)?.Dispose();

    private static bool ValidatesWithCustomRoot(X509Certificate? certificate, X509Certificate2Collection roots)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
