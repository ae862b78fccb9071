using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Jaeger.Storage.Cassandra.Cluster;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Tests.Fake;
using Jaeger.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.Cassandra.Tests.Cluster;

public sealed class CqlConnectionTests
{
    internal static readonly FakeStatement Echo = new("SELECT v FROM echo WHERE k = ?", [("k", CqlType.Int)], [0], [("v", CqlType.Int)]);

    [Fact]
    public async Task HandshakeSendsStartupWithCqlVersionAndSwitchesToTheKeyspace()
    {
        await using var server = new FakeCqlServer().Start();
        await using var connection = new CqlConnection(server.EndPoint, new CqlConnectionSettings { Keyspace = "jaeger_v1_test" }, TimeProvider.System, NullLogger.Instance);
        await connection.OpenAsync(CancellationToken.None);
        Assert.True(connection.IsOpen);
        Assert.True(server.Startups.TryDequeue(out var startup));
        Assert.Equal("3.0.0", startup["CQL_VERSION"]);
        Assert.Equal("Jaeger.Storage.Cassandra", startup["DRIVER_NAME"]);
        var use = Assert.Single(server.Requests);
        Assert.Equal("USE \"jaeger_v1_test\"", use.Query);
    }

    [Fact]
    public async Task PasswordAuthenticatorAcceptsTheRightCredentialsAndRefusesOthersWithAClearError()
    {
        await using var server = new FakeCqlServer { RequiredUser = "jaeger", RequiredPassword = "s3cret" }.Start();
        await using (var good = new CqlConnection(server.EndPoint, new CqlConnectionSettings { UserName = "jaeger", Password = "s3cret" }, TimeProvider.System, NullLogger.Instance))
        {
            await good.OpenAsync(CancellationToken.None);
            Assert.True(good.IsOpen);
        }

        await using var bad = new CqlConnection(server.EndPoint, new CqlConnectionSettings { UserName = "jaeger", Password = "wrong" }, TimeProvider.System, NullLogger.Instance);
        var refused = await Assert.ThrowsAsync<CqlAuthenticationException>(() => bad.OpenAsync(CancellationToken.None));
        Assert.Contains("username and/or password are incorrect", refused.Message, StringComparison.Ordinal);
        Assert.False(bad.IsOpen);

        await using var none = new CqlConnection(server.EndPoint, new CqlConnectionSettings(), TimeProvider.System, NullLogger.Instance);
        var missing = await Assert.ThrowsAsync<CqlAuthenticationException>(() => none.OpenAsync(CancellationToken.None));
        Assert.Contains("PasswordAuthenticator", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyRequestsAreInFlightAtOnceAndEachGetsItsOwnAnswerWhenTheServerAnswersInReverse()
    {
        await using var server = new FakeCqlServer { HoldExecutes = 64 }.Start();
        server.Define(Echo);
        server.OnStatement = r => FakeReply.Of(Echo.ResultColumns, [(int)r.Values[0]! * 10]);
        await using var connection = new CqlConnection(server.EndPoint, new CqlConnectionSettings(), TimeProvider.System, NullLogger.Instance);
        await connection.OpenAsync(CancellationToken.None);
        var prepared = (await connection.PrepareAsync(Echo.Query, CancellationToken.None)).Prepared!;

        var calls = Enumerable.Range(1, 64).Select(i => connection.ExecuteAsync(i, (w, id, k) => CqlRequests.WriteExecute(w, id, prepared.Id, [k], new CqlQueryParameters(), [CqlType.Int]), CancellationToken.None)).ToList();
        var results = await Task.WhenAll(calls);

        // The server held all 64 before answering any, so all were in flight together, on 64 distinct stream ids.
        Assert.Equal(Enumerable.Range(1, 64).Select(i => i * 10), results.Select(r => (int)r.Rows!.Get(0, 0)!));
        Assert.Equal(64, server.Requests.Where(r => r.Opcode == CqlOpcode.Execute).Select(r => r.StreamId).Distinct().Count());
    }

    [Fact]
    public async Task RequestsBeyondTheInFlightLimitWaitForAStreamIdAndFailWhenTheConnectionDrops()
    {
        await using var server = new FakeCqlServer { HoldExecutes = 1000 }.Start();
        server.Define(Echo);
        await using var connection = new CqlConnection(server.EndPoint, new CqlConnectionSettings { MaxRequestsPerConnection = 4 }, TimeProvider.System, NullLogger.Instance);
        await connection.OpenAsync(CancellationToken.None);
        var prepared = (await connection.PrepareAsync(Echo.Query, CancellationToken.None)).Prepared!;

        var calls = Enumerable.Range(1, 6).Select(i => connection.ExecuteAsync(i, (w, id, k) => CqlRequests.WriteExecute(w, id, prepared.Id, [k], new CqlQueryParameters(), [CqlType.Int]), CancellationToken.None)).ToList();
        await Eventually.UntilAsync(() => server.Requests.Count(r => r.Opcode == CqlOpcode.Execute) == 4, "4 requests reach the server");
        Assert.Equal(4, connection.InFlight);
        Assert.DoesNotContain(calls, c => c.IsCompleted);
        Assert.Equal(4, server.Requests.Count(r => r.Opcode == CqlOpcode.Execute));

        server.DropConnections();
        foreach (var call in calls)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => call);
        }

        Assert.False(connection.IsOpen);
        await Assert.ThrowsAsync<CqlConnectionException>(() => calls[0]);
    }

