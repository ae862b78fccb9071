using System.Diagnostics;
using System.Diagnostics.Metrics;
using Jaeger.Client;
using Jaeger.Client.Bridge;
using Jaeger.Client.Configuration;
using Jaeger.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Jaeger tracer.</summary>
public static class JaegerTracingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ITracer"/> (a <see cref="JaegerTracer"/>) configured from JAEGER_* settings and section Jaeger:Client,
    /// and a hosted service that traces <see cref="System.Diagnostics.Activity"/> (ASP.NET Core, HttpClient, ActivitySources)
    /// and flushes spans when the host stops. Configuration is read first, then <paramref name="configure"/> applies; a bad
    /// value fails the host's start with a message naming its key (<c>Jaeger:Client:MaxQueueSize (JAEGER_REPORTER_MAX_QUEUE_SIZE)</c>).
    /// Safe to call more than once; each call may add a configure action.
    /// </summary>
    public static IServiceCollection AddJaegerTracing(this IServiceCollection services, Action<JaegerTracingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        // Not BindSection: the client reads the Jaeger clients' JAEGER_* names too, and their duration forms (500ms, 1s).
        services.AddOptions<JaegerTracingOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<JaegerTracingOptions>, ConfigureFromConfiguration>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JaegerTracingOptions>, JaegerTracingOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JaegerTracingOptions>, JaegerTracingOptionsRules>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => TracerFactory.Create(
            sp.GetRequiredService<IOptions<JaegerTracingOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<IMeterFactory>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ISpanSink>()));
        services.TryAddSingleton<ITracer>(sp => sp.GetRequiredService<JaegerTracer>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JaegerTracingHostedService>());

        // ASP.NET Core takes its propagator from the container (registered when the web host was built), so replace it
        // there too: incoming uber-trace-id headers are then honoured and outgoing HttpClient calls carry them.
        services.Replace(ServiceDescriptor.Singleton<DistributedContextPropagator>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<JaegerTracingOptions>>().Value;
            var inner = DistributedContextPropagator.CreateDefaultPropagator();
            return o.TraceActivities && !o.Disabled ? new JaegerContextPropagator(inner, sp.GetRequiredService<JaegerTracer>().HttpHeadersPropagator) : inner;
        }));
        return services;
    }

    private sealed class ConfigureFromConfiguration(IServiceProvider services) : IConfigureOptions<JaegerTracingOptions>
    {
        public void Configure(JaegerTracingOptions options)
        {
            if (services.GetService<IConfiguration>() is { } configuration)
            {
                JaegerConfiguration.Apply(configuration, options);
            }
        }
    }
}

/// <summary>Starts the Activity bridge with the host and flushes spans when it stops.</summary>
internal sealed class JaegerTracingHostedService(JaegerTracer tracer, IOptions<JaegerTracingOptions> options) : IHostedService, IDisposable
{
    private ActivityBridge? _bridge;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.TraceActivities && !o.Disabled)
        {
            _bridge = new ActivityBridge(tracer, o.ActivitySources);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _bridge?.Dispose();
        _bridge = null;
        try
        {
            await tracer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's stop deadline passed; the container's disposal of the tracer sends what remains.
        }
    }

    public void Dispose() => _bridge?.Dispose();
}
