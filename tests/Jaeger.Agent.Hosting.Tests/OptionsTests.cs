using Jaeger.Agent.Hosting.Forwarding;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaeger.Agent.Hosting.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Calling_AddJaegerAgent_twice_registers_one_hosted_service_and_applies_both_configurations()
    {
        var services = new ServiceCollection();
        services.AddJaegerAgent(o => o.MaxRetries = 7);
        var builder = services.AddJaegerAgent(o => o.Compact.QueueSize = 42);

        Assert.Same(services, builder.Services);
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<JaegerAgentOptions>>().Value;
        Assert.Equal(7, options.MaxRetries);
        Assert.Equal(42, options.Compact.QueueSize);
        Assert.Equal(":6831", options.Compact.ListenAddress);
        Assert.Equal(":6832", options.Binary.ListenAddress);
        Assert.Equal(":5778", options.HttpListenAddress);
        Assert.Equal(65_000, options.Binary.MaxPacketSize);
        Assert.Equal(1_000, options.Binary.QueueSize);
    }

    [Fact]
    public void Options_are_bound_from_the_Jaeger_Agent_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Agent:Compact:QueueSize"] = "5",
            ["Jaeger:Agent:Binary:Enabled"] = "false",
            ["Jaeger:Agent:Protocol"] = "Http",
            ["Jaeger:Agent:Collectors:0"] = "http://c1:14268",
            ["Jaeger:Agent:Collectors:1"] = "http://c2:14268",
            ["Jaeger:Agent:AgentTags"] = "zone=eu",
            ["Jaeger:Agent:BaggageRestrictions:user-id"] = "64",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddJaegerAgent(o => o.MaxRetries = 1);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<JaegerAgentOptions>>().Value;

        Assert.Equal(5, options.Compact.QueueSize);
        Assert.False(options.Binary.Enabled);
        Assert.Equal(AgentForwardingProtocol.Http, options.Protocol);
        Assert.Equal(["http://c1:14268", "http://c2:14268"], options.Collectors);
        Assert.Equal("zone=eu", options.AgentTags);
        Assert.Equal(64, Assert.Single(options.BaggageRestrictions, r => r.Key == "user-id").Value);
        Assert.Equal(1, options.MaxRetries);
    }

    [Theory]
    [InlineData("Compact.ListenAddress")]
    [InlineData("Binary.MaxPacketSize")]
    [InlineData("AgentTags")]
    [InlineData("MaxBufferedSpans")]
    [InlineData("BaggageRestrictions")]
    public async Task An_invalid_option_fails_the_host_start_with_a_message_naming_it(string option)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddJaegerAgent(o =>
        {
            o.Compact.ListenAddress = option == "Compact.ListenAddress" ? "nowhere" : "127.0.0.1:0";
            o.Binary.ListenAddress = "127.0.0.1:0";
            o.Binary.MaxPacketSize = option == "Binary.MaxPacketSize" ? 70_000 : 65_000;
            o.AgentTags = option == "AgentTags" ? "novalue" : null;
            o.MaxBufferedSpans = option == "MaxBufferedSpans" ? 0 : 10;
            o.HttpListenAddress = "127.0.0.1:0";
            o.BaggageRestrictions["user-id"] = option == "BaggageRestrictions" ? -1 : 64;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("JaegerAgentOptions." + option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_process_forwarding_without_a_registered_span_sink_fails_the_start_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AgentHost.StartAsync(o => o.Protocol = AgentForwardingProtocol.InProcess));

        Assert.Contains("no ISpanSink is registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bound_addresses_are_readable_after_start_and_a_disabled_server_has_none()
    {
        await using var agent = await AgentHost.StartAsync(o =>
        {
            o.Binary.Enabled = false;
            o.Protocol = AgentForwardingProtocol.Http;
        });

        Assert.NotNull(agent.Agent.CompactEndpoint);
        Assert.NotEqual(0, agent.Agent.CompactEndpoint!.Port);
        Assert.Null(agent.Agent.BinaryEndpoint);
        Assert.NotNull(agent.Agent.HttpEndpoint);
        Assert.NotEqual(0, agent.Agent.HttpEndpoint!.Port);
    }

    [Fact]
    public void Agent_tags_expand_environment_references_with_defaults_as_jaeger_does()
    {
        var environment = new Dictionary<string, string?> { ["ZONE"] = "eu-1", ["EMPTY"] = "" };

        Assert.True(AgentTags.TryParse(" a=1 , zone=${ZONE:none},rack=${RACK:r9}, blank=${EMPTY:dflt},bare=${UNSET}", n => environment.GetValueOrDefault(n), out var tags, out _));

        Assert.Equal(
            ["a=1", "zone=eu-1", "rack=r9", "blank=dflt", "bare="],
            tags.Select(t => t.ToString()));
        Assert.All(tags, t => Assert.Equal(Model.KeyValueType.String, t.Type));
    }

    [Theory]
    [InlineData("novalue")]
    [InlineData("=v")]
    public void Agent_tags_without_key_and_value_are_rejected(string text)
    {
        Assert.False(AgentTags.TryParse(text, _ => null, out _, out var error));
        Assert.Contains(text, error, StringComparison.Ordinal);
    }
}