    [Fact]
    public async Task AnIdleConnectionSendsOptionsAsAHeartbeat()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var server = new FakeCqlServer().Start();
        await using var connection = new CqlConnection(server.EndPoint, new CqlConnectionSettings { HeartbeatInterval = TimeSpan.FromSeconds(30) }, time, NullLogger.Instance);
        await connection.OpenAsync(CancellationToken.None);
        Assert.Equal(0, server.OptionsReceived);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, server.OptionsReceived);
        time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.UntilAsync(() => connection.Heartbeats == 1, "one heartbeat answered");
        Assert.Equal(1, server.OptionsReceived);
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task AServerThatStopsAnsweringHeartbeatsIsDisconnected()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var server = new FakeCqlServer().Start();
        await using var connection = new CqlConnection(server.EndPoint, new CqlConnectionSettings { HeartbeatInterval = TimeSpan.FromSeconds(30) }, time, NullLogger.Instance);
        await connection.OpenAsync(CancellationToken.None);
        server.DropConnections();
        await connection.Closed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(connection.IsOpen);
    }

    [Fact]
    public async Task ANodeThatStopsAnsweringIsFoundByTheHeartbeatEvenWithRequestsInFlight()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var server = new FakeCqlServer().Start();
        server.Define(Echo);
        await using var connection = new CqlConnection(server.EndPoint, new CqlConnectionSettings { HeartbeatInterval = TimeSpan.FromSeconds(30), RequestTimeout = TimeSpan.FromSeconds(10) }, time, NullLogger.Instance);
        await connection.OpenAsync(CancellationToken.None);
        var prepared = (await connection.PrepareAsync(Echo.Query, CancellationToken.None)).Prepared!;
        server.Silent = true;

        var stuck = connection.ExecuteAsync(1, (w, id, k) => CqlRequests.WriteExecute(w, id, prepared.Id, [k], new CqlQueryParameters(), [CqlType.Int]), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(31));
        await Eventually.UntilAsync(() => server.OptionsReceived == 1, "the heartbeat is sent although a request is in flight");
        time.Advance(TimeSpan.FromSeconds(11));

        await connection.Closed.WaitAsync(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<CqlConnectionException>(() => stuck);
    }

    [Fact]
    public async Task TlsWithAClientCertificateConnectsAndTheServerSeesTheCertificate()
    {
        using var serverCertificate = SelfSigned("CN=cassandra-test", server: true);
        using var clientCertificate = SelfSigned("CN=jaeger-collector", server: false);
        await using var server = new FakeCqlServer { TlsCertificate = serverCertificate, RequireClientCertificate = true }.Start();
        var tls = new CqlTlsSettings
        {
            ServerName = "cassandra-test",
            TrustedRoots = [X509CertificateLoader.LoadCertificate(serverCertificate.RawData)],
            ClientCertificates = [clientCertificate],
        };
        await using var connection = new CqlConnection(server.EndPoint, new CqlConnectionSettings { Tls = tls, Keyspace = "ks" }, TimeProvider.System, NullLogger.Instance);
        await connection.OpenAsync(CancellationToken.None);
        Assert.True(connection.IsOpen);
        Assert.Equal("CN=jaeger-collector", server.ClientCertificateSubject);
        Assert.Equal("USE \"ks\"", Assert.Single(server.Requests).Query);
    }

    [Fact]
    public async Task TlsRefusesAServerCertificateThatDoesNotChainToTheTrustedRoot()
    {
        using var serverCertificate = SelfSigned("CN=cassandra-test", server: true);
        using var otherRoot = SelfSigned("CN=someone-else", server: true);
        await using var server = new FakeCqlServer { TlsCertificate = serverCertificate }.Start();
        var tls = new CqlTlsSettings { ServerName = "cassandra-test", TrustedRoots = [X509CertificateLoader.LoadCertificate(otherRoot.RawData)] };
        await using var connection = new CqlConnection(server.EndPoint, new CqlConnectionSettings { Tls = tls }, TimeProvider.System, NullLogger.Instance);
        await Assert.ThrowsAsync<CqlConnectionException>(() => connection.OpenAsync(CancellationToken.None));
    }

    internal static X509Certificate2 SelfSigned(string subject, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(subject[3..]);
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}

