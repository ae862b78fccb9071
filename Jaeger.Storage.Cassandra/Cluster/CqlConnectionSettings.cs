using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Jaeger.Storage.Cassandra.Cluster;

/// <summary>How each connection is opened and kept.</summary>
internal sealed class CqlConnectionSettings
{
    /// <summary>The keyspace every connection switches to (USE) after the handshake; null for none.</summary>
    public string? Keyspace { get; init; }

    /// <summary>PasswordAuthenticator user name; both it and <see cref="Password"/> are needed to authenticate.</summary>
    public string? UserName { get; init; }

    public string? Password { get; init; }

    public CqlTlsSettings? Tls { get; init; }

    /// <summary>Body compression negotiated in STARTUP; null for none.</summary>
    public ICqlCompressor? Compression { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(12);

    /// <summary>An idle connection sends OPTIONS this often; zero turns heartbeats off.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Stream ids, hence requests in flight, per connection.</summary>
    public int MaxRequestsPerConnection { get; init; } = 1024;
}

/// <summary>TLS for connections: server validation against given roots or the system's, and an optional client certificate.</summary>
internal sealed class CqlTlsSettings
{
    /// <summary>The name the server certificate must carry; null for the host's address.</summary>
    public string? ServerName { get; init; }

    /// <summary>Client certificates (with private keys) offered to servers that ask for one.</summary>
    public X509Certificate2Collection ClientCertificates { get; init; } = [];

    /// <summary>Roots that server certificates must chain to, instead of the system's; empty for the system's.</summary>
    public X509Certificate2Collection TrustedRoots { get; init; } = [];

    /// <summary>Skips checking the server's name (the chain is still checked).</summary>
    public bool SkipHostVerify { get; init; }

    public SslClientAuthenticationOptions ToAuthenticationOptions(IPEndPoint endPoint)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = ServerName ?? endPoint.Address.ToString(),
            ClientCertificates = ClientCertificates,
        };
        if (TrustedRoots.Count > 0 || SkipHostVerify)
        {
            options.RemoteCertificateValidationCallback = Validate;
        }

        return options;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return false;
        }

        if (SkipHostVerify)
        {
            errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
        }

        if (TrustedRoots.Count == 0)
        {
            return errors == SslPolicyErrors.None;
        }

        if ((errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(TrustedRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}

/// <summary>A body compression algorithm of the v4 protocol (named in STARTUP's COMPRESSION).</summary>
internal interface ICqlCompressor
{
    /// <summary>The STARTUP name: <c>lz4</c> or <c>snappy</c>.</summary>
    string Name { get; }

    byte[] Compress(ReadOnlySpan<byte> body);

    byte[] Decompress(ReadOnlySpan<byte> body);
}
