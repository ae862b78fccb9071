using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Jaeger.Model;

namespace Jaeger.Client.Senders;

/// <summary>
/// Calls a Jaeger collector's gRPC <c>jaeger.api_v2.CollectorService/PostSpans</c> (default port 14250) over HTTP/2:
/// cleartext (h2c) by default, TLS when a root certificate or a client certificate is configured. Requests are
/// api_v2 protobuf written by <see cref="ApiV2ProtobufWriter"/>, split so no message exceeds the byte cap.
/// </summary>
internal sealed class GrpcSender : ISender
{
    /// <summary>The target when the gRPC sender is chosen without one (as the Jaeger C# client).</summary>
    public const string DefaultTarget = "localhost:14250";

    private const string PostSpansPath = "jaeger.api_v2.CollectorService/PostSpans";

    // grpc-status codes 0..16 as metric tags.
    private static readonly string[] StatusNames =
    [
        "grpc_ok", "grpc_cancelled", "grpc_unknown", "grpc_invalid_argument", "grpc_deadline_exceeded", "grpc_not_found",
        "grpc_already_exists", "grpc_permission_denied", "grpc_resource_exhausted", "grpc_failed_precondition", "grpc_aborted",
        "grpc_out_of_range", "grpc_unimplemented", "grpc_internal", "grpc_unavailable", "grpc_data_loss", "grpc_unauthenticated",
    ];

    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");

