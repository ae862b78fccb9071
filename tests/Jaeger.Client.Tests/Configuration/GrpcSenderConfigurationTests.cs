using Jaeger.Client.Configuration;
using Jaeger.Client.Reporting;
using Jaeger.Client.Senders;
using Microsoft.Extensions.Configuration;

namespace Jaeger.Client.Tests.Configuration;

public sealed class GrpcSenderConfigurationTests
{
    private static JaegerTracingOptions OptionsFrom(Dictionary<string, string?> values) =>
        JaegerTracerFactory.OptionsFrom(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

    [Fact]
    public void JAEGER_GRPC_settings_and_JAEGER_SENDER_FACTORY_are_read_into_the_options()
    {
        var options = OptionsFrom(new()
        {
            ["JAEGER_SERVICE_NAME"] = "svc",
            ["JAEGER_SENDER_FACTORY"] = "grpc",
            ["JAEGER_GRPC_TARGET"] = "collector:14250",
            ["JAEGER_GRPC_ROOT_CERTIFICATE"] = "/etc/ca.pem",
            ["JAEGER_GRPC_CLIENT_CHAIN"] = "/etc/chain.pem",
            ["JAEGER_GRPC_CLIENT_KEY"] = "/etc/key.pem",
        });

        Assert.Equal("grpc", options.SenderFactory);
        Assert.Equal("collector:14250", options.GrpcTarget);
        Assert.Equal("/etc/ca.pem", options.GrpcRootCertificate);
        Assert.Equal("/etc/chain.pem", options.GrpcClientChain);
        Assert.Equal("/etc/key.pem", options.GrpcClientKey);
        Assert.Empty(options.ConfigurationErrors);
    }

    [Theory]
    [InlineData(null, "collector:14250", null, true)]
    [InlineData(null, "collector:14250", "http://collector:14268/api/traces", false)]
    [InlineData(null, null, null, false)]
    [InlineData("grpc", null, null, true)]
    [InlineData("GRPC", "collector:14250", "http://collector:14268/api/traces", true)]
    [InlineData("thrift", "collector:14250", null, false)]
    public void Sender_factory_decides_else_a_grpc_target_without_an_http_endpoint_selects_grpc(string? factory, string? target, string? endpoint, bool grpc)
    {
        var options = new JaegerTracingOptions { ServiceName = "svc", SenderFactory = factory, GrpcTarget = target, Endpoint = endpoint };

        Assert.Equal(grpc, TracerFactory.UsesGrpc(options));
        Assert.Empty(OptionsChecker.Check(options));
    }

    [Theory]
    [InlineData("collector:14250", null, null, typeof(GrpcSender), "http://collector:14250/jaeger.api_v2.CollectorService/PostSpans")]
    [InlineData(null, null, "grpc", typeof(GrpcSender), "http://localhost:14250/jaeger.api_v2.CollectorService/PostSpans")]
    [InlineData("collector:14250", "http://collector:14268/api/traces", null, typeof(HttpSender), "http://collector:14268/api/traces")]
    [InlineData("collector:14250", null, "thrift", typeof(UdpSender), null)]
    public async Task The_tracer_built_from_JAEGER_settings_sends_with_the_chosen_sender(string? target, string? endpoint, string? factory, Type sender, string? url)
    {
        var options = OptionsFrom(new()
        {
            ["JAEGER_SERVICE_NAME"] = "svc",
            ["JAEGER_SAMPLER_TYPE"] = "const",
            ["JAEGER_GRPC_TARGET"] = target,
            ["JAEGER_ENDPOINT"] = endpoint,
            ["JAEGER_SENDER_FACTORY"] = factory,
        });

        await using var tracer = JaegerTracerFactory.Create(options);

        var chosen = Assert.IsType<RemoteReporter>(tracer.Reporter).Sender;
        Assert.IsType(sender, chosen);
        Assert.Equal(url, (chosen as GrpcSender)?.Endpoint.AbsoluteUri ?? (chosen as HttpSender)?.Endpoint.AbsoluteUri);
    }

    [Fact]
    public void Unknown_sender_factory_bad_target_and_unreadable_certificates_are_errors_naming_the_setting()
    {
        var missing = Path.Combine(Path.GetTempPath(), "jaeger-missing-" + Guid.NewGuid().ToString("N") + ".pem");
        var options = OptionsFrom(new()
        {
            ["JAEGER_SERVICE_NAME"] = "svc",
            ["JAEGER_SENDER_FACTORY"] = "carrier-pigeon",
            ["JAEGER_GRPC_TARGET"] = "http://collector:14250",
            ["JAEGER_GRPC_ROOT_CERTIFICATE"] = missing,
            ["JAEGER_GRPC_CLIENT_KEY"] = missing,
        });

        var errors = OptionsChecker.Check(options);

        Assert.Contains("Jaeger:Client:SenderFactory (JAEGER_SENDER_FACTORY) must be thrift or grpc, not 'carrier-pigeon'.", errors);
        Assert.Contains(errors, e => e.StartsWith("Jaeger:Client:GrpcTarget (JAEGER_GRPC_TARGET) 'http://collector:14250'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Jaeger:Client:GrpcRootCertificate (JAEGER_GRPC_ROOT_CERTIFICATE) '" + missing, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Jaeger:Client:GrpcClientKey (JAEGER_GRPC_CLIENT_KEY) is set without Jaeger:Client:GrpcClientChain (JAEGER_GRPC_CLIENT_CHAIN).", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
        var ex = Assert.Throws<ArgumentException>(() => JaegerTracerFactory.Create(options));
        Assert.Contains("JAEGER_SENDER_FACTORY", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_holds_no_certificate_is_an_error_naming_the_setting()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a certificate");
            var errors = OptionsChecker.Check(new JaegerTracingOptions { ServiceName = "svc", GrpcRootCertificate = path, GrpcClientChain = path });

            Assert.Contains(errors, e => e.StartsWith("Jaeger:Client:GrpcRootCertificate (JAEGER_GRPC_ROOT_CERTIFICATE) '" + path + "' could not be loaded", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.StartsWith("Jaeger:Client:GrpcClientChain (JAEGER_GRPC_CLIENT_CHAIN)", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
