using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jaeger.Hosting.Http;

/// <summary>
/// A Kestrel server that a role's hosted service starts and stops, so the role works inside any Generic Host, not only
/// inside a WebApplication. It binds one endpoint (port 0 for an ephemeral port) and reports the address it bound.
/// </summary>
internal sealed partial class EndpointServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EndpointServer(WebApplication app, IPEndPoint boundEndpoint)
    {
        _app = app;
        BoundEndpoint = boundEndpoint;
    }

    /// <summary>The address the server listens on, with the real port when port 0 was asked for.</summary>
    public IPEndPoint BoundEndpoint { get; }

    /// <summary>http://host:port/ for clients; an "any" address is reported as loopback.</summary>
    public Uri BaseAddress
    {
        get
        {
            var address = BoundEndpoint.Address;
            if (address.Equals(IPAddress.Any))
            {
                address = IPAddress.Loopback;
            }
            else if (address.Equals(IPAddress.IPv6Any))
            {
                address = IPAddress.IPv6Loopback;
            }

            var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
            return new Uri($"http://{host}:{BoundEndpoint.Port}/");
        }
    }

    /// <summary>The server's own services (for example to resolve gRPC services registered by <c>configureServices</c>).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a server.</summary>
    /// <param name="endpoint">Where to listen.</param>
    /// <param name="protocols">HTTP/1.1, HTTP/2 or both (gRPC over cleartext needs <see cref="HttpProtocols.Http2"/>).</param>
    /// <param name="loggerFactory">The outer host's logger factory, so the server logs where the host logs.</param>
    /// <param name="configureServices">Services the endpoints need, such as <c>AddGrpc()</c>; outer singletons can be forwarded here.</param>
    /// <param name="mapEndpoints">Maps the routes.</param>
    /// <param name="maxRequestBodySize">The largest request body accepted, in bytes.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<EndpointServer> StartAsync(
        IPEndPoint endpoint,
        HttpProtocols protocols,
        ILoggerFactory loggerFactory,
        Action<IServiceCollection> configureServices,
        Action<IEndpointRouteBuilder> mapEndpoints,
        long? maxRequestBodySize,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(EndpointServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();

        // The private host's lifetime ("Application started", content root ...) is not the outer host's: keep it out of its log.
        builder.Services.AddSingleton<ILoggerFactory>(new InnerHostLoggerFactory(loggerFactory));
        builder.WebHost.UseKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = maxRequestBodySize;
            options.Listen(endpoint, listen => listen.Protocols = protocols);
        });
        configureServices(builder.Services);

        var app = builder.Build();
        mapEndpoints(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var bound = endpoint;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        if (addresses is not null)
        {
            foreach (var address in addresses.Addresses)
            {
                if (Uri.TryCreate(address, UriKind.Absolute, out var uri))
                {
                    bound = new IPEndPoint(endpoint.Address, uri.Port);
                    break;
                }
            }
        }

        LogListening(loggerFactory.CreateLogger<EndpointServer>(), protocols == HttpProtocols.Http2 ? "h2c" : "http", bound);
        return new EndpointServer(app, bound);
    }

    /// <summary>Stops accepting requests and lets the ones in flight finish until the token fires.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Listening on {Scheme}://{Endpoint}")]
    private static partial void LogListening(ILogger logger, string scheme, IPEndPoint endpoint);

    /// <summary>
    /// The outer host's loggers, without the private host's lifetime messages, and with ASP.NET Core's, gRPC's and the MCP
    /// SDK's own categories at <see cref="LogLevel.Warning"/> and above: their information messages are per request ("Executing
    /// endpoint ...", four lines a request), which at collector rates cost more than the requests' work (a host without
    /// an appsettings.json logs Information by default).
    /// </summary>
    private sealed class InnerHostLoggerFactory(ILoggerFactory outer) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName)
        {
            if (categoryName is "Microsoft.Hosting.Lifetime" or "Microsoft.AspNetCore.Hosting.Diagnostics")
            {
                return Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
            }

            var logger = outer.CreateLogger(categoryName);
            return categoryName.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal)
                || categoryName.StartsWith("Grpc.AspNetCore.", StringComparison.Ordinal)
                || categoryName.StartsWith("ModelContextProtocol.", StringComparison.Ordinal)
                ? new WarningsOnlyLogger(logger)
                : logger;
        }

        public void AddProvider(ILoggerProvider provider) => outer.AddProvider(provider);

        // The outer host owns the factory.
        public void Dispose()
        {
        }
    }

    /// <summary>Passes on warnings, errors and critical messages only.</summary>
    private sealed class WarningsOnlyLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
