using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Tests.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>Selecting the store through the storage builder and configuration, as a host does.</summary>
public sealed class RegistrationTests
{
    [EngineFact]
    public async Task Storage_type_clickhouse_from_configuration_creates_the_schema_at_start_and_stores_spans()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        var database = ClickHouseTestServer.NewDatabaseName("host");
        using var host = Host(new Dictionary<string, string?>
        {
            ["Jaeger:Storage:Type"] = "clickhouse",
            ["Jaeger:Storage:ClickHouse:Endpoint"] = front.Endpoint.ToString(),
            ["Jaeger:Storage:ClickHouse:Database"] = database,
            ["Jaeger:Storage:ClickHouse:CreateSchema"] = "true",
            ["Jaeger:Storage:ClickHouse:Ttl"] = "2.00:00:00",
        });

        await host.StartAsync();
        var writer = host.Services.GetRequiredService<ISpanWriter>();
        await writer.WriteSpansAsync([new Span { TraceId = new TraceId(1, 2), SpanId = new SpanId(3), OperationName = "op", Process = new Process("from-config"), StartTime = DateTimeOffset.UtcNow, DurationMicros = 5 }]);

        Assert.Equal(["from-config"], await host.Services.GetRequiredService<ISpanReader>().GetServicesAsync());
        Assert.Equal(TimeSpan.FromDays(2), host.Services.GetRequiredService<IStorageMaintenance>().Retention.MaxAge);
        Assert.NotNull(host.Services.GetRequiredService<ILeaseStore>());
        var metrics = host.Services.GetRequiredService<IMetricsReader>();
        var calls = await metrics.GetCallRatesAsync(new MetricsQueryParameters { ServiceNames = ["from-config"], EndTime = DateTimeOffset.UtcNow.AddMinutes(1), SpanKinds = [""] });
        Assert.Equal(1 / 600.0, Assert.Single(calls.Metrics).Points[^1].Value);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Jaeger:Storage:ClickHouse:BatchSize", "0", "Jaeger:Storage:ClickHouse:BatchSize")]
    [InlineData("Jaeger:Storage:ClickHouse:Endpoint", "ftp://somewhere", "Jaeger:Storage:ClickHouse:Endpoint")]
    [InlineData("Jaeger:Storage:ClickHouse:Database", "jaeger; DROP", "Jaeger:Storage:ClickHouse:Database")]
    [InlineData("Jaeger:Storage:ClickHouse:Ttl", "00:00:01.5", "Jaeger:Storage:ClickHouse:Ttl")]
    [InlineData("Jaeger:Storage:ClickHouse:FlushInterval", "00:02:00", "Jaeger:Storage:ClickHouse:FlushInterval must be between 00:00:00 and 00:01:00, not 00:02:00.")]
    [InlineData("Jaeger:Storage:ClickHouse:Timeout", "00:00:00", "Jaeger:Storage:ClickHouse:Timeout must be positive, not 00:00:00.")]
    [InlineData("Jaeger:Storage:ClickHouse:MaxPendingWrites", "100001", "Jaeger:Storage:ClickHouse:MaxPendingWrites must be between 1 and 100000, not 100001.")]
    [InlineData("Jaeger:Storage:ClickHouse:BatchMaxBytes", "1000", "Jaeger:Storage:ClickHouse:BatchMaxBytes must be between 1024 and 1073741824, not 1000.")]
    [InlineData("Jaeger:Storage:ClickHouse:BatchMaxBytes", "1073741825", "Jaeger:Storage:ClickHouse:BatchMaxBytes must be between 1024 and 1073741824, not 1073741825.")]
    public async Task An_invalid_option_fails_the_host_start_with_a_message_naming_its_key(string key, string value, string named)
    {
        using var host = Host(new Dictionary<string, string?> { ["Jaeger:Storage:Type"] = "clickhouse", [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BatchSize", "0", "Jaeger:Storage:Archive:ClickHouse:BatchSize must be between 1 and 1000000, not 0.")]
    [InlineData("Endpoint", "ftp://somewhere", "Jaeger:Storage:Archive:ClickHouse:Endpoint must be an absolute http or https URL, not 'ftp://somewhere'.")]
    public async Task An_invalid_archive_option_names_the_archive_key(string option, string value, string message)
    {
        using var host = Host(new Dictionary<string, string?>
        {
            ["Jaeger:Storage:Type"] = "clickhouse",
            ["Jaeger:Storage:Archive:Type"] = "clickhouse",
            ["Jaeger:Storage:Archive:ClickHouse:" + option] = value,
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal([message], error.Failures);
    }

    [Fact]
    public void An_invalid_option_given_in_code_throws_at_once()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddJaegerStorage(b => b.AddClickHouse(o => o.MaxConcurrentInserts = 0)));

        Assert.Equal("Jaeger:Storage:ClickHouse:MaxConcurrentInserts must be between 1 and 64, not 0.", error.Message);
    }

    private static IHost Host(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddJaegerStorage(b => b.AddClickHouse());
        return builder.Build();
    }
}
