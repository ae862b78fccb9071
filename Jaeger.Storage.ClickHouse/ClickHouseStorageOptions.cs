using System.ComponentModel.DataAnnotations;
using Jaeger.Configuration;
using Jaeger.Storage.Builder;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.ClickHouse;

/// <summary>
/// Settings of the ClickHouse span store, bound from <c>Jaeger:Storage:ClickHouse</c> (the archive's from
/// <c>Jaeger:Storage:Archive:ClickHouse</c>). Defaults follow Jaeger v2's ClickHouse storage where it has one.
/// </summary>
public sealed class ClickHouseStorageOptions
{
    /// <summary>The configuration section under <c>Jaeger:Storage</c>.</summary>
    public const string SectionName = "ClickHouse";

    private static readonly ClickHouseStorageOptionsAnnotationsValidator s_attributes = new();

    /// <summary>The server's HTTP interface, for example <c>http://localhost:8123</c> or <c>https://host:8443</c>.</summary>
    [Required(ErrorMessage = "Jaeger:Storage:ClickHouse:Endpoint is required.")]
    public string Endpoint { get; set; } = "http://localhost:8123";

    /// <summary>The database holding the tables (Jaeger's default <c>jaeger</c>): letters, digits and underscores.</summary>
    [Required(ErrorMessage = "Jaeger:Storage:ClickHouse:Database is required.")]
    public string Database { get; set; } = "jaeger";

    /// <summary>The user (ClickHouse's default user <c>default</c>).</summary>
    public string Username { get; set; } = "default";

    /// <summary>The password; empty for none.</summary>
    public string Password { get; set; } = string.Empty;

    /// <summary>Create the database, tables and materialized views at start when they are missing (Jaeger's <c>create_schema</c>, default false).</summary>
    public bool CreateSchema { get; set; }

    /// <summary>
    /// How long spans are kept: a ClickHouse TTL on <c>spans</c> and <c>trace_id_timestamps</c>, applied when the
    /// schema is created (whole seconds; zero, the default, keeps data forever, as Jaeger's <c>ttl</c>).
    /// </summary>
    public TimeSpan Ttl { get; set; }

    /// <summary>
    /// A cluster name: DDL runs <c>ON CLUSTER</c>, tables use Replicated engines and each gets a Distributed table
    /// in front (see <see cref="Replicated"/>). Null or empty, the default, is a single node as Jaeger's schema.
    /// </summary>
    public string? Cluster { get; set; }

    /// <summary>With <see cref="Cluster"/>: use ReplicatedMergeTree engines (default true).</summary>
    public bool Replicated { get; set; } = true;

    /// <summary>With <see cref="Replicated"/>: the ZooKeeper/Keeper path of each local table; <c>{table}</c> is replaced by the table name.</summary>
    public string ReplicationPath { get; set; } = "/clickhouse/tables/{shard}/{database}/{table}";

    /// <summary>With <see cref="Replicated"/>: the replica name (a server macro by default).</summary>
    public string ReplicaName { get; set; } = "{replica}";

    /// <summary>
    /// The most spans in one INSERT; a larger write is split (default 50,000). Every INSERT makes a part in
    /// <c>spans</c> and in each table the materialized views fill, and the server merges those parts again and
    /// again, so fewer, larger INSERTs cost the server less per span (ClickHouse advises 10,000 to 100,000 rows).
    /// An INSERT holds only the spans that are waiting when an INSERT slot frees, so it reaches this size only when
    /// callers have that many spans in flight (see the package README).
    /// </summary>
    [Between(1, 1_000_000)]
    public int BatchSize { get; set; } = 50_000;

    /// <summary>
    /// The most RowBinary-encoded bytes (before compression) in one INSERT (default 64 MiB, about 70,000 spans of 11
    /// attributes); a group closes at the span that reaches it. The writer holds at most this much per running INSERT
    /// (<see cref="MaxConcurrentInserts"/>) plus the group being filled. At most 1 GiB.
    /// </summary>
    [Between(1024, 1 << 30)]
    public int BatchMaxBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// How long an INSERT may wait for more spans once a write arrived while another INSERT is running (default 0:
    /// writes that arrive together go together, and a lone write goes at once).
    /// </summary>
    [DurationBetween("00:00:00", "00:01:00")]
    public TimeSpan FlushInterval { get; set; }

