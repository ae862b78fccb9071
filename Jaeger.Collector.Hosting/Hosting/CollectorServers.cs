using System.Globalization;
using System.Net;
using Grpc.AspNetCore.Server.Model;
using Jaeger.Collector.Pipeline;
using Jaeger.Collector.Receivers;
using Jaeger.Sampling;
using Jaeger.Hosting.Diagnostics;
using Jaeger.Hosting.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaeger.Collector.Hosting;

/// <summary>
/// Runs the receivers' Kestrel servers. HTTP receivers (Thrift, OTLP/HTTP, Zipkin, admin) share one HTTP/1.1
/// server when configured with the same non-zero address; the gRPC receivers (api_v2, OTLP) likewise share one
/// HTTP/2 server. Registered after the pipeline, so the host stops it first and the pipeline then drains.
/// </summary>
internal sealed partial class CollectorServers : IHostedService, IAsyncDisposable
{
    private readonly JaegerCollectorOptions _options;
    private readonly SpanPipeline _pipeline;
    private readonly ISamplingStrategyProvider _strategies;
    private readonly CollectorMetrics _metrics;
    private readonly JaegerCollector _collector;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<CollectorServers> _logger;
    private readonly PrometheusMetrics? _prometheus;
    private readonly List<EndpointServer> _servers = [];
    private readonly ServersStopping _stopping = new();
    private DateTimeOffset _upSince;

    public CollectorServers(
        IOptions<JaegerCollectorOptions> options,
        SpanPipeline pipeline,
        ISamplingStrategyProvider strategies,
        CollectorMetrics metrics,
        JaegerCollector collector,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        IServiceProvider services)
    {
        _options = options.Value;
        _pipeline = pipeline;
        _strategies = strategies;
        _metrics = metrics;
        _collector = collector;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<CollectorServers>();

        // Resolved here, before any receiver runs, so /metrics counts from the start; without an admin server nobody listens.
        _prometheus = _options.Admin.Enabled ? services.GetRequiredService<PrometheusMetrics>() : null;
    }

    private enum Receiver
    {
        ThriftHttp,
        OtlpHttp,
        Zipkin,
        Admin,
        Grpc,
        OtlpGrpc,
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var http = new HttpReceivers(_pipeline, _strategies, _metrics, _options.MaxRequestBytes);
        var httpGroups = Group([(Receiver.ThriftHttp, _options.ThriftHttp), (Receiver.OtlpHttp, _options.OtlpHttp), (Receiver.Zipkin, _options.Zipkin), (Receiver.Admin, _options.Admin)]);
        var grpcGroups = Group([(Receiver.Grpc, _options.Grpc), (Receiver.OtlpGrpc, _options.OtlpGrpc)]);
        _upSince = _time.GetUtcNow();

        foreach (var (endpoint, receivers) in httpGroups)
        {
            var server = await EndpointServer.StartAsync(
                endpoint,
                HttpProtocols.Http1,
                _loggerFactory,
                static _ => { },
                routes =>
                {
                    foreach (var receiver in receivers)
                    {
                        switch (receiver)
                        {
                            case Receiver.ThriftHttp:
                                http.MapThrift(routes);
                                break;
                            case Receiver.OtlpHttp:
                                http.MapOtlp(routes);
                                break;
                            case Receiver.Zipkin:
                                http.MapZipkin(routes);
                                break;
                            case Receiver.Admin:
                                MapHealth(routes);
                                break;
                        }
                    }
                },
                _options.MaxRequestBytes,
                cancellationToken).ConfigureAwait(false);
            _servers.Add(server);
            Publish(receivers, server.BaseAddress);
        }

