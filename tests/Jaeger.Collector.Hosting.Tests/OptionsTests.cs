using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaeger.Collector.Hosting.Tests;

public sealed class OptionsTests
{
    [Fact]
    public async Task A_bad_value_in_configuration_stops_the_host_at_start_naming_the_configuration_key()
    {
        using var host = Build(new Dictionary<string, string?>
        {
            ["Jaeger:Collector:Workers"] = "2000",
            ["Jaeger:Collector:MaxSpanDuration"] = "-00:00:01",
            ["Jaeger:Collector:AggregateDependencies"] = "true",
            ["Jaeger:Collector:DependencyFlushInterval"] = "00:00:00",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
            [
                "Jaeger:Collector:Workers must be between 1 and 1024, not 2000.",
                "Jaeger:Collector:MaxSpanDuration must be positive, not -00:00:01.",
                "Jaeger:Collector:DependencyFlushInterval must be positive when Jaeger:Collector:AggregateDependencies is on, not 00:00:00.",
            ],
            error.Failures);
    }

    [Fact]
    public async Task A_nested_receiver_address_is_validated_and_named_by_its_nested_key_only_when_the_receiver_is_on()
    {
        using var host = Build(new Dictionary<string, string?>
        {
            ["Jaeger:Collector:ThriftHttp:Address"] = "127.0.0.1:99999",
            ["Jaeger:Collector:OtlpHttp:Enabled"] = "false",
            ["Jaeger:Collector:OtlpHttp:Address"] = "not an address",
        }, withoutReceivers: false);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
            ["Jaeger:Collector:ThriftHttp:Address: '99999' in '127.0.0.1:99999' is not a port number from 0 to 65535."],
            error.Failures);
    }

    [Fact]
    public async Task A_value_configuration_cannot_convert_stops_the_host_with_a_message_naming_the_key()
    {
        using var host = Build(new Dictionary<string, string?> { ["Jaeger:Collector:QueueSize"] = "lots" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.StartsWith("Failed to convert configuration value 'lots' at 'Jaeger:Collector:QueueSize'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_given_to_AddJaegerCollector_applies_after_configuration_and_WithoutReceivers_after_both()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Collector:QueueSize"] = "10",
            ["Jaeger:Collector:Zipkin:Address"] = "127.0.0.1:1",
        });
        builder.Services.AddJaegerCollector(o => o.QueueSize = 20).WithoutReceivers();
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<JaegerCollectorOptions>>().Value;

        Assert.Equal(20, options.QueueSize);
        Assert.Equal("127.0.0.1:1", options.Zipkin.Address);
        Assert.False(options.Zipkin.Enabled);
    }

    // Validation runs before any hosted service starts, so a failing host binds no port.
    private static IHost Build(Dictionary<string, string?> settings, bool withoutReceivers = true)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        var collector = builder.Services.AddJaegerCollector();
        if (withoutReceivers)
        {
            collector.WithoutReceivers();
        }

        return builder.Build();
    }
}