    /// <summary>How many INSERTs run at once (default 2).</summary>
    [Between(1, 64)]
    public int MaxConcurrentInserts { get; set; } = 2;

    /// <summary>
    /// How many write calls may wait for their INSERT at once; further calls wait for a slot (back-pressure to the
    /// collector). Default 64. The writer also asks the collector for this many concurrent calls, of
    /// ceil(<see cref="BatchSize"/> x <see cref="MaxConcurrentInserts"/> / this) spans each, so INSERTs can be full.
    /// </summary>
    [Between(1, 100_000)]
    public int MaxPendingWrites { get; set; } = 64;

    /// <summary>The time one request may take (default 30 s).</summary>
    [PositiveDuration]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Traces a search returns when the query gives no limit is the query's own default; this caps any limit (Jaeger's <c>max_search_depth</c>, 10,000).</summary>
    [Between(1, 1_000_000)]
    public int MaxSearchDepth { get; set; } = 10_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option (for values given in code).</summary>
    public void Validate()
    {
        if (s_attributes.Validate(null, this).Failures?.FirstOrDefault() is { } failure)
        {
            throw new ArgumentException(failure);
        }

        if (ValidateExtra() is { } error)
        {
            throw new ArgumentException(error);
        }
    }

    /// <summary>
    /// The first problem the attributes cannot express, naming its configuration key; null when there is none. The
    /// ranges are attributes (<see cref="BetweenAttribute"/>, ...), checked by <see cref="ClickHouseStorageOptionsAnnotationsValidator"/>.
    /// </summary>
    /// <param name="role">The role whose section the options come from, named in the messages.</param>
    internal string? ValidateExtra(StorageRole role = StorageRole.Primary)
    {
        var key = role.SectionPath(SectionName) + ":";
        if (string.IsNullOrWhiteSpace(Database) || !IsIdentifier(Database))
        {
            return $"{key}Database must be letters, digits and underscores, not starting with a digit, not '{Database}'.";
        }

        if (!string.IsNullOrEmpty(Cluster) && !Cluster.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '{' or '}'))
        {
            return $"{key}Cluster must be a plain cluster name (letters, digits, _ - {{ }}), not '{Cluster}'.";
        }

        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"{key}Endpoint must be an absolute http or https URL, not '{Endpoint}'.";
        }

        if (Ttl < TimeSpan.Zero || Ttl.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return $"{key}Ttl must be zero or a positive whole number of seconds, not {Ttl}.";
        }

        if (!string.IsNullOrEmpty(Cluster) && Replicated && (string.IsNullOrWhiteSpace(ReplicationPath) || ReplicationPath.Contains('\'', StringComparison.Ordinal) || ReplicaName.Contains('\'', StringComparison.Ordinal)))
        {
            return $"{key}ReplicationPath and {key}ReplicaName must be set and contain no quote.";
        }

        return null;
    }

    private static bool IsIdentifier(string value) =>
        !char.IsAsciiDigit(value[0]) && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}

/// <summary>Validates the DataAnnotations of <see cref="ClickHouseStorageOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class ClickHouseStorageOptionsAnnotationsValidator : IValidateOptions<ClickHouseStorageOptions>
{
    // Options given in code are checked before AddClickHouse binds the section, so the primary's keys are known from the start.
    static ClickHouseStorageOptionsAnnotationsValidator() =>
        OptionKeys.Register(typeof(ClickHouseStorageOptions), null, StorageRole.Primary.SectionPath(ClickHouseStorageOptions.SectionName));
}

/// <summary>The checks of <see cref="ClickHouseStorageOptions.ValidateExtra"/> at host start.</summary>
internal sealed class ClickHouseStorageOptionsValidator : IValidateOptions<ClickHouseStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, ClickHouseStorageOptions options) =>
        options.ValidateExtra(name == StorageRoles.ArchiveOptionsName ? StorageRole.Archive : StorageRole.Primary) is { } error
            ? ValidateOptionsResult.Fail(error)
            : ValidateOptionsResult.Success;
}