        foreach (var (endpoint, receivers) in grpcGroups)
        {
            var server = await EndpointServer.StartAsync(
                endpoint,
                HttpProtocols.Http2,
                _loggerFactory,
                services =>
                {
                    services.AddGrpc(o =>
                    {
                        o.MaxReceiveMessageSize = _options.MaxRequestBytes;
                        o.EnableDetailedErrors = false;
                    });
                    services.AddSingleton(_pipeline);
                    services.AddSingleton(_metrics);
                    services.AddSingleton(_strategies);
                    services.AddSingleton(_stopping);
                    services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<OtlpTraceService>, OtlpTraceServiceMethods>());
                },
                routes =>
                {
                    routes.MapGrpcService<GrpcHealthService>();
                    foreach (var receiver in receivers)
                    {
                        if (receiver == Receiver.Grpc)
                        {
                            routes.MapGrpcService<ApiV2CollectorService>();
                            routes.MapGrpcService<ApiV2SamplingService>();
                        }
                        else
                        {
                            routes.MapGrpcService<OtlpTraceService>();
                        }
                    }
                },
                _options.MaxRequestBytes,
                cancellationToken).ConfigureAwait(false);
            _servers.Add(server);
            Publish(receivers, server.BaseAddress);
        }

        _collector.MarkStarted();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Signal();
        foreach (var server in _servers)
        {
            try
            {
                await server.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogStopTimedOut(_logger, server.BaseAddress);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        _servers.Clear();
        _stopping.Dispose();
    }

    private static List<(IPEndPoint Endpoint, List<Receiver> Receivers)> Group(IEnumerable<(Receiver Receiver, ReceiverOptions Options)> receivers)
    {
        var groups = new List<(IPEndPoint Endpoint, List<Receiver> Receivers)>();
        foreach (var (receiver, options) in receivers)
        {
            if (!options.Enabled)
            {
                continue;
            }

            var endpoint = ListenAddress.Parse(options.Address);
            var shared = endpoint.Port == 0 ? -1 : groups.FindIndex(g => g.Endpoint.Equals(endpoint));
            if (shared >= 0)
            {
                groups[shared].Receivers.Add(receiver);
            }
            else
            {
                groups.Add((endpoint, [receiver]));
            }
        }

        return groups;
    }

    private void Publish(List<Receiver> receivers, Uri address)
    {
        foreach (var receiver in receivers)
        {
            switch (receiver)
            {
                case Receiver.ThriftHttp:
                    _collector.ThriftHttpEndpoint = address;
                    break;
                case Receiver.OtlpHttp:
                    _collector.OtlpHttpEndpoint = address;
                    break;
                case Receiver.Zipkin:
                    _collector.ZipkinEndpoint = address;
                    break;
                case Receiver.Admin:
                    _collector.AdminEndpoint = address;
                    break;
                case Receiver.Grpc:
                    _collector.GrpcEndpoint = address;
                    break;
                case Receiver.OtlpGrpc:
                    _collector.OtlpGrpcEndpoint = address;
                    break;
            }

            LogListening(_logger, receiver.ToString(), address);
        }
    }

    private void MapHealth(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", HealthAsync);
        routes.MapGet("/health", HealthAsync);
        _prometheus?.Map(routes);
    }

    // Jaeger's health JSON: {"status":"Server available","upSince":"<RFC3339>","uptime":"<duration>"}.
    private Task HealthAsync(HttpContext context)
    {
        var uptime = _time.GetUtcNow() - _upSince;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(
            new HealthStatus("Server available", _upSince.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), uptime.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s"),
            HealthJsonContext.Default.HealthStatus,
            cancellationToken: context.RequestAborted);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Collector receiver {Receiver} listening on {Address}.")]
    private static partial void LogListening(ILogger logger, string receiver, Uri address);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "The server on {Address} did not stop before the shutdown timeout.")]
    private static partial void LogStopTimedOut(ILogger logger, Uri address);
}

/// <summary>The health response.</summary>
internal sealed record HealthStatus(string Status, string UpSince, string Uptime);

[System.Text.Json.Serialization.JsonSerializable(typeof(HealthStatus))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class HealthJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
