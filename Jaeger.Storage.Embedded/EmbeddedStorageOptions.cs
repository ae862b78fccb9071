using Jaeger.Configuration;
using Jaeger.Storage.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Embedded;

/// <summary>
/// Settings of the embedded store, bound from <c>Jaeger:Storage:Embedded</c> (the archive's from
/// <c>Jaeger:Storage:Archive:Embedded</c>).
/// </summary>
public sealed class EmbeddedStorageOptions
{
    // Options checked outside a host (AddEmbedded's configure action, a store opened in code) are the primary's: the
    // host binds the same section, so this only names the keys before it does.
    static EmbeddedStorageOptions() =>
        OptionKeys.Register(typeof(EmbeddedStorageOptions), Options.DefaultName, StorageRole.Primary.SectionPath(EmbeddedStorageServiceCollectionExtensions.SectionName));

    /// <summary>One mebibyte.</summary>
    private const long MiB = 1024 * 1024;

    /// <summary>
    /// The data folder. Empty (the default): <see cref="DefaultPath"/> for the primary store, and
    /// <see cref="DefaultPath"/> + <c>-archive</c> for the archive. The folder is created when missing; an existing
    /// folder must be empty or a folder this store created.
    /// </summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>
    /// How long spans, dependency links and sampling throughput are kept, by the hour of their start time (as
    /// Jaeger's Badger, 72 hours by default). Expired hours are deleted and compacted away, so the disk space comes
    /// back. <see cref="TimeSpan.Zero"/> keeps everything.
    /// </summary>
    [DurationBetween("00:00:00", "3650.00:00:00")]
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(72);

    /// <summary>
    /// The most bytes the data folder may hold; above it, the oldest hours are removed first (never the newest hour).
    /// 0, the default, sets no bound.
    /// </summary>
    [Between(0, long.MaxValue)]
    public long MaxDiskBytes { get; set; }

    /// <summary>The block cache shared by every column family, in bytes (64 MiB by default).</summary>
    [Between(MiB, 1L << 40)]
    public long BlockCacheBytes { get; set; } = 64 * MiB;

    /// <summary>
    /// The bytes of one generation of memtables (write buffers), 64 MiB by default: the spans and the index column
    /// families take half each.
    /// </summary>
    [Between(MiB, 4L << 30)]
    public long WriteBufferBytes { get; set; } = 64 * MiB;

    /// <summary>
    /// The most memtable generations held (2 by default: one filling, one flushing). All memtables of the store together
    /// stay under <see cref="WriteBufferBytes"/> x <see cref="MaxWriteBuffers"/> (plus 2 MiB for the small default family).
    /// </summary>
    [Between(2, 16)]
    public int MaxWriteBuffers { get; set; } = 2;

    /// <summary>
    /// True: every write waits until the write-ahead log is on stable storage (fsync), so a power loss loses no
    /// accepted span, at the cost of a disk flush per write call. False (the default): the log is written to the
    /// operating system before a write returns, so a killed process loses nothing, but a power loss or kernel crash
    /// may lose the writes of the last moments.
    /// </summary>
    public bool SyncWrites { get; set; }

    /// <summary>How often retention (TTL and disk budget) runs; it also runs once right after the store opens.</summary>
    [DurationBetween("00:00:01", "1.00:00:00")]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The data folder used when <see cref="Path"/> is empty: <c>jaeger-dotnet/data</c> under the user's local application data folder.</summary>
    public static string DefaultPath =>
        System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "jaeger-dotnet", "data");

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> whose message names the first invalid option by its key in
    /// <c>Jaeger:Storage:Embedded</c>: <c>Jaeger:Storage:Embedded:MaxWriteBuffers must be between 2 and 16, not 1.</c>
    /// </summary>
    public void Validate()
    {
        var result = new EmbeddedStorageOptionsValidator().Validate(Options.DefaultName, this);
        if (result.Failed)
        {
            var first = (result.Failures ?? [result.FailureMessage]).First();
            var key = first.Split(' ', 2)[0];
            throw new ArgumentOutOfRangeException(key[(key.LastIndexOf(':') + 1)..], first);
        }
    }

    /// <summary>A copy, so a store keeps the values it was opened with.</summary>
    internal EmbeddedStorageOptions Clone() => (EmbeddedStorageOptions)MemberwiseClone();
}

/// <summary>
/// Validates <see cref="EmbeddedStorageOptions"/> (source-generated from the <c>Jaeger.Configuration</c> attributes,
/// whose messages name the configuration key of the role's section).
/// </summary>
[OptionsValidator]
internal sealed partial class EmbeddedStorageOptionsValidator : IValidateOptions<EmbeddedStorageOptions>
{
}
