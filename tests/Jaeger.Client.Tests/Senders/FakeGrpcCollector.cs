using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace Jaeger.Client.Tests.Senders;

/// <summary>One request as the fake collector saw it.</summary>
internal sealed record GrpcRequest(string Protocol, string Path, string? ContentType, string? Te, byte[] Body, string? ClientCertificateSubject);

/// <summary>
/// A real Kestrel HTTP/2 listener on 127.0.0.1 port 0 (h2c, or TLS with a given certificate) that answers
/// <c>jaeger.api_v2.CollectorService/PostSpans</c> with scripted gRPC statuses (OK when none is queued).
/// </summary>
internal sealed class FakeGrpcCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Code, bool TrailersOnly)> _statuses = new();

    private FakeGrpcCollector(WebApplication app) => _app = app;

    public Channel<GrpcRequest> Requests { get; } = Channel.CreateUnbounded<GrpcRequest>();

    public int Port { get; private set; }

    public static async Task<FakeGrpcCollector> StartAsync(X509Certificate2? serverCertificate = null, X509Certificate2? clientCa = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (serverCertificate is not null)
            {
                listen.UseHttps(serverCertificate, https =>
                {
                    if (clientCa is not null)
                    {
                        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (certificate, _, _) => ChainsTo(certificate, clientCa);
                    }
                });
            }
        }));
        var app = builder.Build();
        var collector = new FakeGrpcCollector(app);
        app.MapPost("/jaeger.api_v2.CollectorService/PostSpans", collector.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        collector.Port = new Uri(address).Port;
        return collector;
    }

    /// <summary>Answers the next request with this grpc-status, in trailers or (trailers-only) in the headers.</summary>
    public void EnqueueStatus(int code, bool trailersOnly = false) => _statuses.Enqueue((code, trailersOnly));

    /// <summary>Resets the next request's stream without an answer, as a collector that goes away mid-call.</summary>
    public void EnqueueReset() => _statuses.Enqueue((-1, false));

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        return chain.Build(certificate);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        Requests.Writer.TryWrite(new GrpcRequest(
            context.Request.Protocol,
            context.Request.Path,
            context.Request.ContentType,
            context.Request.Headers.TE,
            body.ToArray(),
            context.Connection.ClientCertificate?.Subject));

        var (code, trailersOnly) = _statuses.TryDequeue(out var scripted) ? scripted : (0, false);
        if (code < 0)
        {
            context.Abort();
            return;
        }

        context.Response.ContentType = "application/grpc";
        if (trailersOnly)
        {
            context.Response.Headers["grpc-status"] = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = "scripted failure";
            return;
        }

        if (code == 0)
        {
            var emptyResponse = new byte[5]; // PostSpansResponse{}: uncompressed, length 0
            await context.Response.Body.WriteAsync(emptyResponse, context.RequestAborted);
        }

        context.Response.AppendTrailer("grpc-status", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (code != 0)
        {
            context.Response.AppendTrailer("grpc-message", "scripted failure");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Checks the gRPC frame and counts the spans of its PostSpansRequest (batch = 1, Batch.spans = 1) with a minimal protobuf walk.</summary>
    public static int CountSpans(byte[] body)
    {
        Assert.Equal(0, body[0]);
        Assert.Equal(body.Length - 5, BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1)));
        var request = body.AsSpan(5);
        var batch = SingleField(request, 1);
        var spans = 0;
        var position = 0;
        while (position < batch.Length)
        {
            var tag = (int)ReadVarint(batch, ref position);
            Assert.Equal(2, tag & 7);
            var length = (int)ReadVarint(batch, ref position);
            spans += tag >> 3 == 1 ? 1 : 0;
            position += length;
        }

        Assert.Equal(batch.Length, position);
        return spans;
    }

    private static ReadOnlySpan<byte> SingleField(ReadOnlySpan<byte> message, int field)
    {
        var position = 0;
        var tag = (int)ReadVarint(message, ref position);
        Assert.Equal((field << 3) | 2, tag);
        var length = (int)ReadVarint(message, ref position);
        Assert.Equal(message.Length, position + length);
        return message.Slice(position, length);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