public sealed class CqlCompressionTests
{
    [Fact]
    public async Task Lz4IsNegotiatedAndBothDirectionsAreCompressedAfterStartup()
    {
        await using var server = new FakeCqlServer().Start();
        server.Define(new FakeStatement("SELECT v FROM kv WHERE k = ?", [("k", CqlType.Text)], [0], [("v", CqlType.Text)]));
        var big = new string('j', 20_000);
        server.OnStatement = r => FakeReply.Of([("v", CqlType.Text)], [(string)r.Values[0]! + "!"]);
        await using var connection = new CqlConnection(server.EndPoint, new CqlConnectionSettings { Compression = Lz4Compressor.Instance, Keyspace = "ks" }, TimeProvider.System, NullLogger.Instance);
        await connection.OpenAsync(CancellationToken.None);
        var prepared = (await connection.PrepareAsync("SELECT v FROM kv WHERE k = ?", CancellationToken.None)).Prepared!;

        var frame = await connection.SendAsync(big, (w, id, k) => CqlRequests.WriteExecute(w, id, prepared.Id, [k], new CqlQueryParameters(), [CqlType.Text]), CancellationToken.None);

        Assert.True((frame.Header.Flags & CqlFrameFlags.Compression) != 0);
        Assert.True(frame.Header.BodyLength < 1000);
        Assert.Equal(big + "!", frame.ToResult().Rows!.Get(0, 0));
        Assert.Equal("lz4", Assert.Single(server.Startups)["COMPRESSION"]);
        Assert.Equal(3, server.CompressedFramesReceived);
        Assert.Equal(big, server.Requests.Single(r => r.Opcode == CqlOpcode.Execute).Values[0]);
    }

    [Fact]
    public void Lz4BodiesCarryTheirBigEndianLengthAndRoundTrip()
    {
        var body = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("jaeger-span-", 100)));
        var compressed = Lz4Compressor.Instance.Compress(body);
        Assert.Equal(body.Length, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(compressed));
        Assert.True(compressed.Length < body.Length / 4);
        Assert.Equal(body, Lz4Compressor.Instance.Decompress(compressed));
        Assert.Throws<CqlProtocolException>(() => Lz4Compressor.Instance.Decompress([0x7f, 0, 0, 0, 1]));
    }
}