    private readonly Uri _endpoint;
    private readonly HttpClient _http;
    private readonly GrpcTls? _tls;
    private readonly int _maxRequestBytes;
    private readonly SenderStats _stats;
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);

    /// <summary>Creates a sender.</summary>
    /// <param name="target">host:port of the collector's gRPC endpoint (checked by <see cref="TryParseTarget"/>).</param>
    /// <param name="tls">Certificates for TLS, or null for cleartext HTTP/2.</param>
    /// <param name="maxRequestBytes">Largest gRPC message.</param>
    /// <param name="stats">Drop counters.</param>
    public GrpcSender(string target, GrpcTls? tls, int maxRequestBytes, SenderStats stats)
    {
        if (!TryParseTarget(target, tls is not null, out var baseAddress, out var error))
        {
            throw new ArgumentException(error, nameof(target));
        }

        _endpoint = new Uri(baseAddress, PostSpansPath);
        _maxRequestBytes = maxRequestBytes;
        _stats = stats;
        _tls = tls;
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        tls?.Configure(handler.SslOptions);
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The PostSpans URL.</summary>
    public Uri Endpoint => _endpoint;

    /// <summary>Reads a gRPC target, <c>host:port</c> (port 14250 when left out), as the base URL of the collector.</summary>
    public static bool TryParseTarget(string target, bool tls, [NotNullWhen(true)] out Uri? baseAddress, out string error)
    {
        baseAddress = null;
        var value = target.Trim();
        if (value.Length == 0 || value.Contains("://", StringComparison.Ordinal) || value.Contains('/', StringComparison.Ordinal))
        {
            error = $"'{target}' is not host:port (for example collector:14250).";
            return false;
        }

        if (value.LastIndexOf(':') <= value.LastIndexOf(']'))
        {
            value += ":14250";
        }

        if (!Uri.TryCreate((tls ? "https://" : "http://") + value + "/", UriKind.Absolute, out var uri)
            || uri.Host.Length == 0 || uri.UserInfo.Length != 0 || uri.AbsolutePath != "/" || uri.Query.Length != 0 || uri.Fragment.Length != 0
            || uri.Port is < 1 or > 65535)
        {
            error = $"'{target}' is not host:port (for example collector:14250).";
            return false;
        }

        baseAddress = uri;
        error = string.Empty;
        return true;
    }

    public async ValueTask<SendResult> SendAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken)
    {
        if (spans.Count == 0)
        {
            return new SendResult(0);
        }

        var process = spans[0].Process;
        return await RequestSplitter.SendAsync(
            spans,
            _maxRequestBytes - ApiV2ProtobufWriter.GetRequestOverhead(process),
            ApiV2ProtobufWriter.GetSpanSize,
            (chunk, ct) => PostAsync(process, chunk, ct),
            _stats,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Null on success, else a short failure reason.</summary>
    private async Task<string?> PostAsync(Process process, List<Span> spans, CancellationToken cancellationToken)
    {
        _buffer.ResetWrittenCount();
        ApiV2ProtobufWriter.WriteGrpcMessage(_buffer, process, spans);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ReadOnlyMemoryContent(_buffer.WrittenMemory),
        };
        request.Content.Headers.ContentType = GrpcContentType;
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        string? failure;
        try
        {
            using var suppress = Bridge.ActivityBridge.SuppressInstrumentation();
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            failure = response.StatusCode != HttpStatusCode.OK
                ? "http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)
                : StatusFailure(GrpcStatus(response.TrailingHeaders) ?? GrpcStatus(response.Headers));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            failure = "grpc_error";
        }

        if (failure is not null)
        {
            _stats.AddFailedToEmit(spans.Count);
        }

        return failure;
    }

    private static string? GrpcStatus(HttpHeaders headers) =>
        headers.TryGetValues("grpc-status", out var values) ? values.FirstOrDefault() : null;

    private static string? StatusFailure(string? status)
    {
        if (status is null)
        {
            return "grpc_no_status";
        }

        if (!int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return "grpc_bad_status";
        }

        return code == 0 ? null : code < StatusNames.Length ? StatusNames[code] : "grpc_status_" + code.ToString(CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _tls?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// TLS settings of the gRPC sender, loaded from PEM files: the root certificates the collector's certificate must chain
/// to (the system's roots when none), and an optional client certificate chain and key for mutual TLS.
/// </summary>
internal sealed class GrpcTls : IDisposable
{
    private readonly X509Certificate2Collection? _roots;
    private readonly SslStreamCertificateContext? _clientCertificate;

    private GrpcTls(X509Certificate2Collection? roots, SslStreamCertificateContext? clientCertificate)
    {
        _roots = roots;
        _clientCertificate = clientCertificate;
    }

    /// <summary>Null (cleartext) when neither a root certificate nor a client chain is given. Throws for unreadable files.</summary>
    public static GrpcTls? Load(string? rootCertificate, string? clientChain, string? clientKey)
    {
        if (string.IsNullOrWhiteSpace(rootCertificate) && string.IsNullOrWhiteSpace(clientChain))
        {
            return null;
        }

        var roots = string.IsNullOrWhiteSpace(rootCertificate) ? null : LoadRoots(rootCertificate);
        var client = string.IsNullOrWhiteSpace(clientChain) ? null : LoadClientCertificate(clientChain, string.IsNullOrWhiteSpace(clientKey) ? clientChain : clientKey);
        return new GrpcTls(roots, client);
    }

    /// <summary>Every certificate of a PEM file; throws when there is none.</summary>
    private static X509Certificate2Collection LoadRoots(string path)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        return roots.Count > 0 ? roots : throw new CryptographicException($"'{path}' holds no PEM certificate.");
    }

    /// <summary>The first certificate of a PEM chain with its PEM private key, the rest of the chain sent as intermediates.</summary>
    private static SslStreamCertificateContext LoadClientCertificate(string chainPath, string keyPath)
    {
        var leaf = X509Certificate2.CreateFromPemFile(chainPath, keyPath);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(chainPath);
        chain.RemoveAt(0);
        return SslStreamCertificateContext.Create(leaf, chain, offline: true);
    }

    public void Configure(SslClientAuthenticationOptions ssl)
    {
        ssl.ClientCertificateContext = _clientCertificate;
        if (_roots is { } roots)
        {
            ssl.RemoteCertificateValidationCallback = (_, certificate, presented, errors) => IsTrusted(roots, certificate, presented, errors);
        }
    }

    public void Dispose()
    {
        foreach (var root in _roots ?? [])
        {
            root.Dispose();
        }

        _clientCertificate?.TargetCertificate.Dispose();
    }

    private static bool IsTrusted(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
