using Jaeger.Hosting.Http;
using Jaeger.Query.Api;
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

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (string.IsNullOrEmpty(o.HttpListenAddress))
        {
            return;
        }

        _http = await EndpointServer.StartAsync(
            ListenAddress.Parse(o.HttpListenAddress),
            HttpProtocols.Http1,
            loggerFactory,
            static _ => { },
            routes => QueryEndpoints.Map(routes, o.BasePath, handler, o.EnableUi),
            maxRequestBodySize: 64 * 1024,
            cancellationToken).ConfigureAwait(false);
        var baseAddress = new Uri(_http.BaseAddress, o.BasePath == "/" ? "/" : o.BasePath + "/");
        state.SetHttp(_http.BoundEndpoint, baseAddress);
        LogListening(logger, baseAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_http is not null)
        {
            await _http.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_http is not null)
        {
            await _http.DisposeAsync().ConfigureAwait(false);
            _http = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Jaeger query API and UI listening on {Address}")]
    private static partial void LogListening(ILogger logger, Uri address);
}
