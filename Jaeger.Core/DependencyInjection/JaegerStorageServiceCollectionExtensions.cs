using System.Diagnostics.Metrics;
using Jaeger.Storage;
using Jaeger.Storage.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the storage a host selects from configuration.</summary>
public static class JaegerStorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the storage builder: backend packages add themselves to it (<c>b.AddMemory()</c>, <c>b.AddEmbedded()</c> ...),
    /// and <c>Jaeger:Storage:Type</c> (or Jaeger's <c>SPAN_STORAGE_TYPE</c>) selects among them: one type, or a comma
    /// list written to all and read from the first. <c>Jaeger:Storage:Archive:Type</c> selects the archive.
    /// </summary>
    /// <remarks>
    /// Registers <see cref="JaegerStorage"/>; one <see cref="ISpanWriter"/> (added beside any other registered writer,
    /// so several coexist); and, unless registered before, <see cref="ISpanReader"/>, <see cref="IDependencyReader"/>,
    /// <see cref="IDependencyWriter"/>, <see cref="ISamplingStore"/>, <see cref="ILeaseStore"/>, <see cref="IMetricsReader"/>, <see cref="IMetricsWriter"/> and
    /// <see cref="IStorageMaintenance"/> of the first primary backend that has them, and <see cref="ArchiveSpanStorage"/> when an
    /// archive is configured. Safe to call more than once:
    /// later calls add backends to the same builder.
    /// </remarks>
    public static IJaegerStorageBuilder AddJaegerStorage(this IServiceCollection services, Action<IJaegerStorageBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var registry = StorageRegistry.Find(services);
        if (registry is null)
        {
            registry = new StorageRegistry();
            services.AddSingleton(registry);
            services.AddOptions<JaegerStorageOptions>().BindSection(JaegerStorageOptions.SectionName).ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JaegerStorageOptions>, JaegerStorageOptionsValidator>());
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton(static sp => new StorageWriteMetrics(sp.GetService<IMeterFactory>()));
            services.TryAddSingleton(static sp => new JaegerStorage(
                sp.GetRequiredService<StorageRegistry>(),
                sp.GetRequiredService<IOptions<JaegerStorageOptions>>(),
                sp,
                sp.GetRequiredService<StorageWriteMetrics>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILogger<JaegerStorage>>() ?? NullLogger<JaegerStorage>.Instance));

            // First of all hosted services: storage opens before any role writes and closes after all have stopped.
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService, StorageHostedService>());
            services.AddSingleton<ISpanWriter>(static sp => sp.GetRequiredService<JaegerStorage>().Writer);
            services.TryAddSingleton(static sp => sp.GetRequiredService<JaegerStorage>().Reader);
            services.TryAddSingleton(static sp => sp.GetRequiredService<JaegerStorage>().FirstPart(static b => b.DependencyReader)!);
            services.TryAddSingleton(static sp => sp.GetRequiredService<JaegerStorage>().FirstPart(static b => b.DependencyWriter)!);
            services.TryAddSingleton(static sp => sp.GetRequiredService<JaegerStorage>().FirstPart(static b => b.SamplingStore)!);
            services.TryAddSingleton(static sp => sp.GetRequiredService<JaegerStorage>().FirstPart(static b => b.LeaseStore)!);
            services.TryAddSingleton(static sp => sp.GetRequiredService<JaegerStorage>().FirstPart(static b => b.Maintenance)!);
            services.TryAddSingleton(static sp => sp.GetRequiredService<JaegerStorage>().FirstPart(static b => b.MetricsReader)!);
            services.TryAddSingleton(static sp => sp.GetRequiredService<JaegerStorage>().Archive is { } archive ? new ArchiveSpanStorage(archive.Reader, archive.Writer) : null!);
            services.TryAddSingleton(static sp => sp.GetRequiredService<JaegerStorage>().FirstPart(static b => b.MetricsWriter)!);
        }

        var builder = new JaegerStorageBuilder(services, registry);
        configure?.Invoke(builder);
        return builder;
    }
}
