using Jaeger.Storage.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>
/// The host most query tests run: in-memory storage (optionally an in-memory archive too) and the query role on
/// 127.0.0.1:0 with gRPC off, no log output. Built, not started, so a test can write spans before it starts.
/// </summary>
internal static class TestQueryHost
{
    /// <param name="query">Further query options (runs after the port-0 defaults).</param>
    /// <param name="archive">An in-memory archive storage beside the primary one.</param>
    /// <param name="services">Further registrations (run after the storage's, so they can replace a part).</param>
    /// <param name="logs">A provider that receives the host's log, when the test reads it.</param>
    public static IHost Build(Action<JaegerQueryOptions>? query = null, bool archive = false, Action<IServiceCollection>? services = null, ILoggerProvider? logs = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.Services.AddJaegerInMemoryStorage();
        if (archive)
        {
            builder.Services.Configure<JaegerStorageOptions>(o => o.Archive.Type = "memory");
        }

        services?.Invoke(builder.Services);
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = "127.0.0.1:0";
            o.GrpcListenAddress = "";
            query?.Invoke(o);
        });
        return builder.Build();
    }

    /// <summary>The query role's HTTP address once the host runs.</summary>
    public static Uri HttpBaseAddress(this IHost host) => host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress!;
}
