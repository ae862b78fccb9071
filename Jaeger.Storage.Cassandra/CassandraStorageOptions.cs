using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Cassandra;

/// <summary>
/// Settings of the Cassandra span store, bound from <c>Jaeger:Storage:Cassandra</c> (the archive's from
/// <c>Jaeger:Storage:Archive:Cassandra</c>). Defaults are Jaeger's (<c>--cassandra.*</c> flags of v1.57 and the
/// <c>cassandra</c> backend of v2) unless noted.
/// </summary>
public sealed class CassandraStorageOptions
{
    /// <summary>Contact points, comma separated: host names or addresses, each optionally with <c>:port</c> (Jaeger: <c>servers</c>).</summary>
    [Required]
    [MinLength(1)]
    public string Servers { get; set; } = "127.0.0.1";

    /// <summary>The native protocol port of nodes given without one (Jaeger: <c>port</c>, 9042).</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 9042;

    /// <summary>The keyspace holding Jaeger's tables (Jaeger v1 default <c>jaeger_v1_test</c>).</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_]{1,48}$", ErrorMessage = "Jaeger:Storage:Cassandra:Keyspace must be 1 to 48 letters, digits or underscores.")]
    public string Keyspace { get; set; } = "jaeger_v1_test";

    /// <summary>PasswordAuthenticator user name; used only when <see cref="Password"/> is set too.</summary>
    public string? Username { get; set; }

    /// <summary>PasswordAuthenticator password.</summary>
    public string? Password { get; set; }

    /// <summary>Consistency of reads and writes: ANY, ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE (Jaeger default).</summary>
    [Required]
    public string Consistency { get; set; } = "LOCAL_ONE";

    /// <summary>Nodes of this data center are preferred (Jaeger: <c>local_dc</c>); empty for none.</summary>
    public string? LocalDc { get; set; }

    /// <summary>Connections to each node (Jaeger: <c>connections_per_host</c>, 2).</summary>
    [Range(1, 64)]
    public int ConnectionsPerHost { get; set; } = 2;

    /// <summary>Requests in flight per connection; senders wait beyond it, which is how a slow cluster pushes back on the collector.</summary>
    [Range(1, 32768)]
    public int MaxRequestsPerConnection { get; set; } = 1024;

    /// <summary>Attempts per idempotent statement on timeouts, overload and unavailability (Jaeger: <c>max_retry_attempts</c>, 3).</summary>
    [Range(1, 100)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The longest wait between reconnection attempts to a node (Jaeger: <c>reconnect_interval</c>, 60 s).</summary>
    public TimeSpan ReconnectInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait for a connection (Jaeger: <c>connect_timeout</c>).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for an answer to one request. Jaeger's default is no timeout; here 12 s, so a lost node cannot hang a write.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(12);

    /// <summary>A connection that read nothing for this long sends OPTIONS; no answer within <see cref="Timeout"/> closes it. Zero turns heartbeats off.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Frame compression: <c>none</c> or <c>lz4</c>, used when the node offers it. Jaeger compresses with Snappy by default, which this client does not have.</summary>
    [RegularExpression("^(none|lz4)$", ErrorMessage = "Jaeger:Storage:Cassandra:Compression must be none or lz4.")]
    public string Compression { get; set; } = "none";

    /// <summary>Use only the contact points; do not read system.peers (Jaeger: <c>disable_auto_discovery</c>).</summary>
    public bool DisableAutoDiscovery { get; set; }

    /// <summary>How long a service or operation name is remembered as written, so it is not written again (Jaeger: <c>span_store_write_cache_ttl</c>, 12 h).</summary>
    public TimeSpan WriteCacheTtl { get; set; } = TimeSpan.FromHours(12);

    /// <summary>TLS settings.</summary>
    public CassandraTlsOptions Tls { get; set; } = new();

    /// <summary>Schema creation settings.</summary>
    [ValidateObjectMembers]
    public CassandraSchemaOptions Schema { get; set; } = new();

    /// <summary>What the tag index holds.</summary>
    public CassandraIndexOptions Index { get; set; } = new();
}

/// <summary>TLS to the cluster, with an optional client certificate.</summary>
public sealed class CassandraTlsOptions
{
    /// <summary>Connect with TLS.</summary>
    public bool Enabled { get; set; }

    /// <summary>PEM file of the CA certificate(s) server certificates must chain to; empty for the system's roots.</summary>
    public string? CaPath { get; set; }

    /// <summary>PEM file of the client certificate offered to nodes that ask for one.</summary>
    public string? CertPath { get; set; }

    /// <summary>PEM file of the client certificate's private key.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The name server certificates must carry; empty for the node's address.</summary>
    public string? ServerName { get; set; }

    /// <summary>Do not check the server certificate's name (the chain is still checked).</summary>
    public bool SkipHostVerify { get; set; }
}

/// <summary>Creating Jaeger's schema v004 at start.</summary>
public sealed class CassandraSchemaOptions
{
    /// <summary>Create the keyspace, types and tables (IF NOT EXISTS) when the store starts. Off by default: production schemas are usually created by an operator.</summary>
    public bool Create { get; set; }

