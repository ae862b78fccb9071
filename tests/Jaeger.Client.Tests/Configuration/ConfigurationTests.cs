using System.Net;
using System.Net.Sockets;
using Jaeger.Client.Configuration;
using Jaeger.Client.Reporting;
using Jaeger.Client.Sampling;
using Jaeger.Client.Tests.Reporting;
using Jaeger.Storage;
using Jaeger.Thrift;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaeger.Client.Tests.Configuration;

// A host with the default options listens to the process's activities (sockets, HTTP): were other tests running at the
// same time, their activities would be reported as spans of these tests.
[Collection(nameof(Bridge.ActivityCollection))]
public class ConfigurationTests
{
    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void Every_JAEGER_setting_is_read_from_configuration()
    {
        Environment.SetEnvironmentVariable("JAEGER_TEST_REGION", "eu-1");
        var options = JaegerTracerFactory.OptionsFrom(Config(new()
        {
            ["JAEGER_SERVICE_NAME"] = "orders",
            ["JAEGER_DISABLED"] = "false",
            ["JAEGER_AGENT_HOST"] = "agent.local",
            ["JAEGER_AGENT_PORT"] = "7000",
            ["JAEGER_ENDPOINT"] = "http://collector:14268/api/traces",
            ["JAEGER_AUTH_TOKEN"] = "tok",
            ["JAEGER_USER"] = "ann",
            ["JAEGER_PASSWORD"] = "pw",
            ["JAEGER_REPORTER_LOG_SPANS"] = "1",
            ["JAEGER_REPORTER_MAX_QUEUE_SIZE"] = "500",
            ["JAEGER_REPORTER_FLUSH_INTERVAL"] = "250",
            ["JAEGER_REPORTER_ATTEMPT_RECONNECTING_DISABLED"] = "true",
            ["JAEGER_REPORTER_ATTEMPT_RECONNECT_INTERVAL"] = "10s",
            ["JAEGER_SAMPLER_TYPE"] = "probabilistic",
            ["JAEGER_SAMPLER_PARAM"] = "0.25",
            ["JAEGER_SAMPLER_MANAGER_HOST_PORT"] = "agent.local:5778",
            ["JAEGER_SAMPLER_REFRESH_INTERVAL"] = "30s",
            ["JAEGER_SAMPLER_MAX_OPERATIONS"] = "50",
            ["JAEGER_TAGS"] = "team=core, region=${JAEGER_TEST_REGION:none}, zone=${JAEGER_TEST_UNSET:z1}",
            ["JAEGER_TRACEID_128BIT"] = "true",
            ["JAEGER_RPC_METRICS"] = "true",
            ["JAEGER_PROPAGATION"] = "jaeger,b3,w3c",
        }));

        Assert.Equal("orders", options.ServiceName);
        Assert.False(options.Disabled);
        Assert.Equal("agent.local", options.AgentHost);
        Assert.Equal(7000, options.AgentPort);
        Assert.Equal("http://collector:14268/api/traces", options.Endpoint);
        Assert.Equal("tok", options.AuthToken);
        Assert.Equal("ann", options.User);
        Assert.Equal("pw", options.Password);
        Assert.True(options.LogSpans);
        Assert.Equal(500, options.MaxQueueSize);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.FlushInterval);
        Assert.True(options.DisableAttemptReconnecting);
        Assert.Equal(TimeSpan.FromSeconds(10), options.AttemptReconnectInterval);
        Assert.Equal("probabilistic", options.SamplerType);
        Assert.Equal(0.25, options.SamplerParam);
        Assert.Equal("http://agent.local:5778/sampling", options.SamplingEndpoint);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SamplerRefreshInterval);
        Assert.Equal(50, options.SamplerMaxOperations);
        Assert.Equal("core", options.Tags["team"]);
        Assert.Equal("eu-1", options.Tags["region"]);
        Assert.Equal("z1", options.Tags["zone"]);
        Assert.True(options.TraceId128Bit);
        Assert.True(options.RpcMetrics);
        Assert.Equal("jaeger,b3,w3c", options.Propagation);
        Assert.Empty(options.ConfigurationErrors);
    }

    [Fact]
    public void Section_Jaeger_Client_accepts_property_names_and_JAEGER_names_and_sampling_endpoint_wins_over_host_port()
    {
        var options = JaegerTracerFactory.OptionsFrom(Config(new()
        {
            ["Jaeger:Client:ServiceName"] = "from-section",
            ["Jaeger:Client:MaxQueueSize"] = "42",
            ["Jaeger:Client:FlushInterval"] = "00:00:02",
            ["Jaeger:Client:Tags:env"] = "prod",
            ["Jaeger:Client:JAEGER_SAMPLER_TYPE"] = "const",
            ["JAEGER_SAMPLER_MANAGER_HOST_PORT"] = "h:1",
            ["JAEGER_SAMPLING_ENDPOINT"] = "http://sampling:5778/sampling",
        }));
        Assert.Equal("from-section", options.ServiceName);
        Assert.Equal(42, options.MaxQueueSize);
        Assert.Equal(TimeSpan.FromSeconds(2), options.FlushInterval);
        Assert.Equal("prod", options.Tags["env"]);
        Assert.Equal("const", options.SamplerType);
        Assert.Equal("http://sampling:5778/sampling", options.SamplingEndpoint);
    }

    [Fact]
    public async Task Invalid_settings_fail_host_start_naming_each_setting()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JAEGER_SERVICE_NAME"] = "svc",
            ["JAEGER_AGENT_PORT"] = "abc",
            ["JAEGER_SAMPLER_TYPE"] = "sometimes",
            ["JAEGER_PROPAGATION"] = "jaeger,zipkin",
        });
        builder.Services.AddJaegerTracing();
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(
            [
                "JAEGER_AGENT_PORT: 'abc' is not a valid Int32.",
                "Jaeger:Client:SamplerType (JAEGER_SAMPLER_TYPE) must be one of const, probabilistic, ratelimiting, remote, not 'sometimes'.",
                "Jaeger:Client:Propagation (JAEGER_PROPAGATION) formats must be jaeger, b3 or w3c, not 'zipkin'.",
            ],
            ex.Failures);
    }

    [Fact]
    public async Task A_bad_value_in_the_Jaeger_Client_section_stops_the_host_at_start_naming_the_key_and_the_JAEGER_setting()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Client:ServiceName"] = "svc",
            ["Jaeger:Client:MaxQueueSize"] = "0",
            ["Jaeger:Client:MaxPacketSize"] = "70000",
            ["JAEGER_REPORTER_FLUSH_INTERVAL"] = "0",
            ["JAEGER_AGENT_PORT"] = "70000",
        });
        builder.Services.AddJaegerTracing();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
            [
                "Jaeger:Client:AgentPort (JAEGER_AGENT_PORT) must be between 1 and 65535, not 70000.",
                "Jaeger:Client:MaxPacketSize must be between 512 and 65507, not 70000.",
                "Jaeger:Client:MaxQueueSize (JAEGER_REPORTER_MAX_QUEUE_SIZE) must be at least 1, not 0.",
                "Jaeger:Client:FlushInterval (JAEGER_REPORTER_FLUSH_INTERVAL) must be positive, not 00:00:00.",
            ],
            ex.Failures);
    }

    [Fact]
    public void A_disabled_tracer_is_checked_only_for_values_configuration_could_not_read()
    {
        var options = JaegerTracerFactory.OptionsFrom(Config(new()
        {
            ["JAEGER_DISABLED"] = "true",
            ["JAEGER_REPORTER_MAX_QUEUE_SIZE"] = "0",
            ["JAEGER_SAMPLER_TYPE"] = "sometimes",
        }));
        Assert.Empty(OptionsChecker.Check(options));

        options = JaegerTracerFactory.OptionsFrom(Config(new() { ["JAEGER_DISABLED"] = "true", ["JAEGER_SAMPLER_PARAM"] = "half" }));
        Assert.Equal(["JAEGER_SAMPLER_PARAM: 'half' is not a valid Double."], OptionsChecker.Check(options));
    }

    [Fact]
    public async Task Default_configuration_sends_spans_over_udp_to_the_agent_and_host_stop_flushes()
    {
        using var agent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)agent.Client.LocalEndPoint!).Port;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JAEGER_SERVICE_NAME"] = "udp-default",
            ["JAEGER_AGENT_HOST"] = "127.0.0.1",
            ["JAEGER_AGENT_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["JAEGER_SAMPLER_TYPE"] = "const",
            ["JAEGER_SAMPLER_PARAM"] = "1",
            ["JAEGER_REPORTER_FLUSH_INTERVAL"] = "3600000",
        });
        builder.Services.AddJaegerTracing();
        builder.Services.AddJaegerTracing(o => o.Tags["second-call"] = "yes");
        using var host = builder.Build();
        Assert.Single(host.Services.GetServices<IHostedService>());
        await host.StartAsync();
        var tracer = host.Services.GetRequiredService<ITracer>();
        Assert.Same(tracer, host.Services.GetRequiredService<JaegerTracer>());
        tracer.BuildSpan("over-udp").Start().Finish();
        await host.StopAsync();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var datagram = await agent.ReceiveAsync(timeout.Token);
        Assert.True(JaegerThriftSerializer.TryReadEmitBatch(datagram.Buffer, ThriftProtocol.Compact, out var batch, out _));
        Assert.Equal("udp-default", batch.Process.ServiceName);
        Assert.Contains(batch.Process.Tags, t => t.Key == "second-call");
        Assert.Equal("over-udp", Assert.Single(batch.Spans).OperationName);
    }

    [Fact]
    public async Task Send_in_process_uses_the_registered_span_sink()
    {
        var sink = new RemoteReporterTests.RecordingSink();
        var services = new ServiceCollection();
        services.AddSingleton<ISpanSink>(sink);
        services.AddJaegerTracing(o =>
        {
            o.ServiceName = "in-proc";
            o.SendInProcess = true;
            o.SamplerType = "const";
            o.SamplerParam = 1;
        });
        await using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<ITracer>().BuildSpan("direct").Start().Finish();
            await provider.GetRequiredService<JaegerTracer>().FlushAsync();
            Assert.Equal("direct", Assert.Single(Assert.Single(sink.Batches).Spans).OperationName);
        }
    }

    [Fact]
    public void Synchronous_container_dispose_closes_the_tracer_and_sends_the_queue()
    {
        var sink = new RemoteReporterTests.RecordingSink();
        var services = new ServiceCollection();
        services.AddSingleton<ISpanSink>(sink);
        services.AddJaegerTracing(o =>
        {
            o.ServiceName = "sync-dispose";
            o.SendInProcess = true;
            o.SamplerType = "const";
            o.SamplerParam = 1;
            o.FlushInterval = TimeSpan.FromHours(1);
        });
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<ITracer>().BuildSpan("before dispose").Start().Finish();
        provider.Dispose();
        Assert.Equal("before dispose", Assert.Single(Assert.Single(sink.Batches).Spans).OperationName);
    }

    [Fact]
    public void Disabled_tracer_records_nothing_and_samplers_follow_the_type()
    {
        var disabled = JaegerTracerFactory.Create(new JaegerTracingOptions { Disabled = true });
        Assert.IsType<NoopReporter>(disabled.Reporter);
        Assert.False(((JaegerSpanContext)disabled.BuildSpan("x").Start().Context).IsSampled);

        var probabilistic = JaegerTracerFactory.Create(new JaegerTracingOptions { ServiceName = "s", SamplerType = "probabilistic", SamplerParam = 0.5 });
        Assert.Equal(0.5, Assert.IsType<ProbabilisticSampler>(probabilistic.Sampler).Rate);
        var remote = JaegerTracerFactory.Create(new JaegerTracingOptions { ServiceName = "s" });
        var remoteSampler = Assert.IsType<RemoteControlledSampler>(remote.Sampler);
        Assert.Equal("http://127.0.0.1:5778/sampling?service=s", remoteSampler.RequestUri.ToString());
        remoteSampler.Dispose();
        Assert.Throws<ArgumentException>(() => JaegerTracerFactory.Create(new JaegerTracingOptions { ServiceName = "s", SamplerType = "bogus" }));
    }
}
