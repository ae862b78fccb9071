using System.Diagnostics.Metrics;
using System.Security.Cryptography.X509Certificates;
using Jaeger.Storage.Cassandra.Cluster;
using Jaeger.Storage.Cassandra.Spans;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaeger.Storage.Cassandra;

/// <summary>Builds a Cassandra backend (session, writer, reader, dependencies) from its options.</summary>
internal static class CassandraBackendFactory
{
    public const string StorageType = "cassandra";

    public static StorageBackend Create(CassandraStorageOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        time ??= TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        var session = new CqlSession(SessionSettings(options), time, loggerFactory);
        var store = new CassandraStore(options, session, time, loggerFactory);
        var meter = meterFactory?.Create("Jaeger.Storage.Cassandra");
        var dependencies = new CassandraDependencyStore(store);
        var sampling = new CassandraSamplingStore(store);
        return new StorageBackend(StorageType, new CassandraSpanWriter(store, meter), new CassandraSpanReader(store))
        {
            DependencyReader = dependencies,
            DependencyWriter = dependencies,
            SamplingStore = sampling,
            LeaseStore = sampling,
            Maintenance = new CassandraMaintenance(store),
            OnStart = store.StartAsync,
            OnDispose = store.DisposeAsync,
        };
    }

    internal static CqlSessionSettings SessionSettings(CassandraStorageOptions options) => new()
    {
        ContactPoints = options.Servers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
        Port = options.Port,
        ConnectionsPerHost = options.ConnectionsPerHost,
        DisableDiscovery = options.DisableAutoDiscovery,
        LocalDataCenter = string.IsNullOrWhiteSpace(options.LocalDc) ? null : options.LocalDc,
        MaxAttempts = options.MaxRetryAttempts,
        ReconnectMax = options.ReconnectInterval,
        Connection = new CqlConnectionSettings
        {
            Keyspace = options.Keyspace,
            UserName = string.IsNullOrEmpty(options.Username) || string.IsNullOrEmpty(options.Password) ? null : options.Username,
            Password = string.IsNullOrEmpty(options.Username) || string.IsNullOrEmpty(options.Password) ? null : options.Password,
            Tls = Tls(options.Tls),
            Compression = options.Compression == "lz4" ? Lz4Compressor.Instance : null,
            ConnectTimeout = options.ConnectTimeout,
            RequestTimeout = options.Timeout,
            HeartbeatInterval = options.HeartbeatInterval,
            MaxRequestsPerConnection = options.MaxRequestsPerConnection,
        },
    };

    private static CqlTlsSettings? Tls(CassandraTlsOptions tls)
    {
        if (!tls.Enabled)
        {
            return null;
        }

        var roots = new X509Certificate2Collection();
        if (!string.IsNullOrEmpty(tls.CaPath))
        {
            roots.ImportFromPemFile(tls.CaPath);
        }

        var clients = new X509Certificate2Collection();
        if (!string.IsNullOrEmpty(tls.CertPath) && !string.IsNullOrEmpty(tls.KeyPath))
        {
            using var pem = X509Certificate2.CreateFromPemFile(tls.CertPath, tls.KeyPath);

            // SslStream on Linux needs the key in an exportable, persisted form; a PKCS#12 round trip gives that.
            clients.Add(X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null));
        }

        return new CqlTlsSettings
        {
            ServerName = string.IsNullOrWhiteSpace(tls.ServerName) ? null : tls.ServerName,
            TrustedRoots = roots,
            ClientCertificates = clients,
            SkipHostVerify = tls.SkipHostVerify,
        };
    }
}
