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
    [InlineData("Compact.ListenAddress", "Jaeger:Agent:Compact:ListenAddress: 'nowhere' has no port")]
    [InlineData("Binary.MaxPacketSize", "Jaeger:Agent:Binary:MaxPacketSize must be between 1 and 65507, not 70000.")]
    [InlineData("AgentTags", "Jaeger:Agent:AgentTags: 'novalue' in AgentTags is not key=value.")]
    [InlineData("MaxBufferedSpans", "Jaeger:Agent:MaxBufferedSpans must be at least 1, not 0.")]
    [InlineData("BaggageRestrictions", "Jaeger:Agent:BaggageRestrictions:user-id needs a non-empty key and a length of zero or more, not -1.")]
    [InlineData("ClientExpiry", "Jaeger:Agent:ClientExpiry must be positive, not 00:00:00.")]
    [InlineData("MaxBackoff", "Jaeger:Agent:MaxBackoff must not be shorter than Jaeger:Agent:InitialBackoff (00:00:02), not 00:00:01.")]
    public async Task An_invalid_option_fails_the_host_start_with_a_message_naming_its_configuration_key(string option, string message)
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
            o.ClientExpiry = option == "ClientExpiry" ? TimeSpan.Zero : TimeSpan.FromHours(1);
            o.InitialBackoff = option == "MaxBackoff" ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(100);
            o.MaxBackoff = option == "MaxBackoff" ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.StartsWith(message, Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_value_in_configuration_stops_the_host_at_start_naming_the_configuration_key()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Agent:Compact:ListenAddress"] = "127.0.0.1:0",
            ["Jaeger:Agent:Binary:ListenAddress"] = "127.0.0.1:0",
            ["Jaeger:Agent:HttpListenAddress"] = "127.0.0.1:0",
            ["Jaeger:Agent:ForwardConcurrency"] = "0",
            ["Jaeger:Agent:Collectors:0"] = "collector:14250",
            ["Jaeger:Agent:Collectors:1"] = "ftp://collector",
        });
        builder.Services.AddJaegerAgent();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
            ["Jaeger:Agent:ForwardConcurrency must be at least 1, not 0.", "Jaeger:Agent:Collectors:1 must be host:port or an http or https address, not 'ftp://collector'."],
            error.Failures);
        Assert.Null(host.Services.GetRequiredService<JaegerAgent>().CompactEndpoint);
    }

    [Fact]
    public async Task A_nested_server_option_is_validated_and_named_by_its_nested_key_even_when_the_server_is_off()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Agent:Compact:ListenAddress"] = "127.0.0.1:0",
            ["Jaeger:Agent:Compact:Workers"] = "0",
            ["Jaeger:Agent:Binary:Enabled"] = "false",
            ["Jaeger:Agent:Binary:ListenAddress"] = "",
            ["Jaeger:Agent:Binary:SocketReceiveBufferSize"] = "-1",
            ["Jaeger:Agent:HttpListenAddress"] = "",
        });
        builder.Services.AddJaegerAgent();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
            ["Jaeger:Agent:Compact:Workers must be at least 1, not 0.", "Jaeger:Agent:Binary:SocketReceiveBufferSize must be at least 0, not -1."],
            error.Failures);
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
