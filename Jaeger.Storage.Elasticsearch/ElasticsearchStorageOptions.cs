using Jaeger.Configuration;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Elasticsearch;

/// <summary>
/// Settings of the Elasticsearch / OpenSearch storage, bound from <c>Jaeger:Storage:Elasticsearch</c> (the archive's from
/// <c>Jaeger:Storage:Archive:Elasticsearch</c>) for both storage types <c>elasticsearch</c> and <c>opensearch</c>.
/// Defaults are Jaeger's.
/// </summary>
public sealed class ElasticsearchStorageOptions
{
    /// <summary>Jaeger's default node URL, used when <see cref="ServerUrls"/> is empty.</summary>
    public const string DefaultServerUrl = "http://127.0.0.1:9200";

    /// <summary>
    /// The node URLs, comma-separated or as a list (Jaeger's <c>server_urls</c>); empty (the default) for
    /// <see cref="DefaultServerUrl"/>. Empty by default because configuration binding appends to an array's elements.
    /// </summary>
    public string[] ServerUrls { get; set; } = [];

    /// <summary>HTTP basic authentication user name; empty for none.</summary>
    public string? Username { get; set; }

    /// <summary>HTTP basic authentication password.</summary>
    public string? Password { get; set; }

    /// <summary>A bearer token sent as <c>Authorization: Bearer</c>; empty for none.</summary>
    public string? BearerToken { get; set; }

    /// <summary>An Elasticsearch API key (the base64 <c>id:key</c> form) sent as <c>Authorization: ApiKey</c>; empty for none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>TLS settings.</summary>
    public ElasticsearchTlsOptions Tls { get; set; } = new();

