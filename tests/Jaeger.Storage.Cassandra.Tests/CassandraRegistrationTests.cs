using Jaeger.Model;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Spans;
using Jaeger.Storage.Cassandra.Tests.Fake;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Cassandra.Tests;

public sealed class CassandraRegistrationTests
{
    [Fact]
    public async Task TypeCassandraIsSelectedFromConfigurationAndWritesThroughTheConfiguredServers()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node, "jaeger_v1_dc1");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Storage:Type"] = "cassandra",
            ["Jaeger:Storage:Cassandra:Servers"] = node.EndPoint.ToString(),
            ["Jaeger:Storage:Cassandra:Keyspace"] = "jaeger_v1_dc1",
            ["Jaeger:Storage:Cassandra:Consistency"] = "local_quorum",
            ["Jaeger:Storage:Cassandra:HeartbeatInterval"] = "00:00:00",
        });
        builder.Services.AddJaegerStorage(b => b.AddCassandra().AddCassandra());
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync([new Span { TraceId = new TraceId(0, 7), SpanId = new SpanId(1), OperationName = "op", Process = new Process("svc") }]);
            var insert = Assert.Single(node.Requests, r => r.Query == CassandraStatements.InsertSpan);
            Assert.Equal(CqlConsistency.LocalQuorum, insert.Consistency);
            Assert.Equal("jaeger_v1_dc1", insert.Keyspace);
            Assert.NotNull(host.Services.GetRequiredService<IDependencyReader>());
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData("Consistency", "SOMETIMES", "Jaeger:Storage:Cassandra:Consistency")]
    [InlineData("Keyspace", "bad-name", "Jaeger:Storage:Cassandra:Keyspace")]
    [InlineData("Schema:ReplicationStrategy", "NetworkTopologyStrategy", "Jaeger:Storage:Cassandra:Schema:Datacenter")]
    [InlineData("Index:TagWhitelist", "a", "TagBlacklist")]
    public void AnInvalidOptionFailsNamingItsConfigurationKey(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { ["Jaeger:Storage:Cassandra:" + key] = value };
        if (key == "Index:TagWhitelist")
        {
            settings["Jaeger:Storage:Cassandra:Index:TagBlacklist"] = "b";
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddJaegerStorage(b => b.AddCassandra());
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<CassandraStorageOptions>>().Get(Options.DefaultName));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
