using Jaeger.Configuration;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Builder;

/// <summary>Which storage backends a host uses, bound from <c>Jaeger:Storage</c>.</summary>
public sealed class JaegerStorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Jaeger:Storage";

    /// <summary>Jaeger's environment variable for <see cref="Type"/>, read when <c>Jaeger:Storage:Type</c> is not set.</summary>
    public const string EnvironmentVariable = "SPAN_STORAGE_TYPE";

    /// <summary>
    /// The primary storage type (<c>memory</c>, <c>embedded</c>, ...), or a comma list: spans are written to every
    /// backend named and read from the first. Empty: the builder's default type.
    /// </summary>
    public string? Type { get; set; }

    /// <summary>The archive storage.</summary>
    public ArchiveStorageOptions Archive { get; set; } = new();

    /// <summary>How a failed write is tried again.</summary>
    [ValidateObjectMembers]
    public StorageWriteRetryOptions WriteRetry { get; set; } = new();
}

/// <summary>The archive storage, bound from <c>Jaeger:Storage:Archive</c>; its backend's options come from <c>Jaeger:Storage:Archive:&lt;Backend&gt;</c>.</summary>
public sealed class ArchiveStorageOptions
{
    /// <summary>The archive's storage type (one type); empty for no archive.</summary>
    public string? Type { get; set; }
}

/// <summary>How a failed write to one backend is tried again, bound from <c>Jaeger:Storage:WriteRetry</c>.</summary>
public sealed class StorageWriteRetryOptions
{
    /// <summary>Attempts per write, the first included; a transient failure is tried again until they are used up.</summary>
    [Between(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the second attempt; it doubles for each further one, up to <see cref="MaxBackoff"/>.</summary>
    [DurationBetween("00:00:00", "00:01:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between attempts.</summary>
    [DurationBetween("00:00:00", "00:10:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Validates <see cref="JaegerStorageOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class JaegerStorageOptionsValidator : IValidateOptions<JaegerStorageOptions>
{
}
