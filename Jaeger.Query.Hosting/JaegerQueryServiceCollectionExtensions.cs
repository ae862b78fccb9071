using Jaeger.Query;
using Jaeger.Query.Api;
using Jaeger.Storage.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Jaeger query role: the HTTP API and web UI on 16686 and the gRPC QueryService on 16685.</summary>
public static class JaegerQueryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the query role. Storage (<see cref="Jaeger.Storage.ISpanReader"/>, optionally <see cref="Jaeger.Storage.IDependencyReader"/>)
    /// comes from DI. Options are bound from <c>Jaeger:Query</c> when the host has configuration, then
    /// <paramref name="configure"/> applies; a bad value fails the host's start with a message naming its configuration
    /// key. Safe to call twice: a second call only adds <paramref name="configure"/>.
    /// </summary>
    public static IJaegerQueryBuilder AddJaegerQuery(this IServiceCollection services, Action<JaegerQueryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(JaegerQueryMarker)))
        {
            services.AddSingleton<JaegerQueryMarker>();
            services.AddOptions<JaegerQueryOptions>().BindSection(JaegerQueryOptions.SectionName).ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JaegerQueryOptions>, JaegerQueryOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JaegerQueryOptions>, JaegerQueryOptionsRules>());
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
