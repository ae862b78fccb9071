using System.Diagnostics.Metrics;
using Jaeger.Storage;
using Jaeger.Storage.Builder;
using Jaeger.Storage.Elasticsearch;
using Jaeger.Storage.Elasticsearch.Transport;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Elasticsearch / OpenSearch storage.</summary>
public static class ElasticsearchStorageServiceCollectionExtensions
{
    /// <summary>The storage type of an Elasticsearch 8 or 9 cluster.</summary>
    public const string ElasticsearchType = "elasticsearch";

    /// <summary>The storage type of an OpenSearch 2 or 3 cluster.</summary>
    public const string OpenSearchType = "opensearch";

    /// <summary>The configuration section of the options under <c>Jaeger:Storage</c> (and <c>Jaeger:Storage:Archive</c>), for both types.</summary>
    public const string SectionName = "Elasticsearch";

    /// <summary>
    /// Makes storage types <c>elasticsearch</c> and <c>opensearch</c> selectable (one code path; the type names the
    /// server family the cluster must be), with options from <c>Jaeger:Storage:Elasticsearch</c> (the archive's from
    /// <c>Jaeger:Storage:Archive:Elasticsearch</c>); <paramref name="configure"/> applies to the primary's options after configuration.
    /// </summary>
    public static IJaegerStorageBuilder AddElasticsearch(this IJaegerStorageBuilder builder, Action<ElasticsearchStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(static d => d.ServiceType == typeof(ElasticsearchMarker)))
        {
            services.AddSingleton<ElasticsearchMarker>();
            services.TryAddSingleton(TimeProvider.System);
            var primarySection = StorageRole.Primary.SectionPath(SectionName);
            var archiveSection = StorageRole.Archive.SectionPath(SectionName);
            services.AddOptions<ElasticsearchStorageOptions>().BindSection(primarySection).Configure<IServiceProvider>((o, sp) => BindScalarServerUrls(o, sp, primarySection)).ValidateOnStart();
            services.AddOptions<ElasticsearchStorageOptions>(StorageRoles.ArchiveOptionsName).BindSection(archiveSection).Configure<IServiceProvider>((o, sp) => BindScalarServerUrls(o, sp, archiveSection));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ElasticsearchStorageOptions>, ElasticsearchStorageOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ElasticsearchStorageOptions>, ElasticsearchStorageOptionsRules>());
            builder.AddBackend(ElasticsearchType, static (sp, role) => Create(sp, role, ElasticsearchType, ServerFamily.Elasticsearch));
            builder.AddBackend(OpenSearchType, static (sp, role) => Create(sp, role, OpenSearchType, ServerFamily.OpenSearch));
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    // `--Jaeger:Storage:Elasticsearch:ServerUrls=http://a:9200,http://b:9200` is one value, not a list: configuration
    // binding leaves an array empty for it, so it is taken here (split on commas later, as a list's entries are).
    private static void BindScalarServerUrls(ElasticsearchStorageOptions options, IServiceProvider services, string sectionPath)
    {
        if (options.ServerUrls is { Length: > 0 } || services.GetService<Microsoft.Extensions.Configuration.IConfiguration>()?[sectionPath + ":ServerUrls"] is not { Length: > 0 } value)
        {
            return;
        }

        options.ServerUrls = [value];
    }

    private static StorageBackend Create(IServiceProvider sp, StorageRole role, string type, ServerFamily family)
    {
        var options = sp.GetRequiredService<IOptionsMonitor<ElasticsearchStorageOptions>>().Get(role.OptionsName());
        var storage = new ElasticsearchStorage(
            type,
            family,
            role == StorageRole.Archive,
            options,
            sp.GetService<TimeProvider>(),
            sp.GetService<IMeterFactory>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Jaeger.Storage.Elasticsearch"));
        return Bundle(type, storage);
    }

    internal static StorageBackend Bundle(string type, ElasticsearchStorage storage) => new(type, storage.Writer, storage.Reader)
    {
        DependencyReader = storage.Dependencies,
        DependencyWriter = storage.Names.Archive ? null : storage.Dependencies,
        SamplingStore = storage.Names.Archive ? null : storage.Sampling,
        LeaseStore = storage.Names.Archive ? null : storage.Leases,
        Maintenance = storage,
        OnStart = storage.StartAsync,
        OnDispose = storage.DisposeAsync,
    };

    private sealed class ElasticsearchMarker;
}
