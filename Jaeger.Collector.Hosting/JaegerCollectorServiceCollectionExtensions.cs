using System.Diagnostics.Metrics;
using Jaeger.Collector;
using Jaeger.Collector.Hosting;
using Jaeger.Collector.Pipeline;
using Jaeger.Collector.Sampling;
using Jaeger.Sampling;
using Jaeger.Hosting.Diagnostics;
using Jaeger.Storage;
using Jaeger.Storage.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Jaeger collector role to a host.</summary>
public static class JaegerCollectorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the collector: receivers (Jaeger Thrift HTTP, api_v2 gRPC, OTLP gRPC and HTTP, Zipkin), the span
    /// pipeline (also registered as <see cref="ISpanSink"/>), the sampling strategy store and the health endpoint.
    /// Options are bound from <c>Jaeger:Collector</c> when the host has configuration, then <paramref name="configure"/>
    /// applies; a bad value fails the host's start with a message naming its configuration key. Safe to call twice.
    /// </summary>
    public static IJaegerCollectorBuilder AddJaegerCollector(this IServiceCollection services, Action<JaegerCollectorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<JaegerCollectorOptions>();
        if (services.Any(d => d.ServiceType == typeof(CollectorMarker)))
        {
            if (configure is not null)
            {
                options.Configure(configure);
            }

            return new Builder(services);
        }

        services.AddSingleton<CollectorMarker>();

        // Configuration first, so code given to AddJaegerCollector overrides it.
        options.BindSection(JaegerCollectorOptions.SectionName).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JaegerCollectorOptions>, JaegerCollectorOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JaegerCollectorOptions>, JaegerCollectorOptionsRules>());

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JaegerCollector>();
        services.TryAddSingleton<CollectorMetrics>();
        services.TryAddSingleton<SpanPipeline>();
        services.TryAddSingleton<ISpanSink>(static sp => sp.GetRequiredService<SpanPipeline>());
        services.TryAddSingleton<FileSamplingStrategyStore>();
        services.TryAddSingleton<ISamplingStrategyProvider>(static sp => sp.GetRequiredService<FileSamplingStrategyStore>());
        services.TryAddSingleton(static sp => new PrometheusMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<CollectorServers>();

        // Order matters: hosted services stop in reverse, so the servers stop first and the pipeline drains after.
        services.AddHostedService(static sp => sp.GetRequiredService<FileSamplingStrategyStore>());
        services.AddHostedService(static sp => sp.GetRequiredService<SpanPipeline>());
        services.AddHostedService(static sp => sp.GetRequiredService<CollectorServers>());
        return new Builder(services);
    }

    /// <summary>
    /// Runs the collector with no receivers and no servers at all: only the pipeline, registered as
    /// <see cref="ISpanSink"/>, writing to storage. The one line for testing a pipeline in memory; it wins over configuration.
    /// </summary>
    public static IJaegerCollectorBuilder WithoutReceivers(this IJaegerCollectorBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.PostConfigure<JaegerCollectorOptions>(static o =>
        {
            foreach (var receiver in new[] { o.ThriftHttp, o.Grpc, o.OtlpGrpc, o.OtlpHttp, o.Zipkin, o.Admin })
            {
                receiver.Enabled = false;
            }
        });
        return builder;
    }

    /// <summary>Registers a span filter; every registered filter must accept a span for it to be stored.</summary>
    public static IJaegerCollectorBuilder AddSpanFilter<T>(this IJaegerCollectorBuilder builder)
        where T : class, ISpanFilter
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ISpanFilter, T>());
        return builder;
    }

    /// <summary>Registers a hook that runs on every accepted span just before it is written.</summary>
    public static IJaegerCollectorBuilder AddPreSaveHook<T>(this IJaegerCollectorBuilder builder)
        where T : class, IPreSaveHook
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPreSaveHook, T>());
        return builder;
    }

    private sealed class CollectorMarker;

    private sealed class Builder(IServiceCollection services) : IJaegerCollectorBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
