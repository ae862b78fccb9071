using System.Diagnostics.Metrics;
using Jaeger.Storage;
using Jaeger.Storage.Builder;
using Jaeger.Storage.Metrics;
using Jaeger.Storage.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the in-memory span store.</summary>
public static class InMemoryStorageServiceCollectionExtensions
{
    /// <summary>The storage type name of the in-memory store.</summary>
    public const string StorageType = "memory";

    /// <summary>The configuration section of its options under <c>Jaeger:Storage</c> (and <c>Jaeger:Storage:Archive</c>).</summary>
    public const string SectionName = "Memory";

    /// <summary>
    /// The one-line form for tests and small hosts: the storage builder with the in-memory store as its only type,
    /// whatever configuration says. <see cref="InMemorySpanStore"/> is resolvable as itself and as every storage
    /// contract (<see cref="ISpanWriter"/>, <see cref="ISpanReader"/>, dependencies, sampling store, leases, maintenance).
    /// </summary>
    /// <remarks>
    /// Options are bound from <c>Jaeger:Storage:Memory</c>; <paramref name="configure"/> runs after that. An invalid
    /// value given here throws <see cref="ArgumentOutOfRangeException"/> naming the option at once and changes nothing.
    /// Safe to call more than once: there is one store, and each <paramref name="configure"/> applies in order.
    /// A span writer registered by other code is kept beside it: both receive every write.
    /// </remarks>
    public static IServiceCollection AddJaegerInMemoryStorage(this IServiceCollection services, Action<InMemoryStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        Validate(configure);
        services.AddJaegerStorage(b => b.AddMemory(configure).UseType(StorageType));
        return services;
    }

    /// <summary>
    /// Makes storage type <c>memory</c> selectable, with options from <c>Jaeger:Storage:Memory</c> (the archive's from
    /// <c>Jaeger:Storage:Archive:Memory</c>); <paramref name="configure"/> applies to the primary store's options after configuration.
    /// </summary>
    public static IJaegerStorageBuilder AddMemory(this IJaegerStorageBuilder builder, Action<InMemoryStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        Validate(configure);

        if (!services.Any(static d => d.ServiceType == typeof(MemoryMarker)))
        {
            services.AddSingleton<MemoryMarker>();
            services.AddOptions<InMemoryStorageOptions>().BindSection(StorageRole.Primary.SectionPath(SectionName)).ValidateOnStart();
            services.AddOptions<InMemoryStorageOptions>(StorageRoles.ArchiveOptionsName).BindSection(StorageRole.Archive.SectionPath(SectionName));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InMemoryStorageOptions>, InMemoryStorageOptionsValidator>());
            services.TryAddSingleton(static sp => Create(sp, StorageRole.Primary));
            builder.AddBackend(StorageType, static (sp, role) =>
            {
                if (role == StorageRole.Primary)
                {
                    // The primary store is a DI singleton (tests resolve it as itself); the container disposes it.
                    return Bundle(sp.GetRequiredService<InMemorySpanStore>(), static () => ValueTask.CompletedTask);
                }

                return Bundle(Create(sp, role), null);
            });
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    // Checked now, so a bad value in code fails at the call that gave it and changes nothing.
    private static void Validate(Action<InMemoryStorageOptions>? configure)
    {
        if (configure is not null)
        {
            var probe = new InMemoryStorageOptions();
            configure(probe);
            probe.Validate();
        }
    }

    private static InMemorySpanStore Create(IServiceProvider sp, StorageRole role) =>
        new(sp.GetRequiredService<IOptionsMonitor<InMemoryStorageOptions>>().Get(role.OptionsName()), sp.GetService<IMeterFactory>(), sp.GetService<TimeProvider>());

    private static StorageBackend Bundle(InMemorySpanStore store, Func<ValueTask>? dispose) => new(StorageType, store, store)
    {
        DependencyReader = store,
        DependencyWriter = store,
        SamplingStore = store,
        LeaseStore = store,
        Maintenance = store,
        MetricsWriter = store.SpanMetrics,
        MetricsReader = new AggregateMetricsReader(store.SpanMetrics),
        OnDispose = dispose,
    };

    private sealed class MemoryMarker;
}
