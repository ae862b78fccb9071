using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.Storage.ClickHouse.Tests.Engine;

/// <summary>
/// A host builder whose storage is ClickHouse chosen by configuration, as the all-in-one runs it: the shared engine's
/// front as endpoint, a fresh database created at start. Roles are added by the test.
/// </summary>
internal static class ClickHouseHostBuilder
{
    /// <summary>The builder and the database it uses (the test drops it).</summary>
    public static async Task<(HostApplicationBuilder Builder, string Database)> CreateAsync(string databasePrefix)
    {
        var front = await ClickHouseTestServer.RequireAsync();
        var database = ClickHouseTestServer.NewDatabaseName(databasePrefix);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Storage:Type"] = "clickhouse",
            ["Jaeger:Storage:ClickHouse:Endpoint"] = front.Endpoint.ToString(),
            ["Jaeger:Storage:ClickHouse:Database"] = database,
            ["Jaeger:Storage:ClickHouse:CreateSchema"] = "true",
        });
        builder.Services.AddJaegerStorage(b => b.AddClickHouse());
        return (builder, database);
    }
}
