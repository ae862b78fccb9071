using System.Diagnostics.Metrics;
using Jaeger.Storage.Builder;
using Jaeger.Storage.ClickHouse;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ClickHouse span store.</summary>
public static class ClickHouseStorageServiceCollectionExtensions
{
    /// <summary>The storage type name of the ClickHouse store.</summary>
    public const string StorageType = "clickhouse";

    /// <summary>
    /// Makes storage type <c>clickhouse</c> selectable, with options from <c>Jaeger:Storage:ClickHouse</c> (the archive's
    /// from <c>Jaeger:Storage:Archive:ClickHouse</c>); <paramref name="configure"/> applies to the primary store's
    /// options after configuration. Safe to call more than once.
    /// </summary>
    public static IJaegerStorageBuilder AddClickHouse(this IJaegerStorageBuilder builder, Action<ClickHouseStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (configure is not null)
        {
            // Checked now, so a bad value in code fails at the call that gave it.
            var probe = new ClickHouseStorageOptions();
            configure(probe);
            probe.Validate();
        }

        if (!services.Any(static d => d.ServiceType == typeof(ClickHouseMarker)))
        {
            services.AddSingleton<ClickHouseMarker>();
            services.AddOptions<ClickHouseStorageOptions>().BindSection(StorageRole.Primary.SectionPath(ClickHouseStorageOptions.SectionName)).ValidateOnStart();
            services.AddOptions<ClickHouseStorageOptions>(StorageRoles.ArchiveOptionsName).BindSection(StorageRole.Archive.SectionPath(ClickHouseStorageOptions.SectionName));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClickHouseStorageOptions>, ClickHouseStorageOptionsAnnotationsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClickHouseStorageOptions>, ClickHouseStorageOptionsValidator>());
            builder.AddBackend(StorageType, static (sp, role) =>
            {
                var options = sp.GetRequiredService<IOptionsMonitor<ClickHouseStorageOptions>>().Get(role.OptionsName());
                return new ClickHouseStorage(options, sp.GetService<IMeterFactory>(), sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>()).ToBackend();
            });
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    private sealed class ClickHouseMarker;
}
