using Jaeger.Query;
using Jaeger.Query.Api;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Jaeger query role: the HTTP API and web UI on 16686 and the gRPC QueryService on 16685.</summary>
public static class JaegerQueryServiceCollectionExtensions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string ConfigurationSection = "Jaeger:Query";

    /// <summary>
    /// Adds the query role. Storage (<see cref="Jaeger.Storage.ISpanReader"/>, optionally <see cref="Jaeger.Storage.IDependencyReader"/>)
    /// comes from DI. Safe to call twice: a second call only adds <paramref name="configure"/>.
    /// </summary>
    public static IJaegerQueryBuilder AddJaegerQuery(this IServiceCollection services, Action<JaegerQueryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(JaegerQueryMarker)))
        {
            services.AddSingleton<JaegerQueryMarker>();
            services.AddOptions<JaegerQueryOptions>()
                .Configure<IServiceProvider>((options, provider) =>
                {
                    if (provider.GetService<IConfiguration>() is { } configuration)
                    {
                        configuration.GetSection(ConfigurationSection).Bind(options);
                    }
                })
                .ValidateDataAnnotations()
                .ValidateOnStart();
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<JaegerQuery>();
            services.TryAddSingleton<QueryHandler>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JaegerQueryHostedService>());
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new JaegerQueryBuilder(services);
    }

    private sealed class JaegerQueryMarker;
}
