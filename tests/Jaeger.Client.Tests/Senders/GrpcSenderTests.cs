using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Jaeger.Client.Configuration;
using Jaeger.Client.Senders;
using Jaeger.Model;
using Microsoft.Extensions.Configuration;

namespace Jaeger.Client.Tests.Senders;

public sealed class GrpcSenderTests
{
    private static Span NewSpan(int i, int tagBytes = 100) => SenderTests.NewSpan(i, tagBytes);

    private static async Task<GrpcRequest> NextRequestAsync(FakeGrpcCollector collector) =>
        await collector.Requests.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Grpc_sender_posts_framed_api_v2_requests_over_h2c_split_by_byte_cap_and_drops_too_large_spans()
    {
        await using var collector = await FakeGrpcCollector.StartAsync();
        var stats = new SenderStats();
        await using var sender = new GrpcSender($"127.0.0.1:{collector.Port}", tls: null, maxRequestBytes: 1500, stats);
        List<Span> spans = [.. Enumerable.Range(0, 6).Select(i => NewSpan(i, 400)), NewSpan(6, 5000)];

        var result = await sender.SendAsync(spans, CancellationToken.None);

        Assert.Equal(new SendResult(6, 0, 1), result);
        Assert.Equal(1, stats.Snapshot().TooLargeDroppedSpans);
        var counted = 0;
        var requests = 0;
        while (counted < 6)
        {
            var request = await NextRequestAsync(collector);
            requests++;
            Assert.Equal("HTTP/2", request.Protocol);
            Assert.Equal("/jaeger.api_v2.CollectorService/PostSpans", request.Path);
            Assert.Equal("application/grpc", request.ContentType);
            Assert.Equal("trailers", request.Te);
            Assert.InRange(request.Body.Length, 1, 1500);
            counted += FakeGrpcCollector.CountSpans(request.Body);
        }

        Assert.Equal(6, counted);
        Assert.True(requests >= 2, "six 400-byte spans need more than one 1500-byte request");
        Assert.False(collector.Requests.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Grpc_error_status_in_trailers_or_headers_fails_the_spans_with_its_name_and_the_next_send_succeeds()
    {
        await using var collector = await FakeGrpcCollector.StartAsync();
        var stats = new SenderStats();
        await using var sender = new GrpcSender($"127.0.0.1:{collector.Port}", tls: null, HttpSender.DefaultMaxRequestBytes, stats);
        collector.EnqueueStatus(14);
        collector.EnqueueStatus(8, trailersOnly: true);

        var unavailable = await sender.SendAsync([NewSpan(0), NewSpan(1)], CancellationToken.None);
        var exhausted = await sender.SendAsync([NewSpan(2)], CancellationToken.None);
        var recovered = await sender.SendAsync([NewSpan(3)], CancellationToken.None);

        Assert.Equal(new SendResult(0, 2, 0, "grpc_unavailable"), unavailable);
        Assert.Equal(new SendResult(0, 1, 0, "grpc_resource_exhausted"), exhausted);
        Assert.Equal(new SendResult(1), recovered);
        Assert.Equal(3, stats.Snapshot().FailedToEmitSpans);
    }

    [Fact]
    public async Task Stream_reset_by_the_collector_fails_the_spans_without_throwing_and_the_next_send_succeeds()
    {
        await using var collector = await FakeGrpcCollector.StartAsync();
        var stats = new SenderStats();
        await using var sender = new GrpcSender($"127.0.0.1:{collector.Port}", tls: null, HttpSender.DefaultMaxRequestBytes, stats);
        collector.EnqueueReset();

        var reset = await sender.SendAsync([NewSpan(0), NewSpan(1)], CancellationToken.None);
        var recovered = await sender.SendAsync([NewSpan(2)], CancellationToken.None);

        Assert.Equal(new SendResult(0, 2, 0, "grpc_error"), reset);
        Assert.Equal(new SendResult(1), recovered);
        Assert.Equal(2, stats.Snapshot().FailedToEmitSpans);
        Assert.Equal(2, FakeGrpcCollector.CountSpans((await NextRequestAsync(collector)).Body)); // the reset request did arrive
        Assert.Equal(1, FakeGrpcCollector.CountSpans((await NextRequestAsync(collector)).Body));
    }

    [Fact]
    public async Task Collector_down_fails_the_spans_without_throwing()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        } // closed: nothing listens on the port now

        var stats = new SenderStats();
        await using var sender = new GrpcSender($"127.0.0.1:{port}", tls: null, HttpSender.DefaultMaxRequestBytes, stats);

        var result = await sender.SendAsync([NewSpan(0), NewSpan(1)], CancellationToken.None);

        Assert.Equal(new SendResult(0, 2, 0, "grpc_error"), result);
        Assert.Equal(2, stats.Snapshot().FailedToEmitSpans);
    }

    [Theory]
    [InlineData("collector:14250", "http://collector:14250/")]
    [InlineData("collector", "http://collector:14250/")]
    [InlineData("10.0.0.5:4000", "http://10.0.0.5:4000/")]
    [InlineData("[::1]:4000", "http://[::1]:4000/")]
    public void Targets_are_host_and_port_with_14250_by_default(string target, string expected)
    {
        Assert.True(GrpcSender.TryParseTarget(target, tls: false, out var uri, out _));
        Assert.Equal(expected, uri.AbsoluteUri);
    }

