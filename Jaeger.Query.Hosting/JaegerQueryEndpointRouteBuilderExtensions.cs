using Jaeger.Query;
using Jaeger.Query.Api;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the Jaeger query API and web UI inside an ASP.NET Core application.</summary>
public static class JaegerQueryEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>/api/*</c>, <c>/api/v3/*</c> and the UI pages under <paramref name="basePath"/> (default: the options'
    /// <see cref="JaegerQueryOptions.BasePath"/>). Storage comes from the application's services. To serve only
    /// here, without the role's own listener, call <c>AddJaegerQuery(o =&gt; o.HttpListenAddress = "")</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapJaegerQuery(this IEndpointRouteBuilder endpoints, string? basePath = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var handler = endpoints.ServiceProvider.GetService<QueryHandler>()
            ?? ActivatorUtilities.CreateInstance<QueryHandler>(endpoints.ServiceProvider);
        var path = basePath ?? handler.Options.BasePath;
        if (!JaegerQueryOptions.IsValidBasePath(path))
        {
            throw new ArgumentException($"The base path '{path}' must be \"/\" or start with \"/\" and not end with \"/\".", nameof(basePath));
        }

        return QueryEndpoints.Map(endpoints, path, handler, endpoints.ServiceProvider.GetService<IOptions<JaegerQueryOptions>>()?.Value.EnableUi ?? true);
    }
}
