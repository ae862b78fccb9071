using System.Diagnostics.Metrics;
using Jaeger.Storage;
using Jaeger.Storage.Builder;
using Jaeger.Storage.Metrics;
using Jaeger.Storage.Embedded;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the embedded (RocksDB) span store with the storage builder.</summary>
public static class EmbeddedStorageServiceCollectionExtensions
{
    /// <summary>The storage type name of the embedded store.</summary>
    public const string StorageType = "embedded";

    /// <summary>The configuration section of its options under <c>Jaeger:Storage</c> (and <c>Jaeger:Storage:Archive</c>).</summary>
    public const string SectionName = "Embedded";

    /// <summary>
    /// Makes storage type <c>embedded</c> selectable, with options from <c>Jaeger:Storage:Embedded</c> (the archive's
    /// from <c>Jaeger:Storage:Archive:Embedded</c>, in its own folder: by default <see cref="EmbeddedStorageOptions.DefaultPath"/>
    /// + <c>-archive</c>); <paramref name="configure"/> applies to the primary store's options after configuration.
    /// </summary>
    /// <remarks>
    /// The store opens when the host first needs storage (at start); a folder held by another process, a foreign or
    /// damaged folder, or an invalid option stops the start with a message naming the folder or the option. The
    /// opened store's folder is <see cref="EmbeddedSpanStore.DataPath"/>: the primary backend's writer is the
    /// <see cref="EmbeddedSpanStore"/>. Safe to call more than once.
    /// </remarks>
    public static IJaegerStorageBuilder AddEmbedded(this IJaegerStorageBuilder builder, Action<EmbeddedStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (configure is not null)
        {
            // Checked now, so a bad value in code fails at the call that gave it and changes nothing.
            var probe = new EmbeddedStorageOptions();
            configure(probe);
            probe.Validate();
        }

        if (!services.Any(static d => d.ServiceType == typeof(EmbeddedMarker)))
        {
            services.AddSingleton<EmbeddedMarker>();
            services.AddOptions<EmbeddedStorageOptions>().BindSection(StorageRole.Primary.SectionPath(SectionName)).ValidateOnStart();
            services.AddOptions<EmbeddedStorageOptions>(StorageRoles.ArchiveOptionsName).BindSection(StorageRole.Archive.SectionPath(SectionName));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmbeddedStorageOptions>, EmbeddedStorageOptionsValidator>());
            builder.AddBackend(StorageType, static (sp, role) => Bundle(Create(sp, role)));
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    private static EmbeddedSpanStore Create(IServiceProvider sp, StorageRole role)
    {
        var options = sp.GetRequiredService<IOptionsMonitor<EmbeddedStorageOptions>>().Get(role.OptionsName());
        options.Validate();
        return new EmbeddedSpanStore(options, sp.GetService<IMeterFactory>(), sp.GetService<TimeProvider>(), sp.GetService<ILogger<EmbeddedSpanStore>>(), DefaultPathFor(role), startRetention: true);
    }

    /// <summary>The folder a role uses when its options name none: <see cref="EmbeddedStorageOptions.DefaultPath"/>, with <c>-archive</c> for the archive.</summary>
    internal static string DefaultPathFor(StorageRole role) =>
        role == StorageRole.Archive ? EmbeddedStorageOptions.DefaultPath + "-archive" : EmbeddedStorageOptions.DefaultPath;

    private static StorageBackend Bundle(EmbeddedSpanStore store) => new(StorageType, store, store)
    {
        DependencyReader = store,
        DependencyWriter = store,
        SamplingStore = store,
        LeaseStore = store,
        Maintenance = store,
        MetricsWriter = store,
        MetricsReader = new AggregateMetricsReader(store),
    };

    private sealed class EmbeddedMarker;
}
