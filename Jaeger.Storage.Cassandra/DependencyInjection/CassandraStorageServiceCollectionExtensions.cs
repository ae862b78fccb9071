using System.Diagnostics.Metrics;
using Jaeger.Storage.Builder;
using Jaeger.Storage.Cassandra;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Cassandra span store.</summary>
public static class CassandraStorageServiceCollectionExtensions
{
    /// <summary>The storage type name of the Cassandra store.</summary>
    public const string StorageType = "cassandra";

    /// <summary>The configuration section of its options under <c>Jaeger:Storage</c> (and <c>Jaeger:Storage:Archive</c>).</summary>
    public const string SectionName = "Cassandra";

    /// <summary>
    /// Makes storage type <c>cassandra</c> selectable, with options from <c>Jaeger:Storage:Cassandra</c> (the archive's
    /// from <c>Jaeger:Storage:Archive:Cassandra</c>); <paramref name="configure"/> applies to the primary store's
    /// options after configuration. Safe to call more than once.
    /// </summary>
    public static IJaegerStorageBuilder AddCassandra(this IJaegerStorageBuilder builder, Action<CassandraStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(static d => d.ServiceType == typeof(CassandraMarker)))
        {
            services.AddSingleton<CassandraMarker>();
            services.AddOptions<CassandraStorageOptions>().BindSection(StorageRole.Primary.SectionPath(SectionName)).ValidateOnStart();
            services.AddOptions<CassandraStorageOptions>(StorageRoles.ArchiveOptionsName).BindSection(StorageRole.Archive.SectionPath(SectionName));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CassandraStorageOptions>, CassandraStorageOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CassandraStorageOptions>, CassandraStorageOptionsRules>());
            builder.AddBackend(StorageType, static (sp, role) => CassandraBackendFactory.Create(
                sp.GetRequiredService<IOptionsMonitor<CassandraStorageOptions>>().Get(role.OptionsName()),
                sp.GetService<TimeProvider>(),
                sp.GetService<ILoggerFactory>(),
                sp.GetService<IMeterFactory>()));
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    private sealed class CassandraMarker;
}