    /// <summary>The timeout of one HTTP request.</summary>
    [DurationBetween("00:00:00.001", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Compresses request bodies with gzip (and accepts compressed answers); Elasticsearch and OpenSearch inflate them.</summary>
    public bool HttpCompression { get; set; } = true;

    /// <summary>A prefix of every index name; Jaeger joins it with <c>-</c> unless it already ends with one.</summary>
    public string? IndexPrefix { get; set; }

    /// <summary>The separator of the date parts in index names (Jaeger's <c>index_date_separator</c>).</summary>
    public string IndexDateSeparator { get; set; } = "-";

    /// <summary>How often a new span and service index starts: <c>day</c> (default) or <c>hour</c>.</summary>
    public string IndexRolloverFrequency { get; set; } = "day";

    /// <summary>Write to <c>…-write</c> and read from <c>…-read</c> aliases instead of dated indices (for rollover, ILM or ISM).</summary>
    public bool UseReadWriteAliases { get; set; }

    /// <summary>Index lifecycle: Elasticsearch ILM, OpenSearch ISM. Implies read/write aliases; the templates name the policy.</summary>
    public bool UseIlm { get; set; }

    /// <summary>The ILM policy name (Elasticsearch) the templates refer to; the policy itself is created by the operator.</summary>
    public string IlmPolicyName { get; set; } = "jaeger-ilm-policy";

    /// <summary>Creates (or updates) the index templates when the storage starts.</summary>
    public bool CreateIndexTemplates { get; set; } = true;

    /// <summary>Primary shards per index, in the templates.</summary>
    [Between(1, 1024)]
    public int Shards { get; set; } = 5;

    /// <summary>Replicas per shard, in the templates.</summary>
    [Between(0, 64)]
    public int Replicas { get; set; } = 1;

    /// <summary>Priority of the composable templates.</summary>
    [Between(0, int.MaxValue)]
    public int TemplatePriority { get; set; }

    /// <summary>Tags-as-fields: which tags are stored as object fields (<c>tag.*</c>) instead of in the nested <c>tags</c> array.</summary>
    public ElasticsearchTagsAsFieldsOptions TagsAsFields { get; set; } = new();

    /// <summary>How far back services, operations and traces without a time window are looked for, on dated indices.</summary>
    [DurationBetween("00:00:01", "36500.00:00:00")]
    public TimeSpan MaxSpanAge { get; set; } = TimeSpan.FromHours(72);

    /// <summary>The page size of reads and the size of term aggregations (Jaeger's <c>max_doc_count</c>).</summary>
    [Between(1, 1_000_000)]
    public int MaxDocCount { get; set; } = 10_000;

    /// <summary>How many matching traces a search considers before ordering them by start; a search is exact when fewer traces match.</summary>
    [Between(1, 1_000_000)]
    public int MaxCandidateTraces { get; set; } = 10_000;

    /// <summary>How long a written service/operation pair is remembered, so it is written once per index in that time.</summary>
    [DurationBetween("00:00:00", "30.00:00:00")]
    public TimeSpan ServiceCacheTtl { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Bulk writes.</summary>
    [ValidateObjectMembers]
    public ElasticsearchBulkOptions Bulk { get; set; } = new();

    /// <summary>
    /// Deletes dated indices whose day (or hour) ended longer ago than this, as Jaeger's index cleaner; null keeps all.
    /// Runs at start and every <see cref="RetentionCheckInterval"/>.
    /// </summary>
    public TimeSpan? Retention { get; set; }

    /// <summary>How often retention runs.</summary>
    [DurationBetween("00:00:01", "1.00:00:00")]
    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>TLS settings of the connection.</summary>
public sealed class ElasticsearchTlsOptions
{
    /// <summary>A PEM file of the certificate authority that signed the servers' certificates; empty to trust the system's.</summary>
    public string? CaFile { get; set; }

    /// <summary>A client certificate (PEM, with <see cref="KeyFile"/>, or PKCS#12) for mutual TLS.</summary>
    public string? CertFile { get; set; }

    /// <summary>The PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Accept any server certificate (testing only).</summary>
    public bool InsecureSkipVerify { get; set; }
}

/// <summary>Tags-as-fields (Jaeger's <c>tags_as_fields</c>).</summary>
public sealed class ElasticsearchTagsAsFieldsOptions
{
    /// <summary>Store every non-binary tag as a field.</summary>
    public bool All { get; set; }

    /// <summary>Keys stored as fields when <see cref="All"/> is false.</summary>
    public string[] Include { get; set; } = [];

    /// <summary>The character that replaces <c>.</c> in field names; required (checked by the rules validator, so the message names the key).</summary>
    public string DotReplacement { get; set; } = "@";
}

/// <summary>Bulk writes (Jaeger's <c>bulk_processing</c>): a bulk is sent when it holds this many actions or bytes, or after the interval.</summary>
public sealed class ElasticsearchBulkOptions
{
    /// <summary>Actions (documents) per bulk.</summary>
    [Between(1, 100_000)]
    public int MaxActions { get; set; } = 1000;

    /// <summary>Bytes per bulk.</summary>
    [Between(1024, 100_000_000)]
    public int MaxBytes { get; set; } = 5_000_000;

    /// <summary>The longest a write waits for its bulk to fill.</summary>
    [DurationBetween("00:00:00", "00:10:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Bulk requests in flight at once.</summary>
    [Between(1, 64)]
    public int Workers { get; set; } = 1;

    /// <summary>Bytes buffered or in flight; a write waits for room beyond it (back-pressure).</summary>
    [Between(1024, 1_000_000_000)]
    public int MaxBufferedBytes { get; set; } = 20_000_000;

    /// <summary>Times an item rejected with 429 or 503 is sent again before the write fails.</summary>
    [Between(0, 100)]
    public int MaxItemRetries { get; set; } = 5;

    /// <summary>The wait before the first resend; it doubles up to <see cref="MaxRetryBackoff"/>.</summary>
    [DurationBetween("00:00:00", "00:01:00")]
    public TimeSpan InitialRetryBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between resends.</summary>
    [DurationBetween("00:00:00", "00:10:00")]
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Validates <see cref="ElasticsearchStorageOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class ElasticsearchStorageOptionsValidator : IValidateOptions<ElasticsearchStorageOptions>
{
}

/// <summary>Checks what attributes cannot (URLs, credentials given twice, required text), naming the configuration key of the role's section.</summary>
internal sealed class ElasticsearchStorageOptionsRules : IValidateOptions<ElasticsearchStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, ElasticsearchStorageOptions options)
    {
        var section = name == Jaeger.Storage.Builder.StorageRoles.ArchiveOptionsName ? "Jaeger:Storage:Archive:Elasticsearch" : "Jaeger:Storage:Elasticsearch";
        var failures = new List<string>();
        var urls = (options.ServerUrls ?? []).SelectMany(u => (u ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{section}:ServerUrls: '{url}' is not an http or https URL.");
            }
        }

        var credentials = new[] { !string.IsNullOrEmpty(options.Username), !string.IsNullOrEmpty(options.BearerToken), !string.IsNullOrEmpty(options.ApiKey) }.Count(b => b);
        if (credentials > 1)
        {
            failures.Add($"{section}: give one of Username/Password, BearerToken and ApiKey, not several.");
        }

        if (!string.Equals(options.IndexRolloverFrequency, "day", StringComparison.OrdinalIgnoreCase) && !string.Equals(options.IndexRolloverFrequency, "hour", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{section}:IndexRolloverFrequency must be 'day' or 'hour', not '{options.IndexRolloverFrequency}'.");
        }

        if (options.IndexDateSeparator is null || options.IndexDateSeparator.Length > 1)
        {
            failures.Add($"{section}:IndexDateSeparator must be one character or empty.");
        }

        if (options.Retention is { } retention && retention <= TimeSpan.Zero)
        {
            failures.Add($"{section}:Retention must be positive (or unset to keep every index).");
        }

        foreach (var (key, file) in new[] { ("Tls:CaFile", options.Tls?.CaFile), ("Tls:CertFile", options.Tls?.CertFile), ("Tls:KeyFile", options.Tls?.KeyFile) })
        {
            if (!string.IsNullOrEmpty(file) && !File.Exists(file))
            {
                failures.Add($"{section}:{key}: the file '{file}' does not exist.");
            }
        }

        if (!string.IsNullOrEmpty(options.Tls?.KeyFile) && string.IsNullOrEmpty(options.Tls.CertFile))
        {
            failures.Add($"{section}:Tls:KeyFile is given without Tls:CertFile.");
        }

        if (string.IsNullOrEmpty(options.TagsAsFields?.DotReplacement))
        {
            failures.Add($"{section}:TagsAsFields:DotReplacement is required.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
