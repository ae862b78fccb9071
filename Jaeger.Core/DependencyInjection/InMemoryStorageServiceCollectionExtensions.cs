using System.Diagnostics.Metrics;
using Jaeger.Storage;
using Jaeger.Storage.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the in-memory span store.</summary>
public static class InMemoryStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="InMemorySpanStore"/> as <see cref="ISpanWriter"/>, <see cref="ISpanReader"/>,
    /// <see cref="IDependencyReader"/> and <see cref="IDependencyWriter"/> (and as itself).
    /// </summary>
    /// <remarks>
    /// <para>
    /// <paramref name="configure"/> runs now, on a copy of the options so far, which is validated before it is kept:
    /// an invalid value throws <see cref="ArgumentOutOfRangeException"/> naming the option and changes nothing.
    /// </para>
    /// <para>
    /// Safe to call more than once: later calls never add a second store, but their <paramref name="configure"/>
    /// applies on top of the earlier ones as long as the store has not been created (it reads the options when it
    /// is first resolved). Registrations use TryAdd, so a span writer or reader registered earlier by another
    /// backend is kept. The meter <c>Jaeger.Storage.Memory</c> comes from the registered IMeterFactory when there is one.
    /// </para>
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options, for example <c>o =&gt; o.MaxTraces = 100_000</c>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddJaegerInMemoryStorage(this IServiceCollection services, Action<InMemoryStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var registration = FindRegistration(services);
        var options = registration?.Options ?? new InMemoryStorageOptions();
        if (configure is not null)
        {
            options = options.Clone();
            configure(options);
            options.Validate();
        }

        if (registration is null)
        {
            services.AddSingleton(new InMemoryStorageRegistration { Options = options });
        }
        else
        {
            registration.Options = options;
        }

        services.TryAddSingleton(sp => new InMemorySpanStore(sp.GetRequiredService<InMemoryStorageRegistration>().Options, sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<ISpanWriter>(static sp => sp.GetRequiredService<InMemorySpanStore>());
        services.TryAddSingleton<ISpanReader>(static sp => sp.GetRequiredService<InMemorySpanStore>());
        services.TryAddSingleton<IDependencyWriter>(static sp => sp.GetRequiredService<InMemorySpanStore>());
        services.TryAddSingleton<IDependencyReader>(static sp => sp.GetRequiredService<InMemorySpanStore>());
        return services;
    }

    private static InMemoryStorageRegistration? FindRegistration(IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            if (services[i].ServiceType == typeof(InMemoryStorageRegistration) && !services[i].IsKeyedService &&
                services[i].ImplementationInstance is InMemoryStorageRegistration registration)
            {
                return registration;
            }
        }

        return null;
    }
}

/// <summary>The options gathered by every <c>AddJaegerInMemoryStorage</c> call; one per service collection.</summary>
internal sealed class InMemoryStorageRegistration
{
    public InMemoryStorageOptions Options { get; set; } = new();
}
