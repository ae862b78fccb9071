using Jaeger.Hosting.Http;
using Jaeger.Query.Api;
using Jaeger.Query.Grpc;
using Jaeger.Query.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaeger.Query;

/// <summary>Runs the query role's own Kestrel servers: HTTP API and UI, and (when the gRPC contracts are built in) the gRPC QueryService.</summary>
internal sealed partial class JaegerQueryHostedService(
    IOptions<JaegerQueryOptions> options,
    QueryHandler handler,
    JaegerQuery state,
    ILoggerFactory loggerFactory,
    ILogger<JaegerQueryHostedService> logger) : IHostedService, IAsyncDisposable
{
    private EndpointServer? _http;
    private EndpointServer? _grpc;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!string.IsNullOrEmpty(o.GrpcListenAddress))
        {
            _grpc = await EndpointServer.StartAsync(
                ListenAddress.Parse(o.GrpcListenAddress),
                HttpProtocols.Http2,
                loggerFactory,
                services =>
                {
                    services.AddGrpc();
                    services.AddSingleton(handler);
                },
                static routes =>
                {
                    routes.MapGrpcService<GrpcQueryService>();
                    routes.MapGrpcService<GrpcQueryServiceV3>();
                    routes.MapGrpcService<GrpcMetricsQueryService>();
                },
                maxRequestBodySize: 64 * 1024,
                cancellationToken).ConfigureAwait(false);
            state.SetGrpc(_grpc.BoundEndpoint);
            LogGrpcListening(logger, _grpc.BoundEndpoint);
        }

        if (string.IsNullOrEmpty(o.HttpListenAddress))
        {
            return;
        }

        _http = await EndpointServer.StartAsync(
            ListenAddress.Parse(o.HttpListenAddress),
            HttpProtocols.Http1,
            loggerFactory,
            services =>
            {
                if (o.Mcp.Enabled)
                {
                    McpEndpoint.AddServices(services, handler);
                }
            },
            routes =>
            {
                QueryEndpoints.Map(routes, o.BasePath, handler, o.EnableUi);
                if (o.Mcp.Enabled)
                {
                    McpEndpoint.Map(routes, o.BasePath, handler);
                }
            },
            maxRequestBodySize: 64 * 1024,
            cancellationToken).ConfigureAwait(false);
        var baseAddress = new Uri(_http.BaseAddress, o.BasePath == "/" ? "/" : o.BasePath + "/");
        state.SetHttp(_http.BoundEndpoint, baseAddress);
        LogListening(logger, baseAddress);
        if (o.Mcp.Enabled)
        {
            LogMcpListening(logger, new Uri(baseAddress, McpEndpoint.Path.TrimStart('/')));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_http is not null)
        {
            await _http.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_grpc is not null)
        {
            await _grpc.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_grpc is not null)
        {
            await _grpc.DisposeAsync().ConfigureAwait(false);
            _grpc = null;
        }

        if (_http is not null)
        {
            await _http.DisposeAsync().ConfigureAwait(false);
            _http = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Jaeger query gRPC QueryService listening on {Endpoint}")]
    private static partial void LogGrpcListening(ILogger logger, System.Net.IPEndPoint endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Jaeger query API and UI listening on {Address}")]
    private static partial void LogListening(ILogger logger, Uri address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Jaeger query MCP endpoint at {Address}")]
    private static partial void LogMcpListening(ILogger logger, Uri address);
}
