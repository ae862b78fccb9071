using System.Reflection;
using Jaeger.Query.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Jaeger.Query.Mcp;

/// <summary>
/// The MCP endpoint <c>{BasePath}/api/ai/mcp</c> (Jaeger's path) on the query role's own HTTP server: the MCP C# SDK's
/// Streamable HTTP transport, stateless (each request stands alone, so no session is kept between calls), serving
/// <see cref="JaegerMcpTools"/>.
/// </summary>
internal static class McpEndpoint
{
    /// <summary>The path under the base path.</summary>
    public const string Path = "/api/ai/mcp";

    /// <summary>Adds the MCP server to the HTTP server's own services.</summary>
    public static void AddServices(IServiceCollection services, QueryHandler handler)
    {
        services.AddSingleton(handler);
        services.AddMcpServer(o => o.ServerInfo = new Implementation
            {
                Name = "jaeger",
                Version = typeof(McpEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0",
            })
            .WithHttpTransport(o => o.Stateless = true)
            .WithTools<JaegerMcpTools>();
    }

    /// <summary>
    /// Maps the endpoint under <paramref name="basePath"/>, its requests counted on the <c>Jaeger.Query</c> meter as
    /// the API's are (endpoint <c>/api/ai/mcp</c>).
    /// </summary>
    public static void Map(IEndpointRouteBuilder routes, string basePath, QueryHandler handler) =>
        routes.MapMcp((basePath == "/" ? string.Empty : basePath) + Path)
            .Add(endpoint => endpoint.RequestDelegate = handler.Guard(Path, endpoint.RequestDelegate!));
}
