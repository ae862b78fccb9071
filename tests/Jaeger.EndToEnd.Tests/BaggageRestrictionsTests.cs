using Jaeger.Agent.Hosting;
using Jaeger.Client;
using Jaeger.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.EndToEnd.Tests;

/// <summary>Our client takes its baggage restrictions from our agent, configured as an operator would configure it.</summary>
public sealed class BaggageRestrictionsTests
{
    [Fact]
    public async Task Our_client_applies_the_baggage_restrictions_our_agent_is_configured_with()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Agent:Compact:Enabled"] = "false",
            ["Jaeger:Agent:Binary:Enabled"] = "false",
            ["Jaeger:Agent:HttpListenAddress"] = "127.0.0.1:0",
            ["Jaeger:Agent:BaggageRestrictions:user-id"] = "5",
        });
        builder.Services.AddJaegerAgent();
        using var agentHost = builder.Build();
        await agentHost.StartAsync();
        try
        {
            var agent = agentHost.Services.GetRequiredService<JaegerAgent>();
            // Unsampled spans send nothing: only the agent's HTTP server is used.
            await using var tracer = JaegerTracerFactory.Create(new JaegerTracingOptions
            {
                ServiceName = "e2e-baggage",
                SamplerType = "probabilistic",
                SamplerParam = 0,
                BaggageRestrictions = true,
                BaggageRestrictionsEndpoint = new Uri(agent.HttpEndpoint!, "baggageRestrictions").AbsoluteUri,
            });

            // Before the first poll every key is allowed up to 2048 characters; after it only user-id, up to 5.
            string? secret = "unset";
            await Eventually.UntilAsync(() =>
            {
                var span = tracer.BuildSpan("checkout").Start();
                span.SetBaggageItem("user-id", "ann-1234").SetBaggageItem("secret", "x");
                var cut = span.GetBaggageItem("user-id") == "ann-1";
                secret = span.GetBaggageItem("secret");
                span.Finish();
                return cut;
            }, "the client's first baggage restrictions from the agent");

            Assert.Null(secret);
        }
        finally
        {
            await agentHost.StopAsync();
        }
    }
}
