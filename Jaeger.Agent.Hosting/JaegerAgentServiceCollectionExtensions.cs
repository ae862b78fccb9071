using System.Diagnostics.Metrics;
using Jaeger.Agent.Hosting;
using Jaeger.Agent.Hosting.Diagnostics;
using Jaeger.Hosting.Diagnostics;
using Jaeger.Storage.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Jaeger agent role to a Generic Host.</summary>
public static class JaegerAgentServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Jaeger agent: UDP servers for <c>Agent.emitBatch</c> (compact on 6831, binary on 6832), forwarding to
    /// collectors, and the sampling server on HTTP 5778. Options are bound from <c>Jaeger:Agent</c> when the host has
    /// configuration, then <paramref name="configure"/> applies; a bad value fails the host's start with a message naming
    /// its configuration key. Safe to call more than once: later calls only add <paramref name="configure"/> actions.
    /// </summary>
    public static IJaegerAgentBuilder AddJaegerAgent(this IServiceCollection services, Action<JaegerAgentOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(JaegerAgentMarker)))
        {
            services.AddSingleton<JaegerAgentMarker>();
            services.AddOptions<JaegerAgentOptions>().BindSection(JaegerAgentOptions.SectionName).ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JaegerAgentOptions>, JaegerAgentOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JaegerAgentOptions>, JaegerAgentOptionsRules>());
            services.AddMetrics();
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<JaegerAgent>();
            services.TryAddSingleton<AgentMetrics>();
            services.TryAddSingleton(static sp => new PrometheusMetrics(sp.GetService<IMeterFactory>()));
            services.AddSingleton<IHostedService, JaegerAgentHostedService>();
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new JaegerAgentBuilder(services);
    }

    private sealed class JaegerAgentMarker;

    private sealed class JaegerAgentBuilder(IServiceCollection services) : IJaegerAgentBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
