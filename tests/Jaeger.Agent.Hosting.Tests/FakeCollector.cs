using System.Collections.Concurrent;
using System.Net;
using Jaeger.Hosting.Http;
using Jaeger.Model;
using Jaeger.Thrift;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaeger.Agent.Hosting.Tests;

/// <summary>
/// A stand-in for a Jaeger collector's HTTP port on loopback: POST /api/traces decodes the Thrift binary Batch and
/// keeps it (or answers <see cref="TracesStatus"/>), GET /api/sampling answers <see cref="SamplingJson"/>.
/// </summary>
internal sealed class FakeCollector : IAsyncDisposable
{
    private EndpointServer _server = null!;

    public ConcurrentQueue<Batch> Batches { get; } = new();

    public ConcurrentQueue<string> DecodeErrors { get; } = new();

    public int TracesStatus { get; set; } = StatusCodes.Status202Accepted;

    public int TraceRequests;

    public string SamplingJson { get; set; } = """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1}}""";

    public int SamplingStatus { get; set; } = StatusCodes.Status200OK;

    public int SamplingRequests;

    public ConcurrentQueue<string> SampledServices { get; } = new();

    public Uri BaseAddress => _server.BaseAddress;

    public IEnumerable<Span> Spans => Batches.SelectMany(b => b.Spans);

    public static async Task<FakeCollector> StartAsync(IPEndPoint? endpoint = null)
    {
        var collector = new FakeCollector();
        collector._server = await EndpointServer.StartAsync(
            endpoint ?? new IPEndPoint(IPAddress.Loopback, 0),
            HttpProtocols.Http1,
            NullLoggerFactory.Instance,
            _ => { },
            routes =>
            {
                routes.MapPost("/api/traces", collector.AcceptTracesAsync);
                routes.MapGet("/api/sampling", collector.ServeSamplingAsync);
            },
            maxRequestBodySize: 10 * 1024 * 1024,
            CancellationToken.None);
        return collector;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(CancellationToken.None);
        await _server.DisposeAsync();
    }

    private async Task AcceptTracesAsync(HttpContext context)
    {
        Interlocked.Increment(ref TraceRequests);
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        if (TracesStatus is < 200 or >= 300)
        {
            context.Response.StatusCode = TracesStatus;
            return;
        }

        if (context.Request.ContentType != "application/x-thrift")
        {
            DecodeErrors.Enqueue("content type " + context.Request.ContentType);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (!JaegerThriftSerializer.TryReadBatch(body.ToArray(), ThriftProtocol.Binary, out var batch, out var error) || batch is null)
        {
            DecodeErrors.Enqueue(error.ToString());
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        Batches.Enqueue(batch);
        context.Response.StatusCode = TracesStatus;
    }

    private Task ServeSamplingAsync(HttpContext context)
    {
        Interlocked.Increment(ref SamplingRequests);
        SampledServices.Enqueue(context.Request.Query["service"].ToString());
        context.Response.StatusCode = SamplingStatus;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(SamplingStatus == 200 ? SamplingJson : "strategy store failed");
    }
}