    [Theory]
    [InlineData("http://collector:14250")]
    [InlineData("collector:14250/api")]
    [InlineData("collector:99999")]
    [InlineData("collector:0")]
    [InlineData("")]
    public void Malformed_targets_are_refused_with_an_example(string target)
    {
        Assert.False(GrpcSender.TryParseTarget(target, tls: false, out _, out var error));
        Assert.Contains("host:port", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tracer_configured_with_JAEGER_GRPC_certificates_sends_over_mutual_tls_and_an_untrusted_root_fails()
    {
        using var pki = new TestPki();
        await using var collector = await FakeGrpcCollector.StartAsync(pki.Server, clientCa: pki.Ca);
        var settings = new Dictionary<string, string?>
        {
            ["JAEGER_SERVICE_NAME"] = "tls-app",
            ["JAEGER_SAMPLER_TYPE"] = "const",
            ["JAEGER_SAMPLER_PARAM"] = "1",
            ["JAEGER_GRPC_TARGET"] = $"localhost:{collector.Port}",
            ["JAEGER_GRPC_ROOT_CERTIFICATE"] = pki.CaPem,
            ["JAEGER_GRPC_CLIENT_CHAIN"] = pki.ClientChainPem,
            ["JAEGER_GRPC_CLIENT_KEY"] = pki.ClientKeyPem,
        };
        var options = JaegerTracerFactory.OptionsFrom(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        await using (var tracer = JaegerTracerFactory.Create(options))
        {
            tracer.BuildSpan("secure").Start().Finish();
        } // disposing flushes

        var request = await NextRequestAsync(collector);
        Assert.Equal("HTTP/2", request.Protocol);
        Assert.Equal("CN=jaeger-test-client", request.ClientCertificateSubject);
        Assert.Equal(1, FakeGrpcCollector.CountSpans(request.Body));

        // The same server is refused when the configured root did not sign its certificate.
        using var otherPki = new TestPki();
        var stats = new SenderStats();
        await using var untrusting = new GrpcSender($"localhost:{collector.Port}", GrpcTls.Load(otherPki.CaPem, pki.ClientChainPem, pki.ClientKeyPem),
            HttpSender.DefaultMaxRequestBytes, stats);
        Assert.Equal(new SendResult(0, 1, 0, "grpc_error"), await untrusting.SendAsync([NewSpan(0)], CancellationToken.None));
    }

    [Fact]
    public void A_client_chain_file_that_holds_the_key_needs_no_JAEGER_GRPC_CLIENT_KEY_and_one_without_it_is_an_error()
    {
        using var pki = new TestPki();

        Assert.Empty(OptionsChecker.Check(new JaegerTracingOptions { ServiceName = "svc", GrpcClientChain = pki.ClientChainAndKeyPem }));
        var error = Assert.Single(OptionsChecker.Check(new JaegerTracingOptions { ServiceName = "svc", GrpcClientChain = pki.ClientChainPem }));
        Assert.StartsWith("Jaeger:Client:GrpcClientChain (JAEGER_GRPC_CLIENT_CHAIN) with Jaeger:Client:GrpcClientKey (JAEGER_GRPC_CLIENT_KEY) '" + pki.ClientChainPem + "' could not be loaded", error, StringComparison.Ordinal);
        using var tls = GrpcTls.Load(null, pki.ClientChainAndKeyPem, null);
        Assert.NotNull(tls);
    }

    /// <summary>A CA, a server certificate for localhost and a client certificate, with PEM files in a temporary folder.</summary>
    private sealed class TestPki : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("jaeger-grpc-tls-").FullName;

        public TestPki()
        {
            using var caKey = RSA.Create(2048);
            var caRequest = new CertificateRequest("CN=jaeger-test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            Ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            Server = Issue("CN=localhost", "1.3.6.1.5.5.7.3.1", san: true);
            var client = Issue("CN=jaeger-test-client", "1.3.6.1.5.5.7.3.2", san: false);
            CaPem = Write("ca.pem", Ca.ExportCertificatePem());
            ClientChainPem = Write("client-chain.pem", client.ExportCertificatePem() + "\n" + Ca.ExportCertificatePem());
            ClientKeyPem = Write("client-key.pem", client.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
            ClientChainAndKeyPem = Write("client.pem", File.ReadAllText(ClientChainPem) + "\n" + File.ReadAllText(ClientKeyPem));
            client.Dispose();
        }

        public X509Certificate2 Ca { get; }

        public X509Certificate2 Server { get; }

        public string CaPem { get; }

        public string ClientChainPem { get; }

        public string ClientKeyPem { get; }

        public string ClientChainAndKeyPem { get; }

        private X509Certificate2 Issue(string subject, string usageOid, bool san)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
            if (san)
            {
                var names = new SubjectAlternativeNameBuilder();
                names.AddDnsName("localhost");
                names.AddIpAddress(IPAddress.Loopback);
                request.CertificateExtensions.Add(names.Build());
            }

            using var issued = request.Create(Ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
            return issued.CopyWithPrivateKey(key);
        }

        private string Write(string name, string pem)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllText(path, pem);
            return path;
        }

        public void Dispose()
        {
            Ca.Dispose();
            Server.Dispose();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