    /// <summary><c>SimpleStrategy</c> (create.sh's test mode) or <c>NetworkTopologyStrategy</c> (prod mode, needs <see cref="Datacenter"/>).</summary>
    [RegularExpression("^(SimpleStrategy|NetworkTopologyStrategy)$", ErrorMessage = "Jaeger:Storage:Cassandra:Schema:ReplicationStrategy must be SimpleStrategy or NetworkTopologyStrategy.")]
    public string ReplicationStrategy { get; set; } = "SimpleStrategy";

    /// <summary>The data center named in NetworkTopologyStrategy's replication map.</summary>
    public string? Datacenter { get; set; }

    /// <summary>Replicas of each row (create.sh: 1 in test mode, 2 in prod mode).</summary>
    [Range(1, 32)]
    public int ReplicationFactor { get; set; } = 1;

    /// <summary>Time to live of spans and their indexes (create.sh TRACE_TTL: 172800 s = 2 days).</summary>
    public TimeSpan TraceTtl { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Time to live of dependency links; zero for none (create.sh DEPENDENCIES_TTL: 0).</summary>
    public TimeSpan DependenciesTtl { get; set; } = TimeSpan.Zero;

    /// <summary>Compaction window of the traces table, like create.sh's COMPACTION_WINDOW (<c>30m</c>, <c>2h</c>, <c>1d</c>); empty for ceil(TTL in minutes / 30) minutes.</summary>
    [RegularExpression("^([0-9]+[mhd])?$", ErrorMessage = "Jaeger:Storage:Cassandra:Schema:CompactionWindow must be a number followed by m, h or d.")]
    public string? CompactionWindow { get; set; }
}

/// <summary>What goes into the tag index (Jaeger: <c>index.*</c>).</summary>
public sealed class CassandraIndexOptions
{
    /// <summary>Index span tags (Jaeger: <c>index.tags</c>, true).</summary>
    public bool Tags { get; set; } = true;

    /// <summary>Index process tags (Jaeger: <c>index.process-tags</c>, true).</summary>
    public bool ProcessTags { get; set; } = true;

    /// <summary>Index log fields (Jaeger: <c>index.logs</c>, true).</summary>
    public bool Logs { get; set; } = true;

    /// <summary>Comma-separated tag keys never indexed (Jaeger: <c>index.tag-blacklist</c>); exclusive with <see cref="TagWhitelist"/>.</summary>
    public string? TagBlacklist { get; set; }

    /// <summary>Comma-separated tag keys, the only ones indexed (Jaeger: <c>index.tag-whitelist</c>); exclusive with <see cref="TagBlacklist"/>.</summary>
    public string? TagWhitelist { get; set; }
}

/// <summary>Validates <see cref="CassandraStorageOptions"/> (source-generated), plus the rules attributes cannot state.</summary>
[OptionsValidator]
internal sealed partial class CassandraStorageOptionsValidator : IValidateOptions<CassandraStorageOptions>
{
}

/// <summary>Cross-field rules of <see cref="CassandraStorageOptions"/>, with messages naming the configuration keys.</summary>
internal sealed class CassandraStorageOptionsRules : IValidateOptions<CassandraStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, CassandraStorageOptions options)
    {
        var failures = new List<string>();
        if (Cluster.CassandraConsistency.TryParse(options.Consistency, out _) is false)
        {
            failures.Add($"Jaeger:Storage:Cassandra:Consistency '{options.Consistency}' is not a consistency level (ONE, QUORUM, LOCAL_ONE, LOCAL_QUORUM ...).");
        }

        if (!string.IsNullOrEmpty(options.Index.TagBlacklist) && !string.IsNullOrEmpty(options.Index.TagWhitelist))
        {
            failures.Add("Jaeger:Storage:Cassandra:Index:TagBlacklist and Jaeger:Storage:Cassandra:Index:TagWhitelist cannot both be set.");
        }

        if (options.Schema.ReplicationStrategy == "NetworkTopologyStrategy" && string.IsNullOrWhiteSpace(options.Schema.Datacenter))
        {
            failures.Add("Jaeger:Storage:Cassandra:Schema:Datacenter is required with NetworkTopologyStrategy.");
        }

        if (options.Schema.TraceTtl < TimeSpan.Zero || options.Schema.DependenciesTtl < TimeSpan.Zero)
        {
            failures.Add("Jaeger:Storage:Cassandra:Schema:TraceTtl and DependenciesTtl must not be negative.");
        }

        if (options.Tls.Enabled && string.IsNullOrEmpty(options.Tls.CertPath) != string.IsNullOrEmpty(options.Tls.KeyPath))
        {
            failures.Add("Jaeger:Storage:Cassandra:Tls:CertPath and Jaeger:Storage:Cassandra:Tls:KeyPath go together.");
        }

        if (options.Timeout <= TimeSpan.Zero || options.ConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add("Jaeger:Storage:Cassandra:Timeout and ConnectTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
