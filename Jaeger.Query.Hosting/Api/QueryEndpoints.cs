using Jaeger.Query.Ui;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Jaeger.Query.Api;

/// <summary>Maps the API and UI routes under a base path; one mapping for the role's own server and for <c>MapJaegerQuery()</c>.</summary>
internal static class QueryEndpoints
{
    public static IEndpointConventionBuilder Map(IEndpointRouteBuilder routes, string basePath, QueryHandler handler, bool withUi)
    {
        var group = routes.MapGroup(basePath == "/" ? string.Empty : basePath);
        group.MapGet("/api/services", handler.Guard(handler.GetServicesAsync));
        group.MapGet("/api/services/{service}/operations", handler.Guard(handler.GetServiceOperationsAsync));
        group.MapGet("/api/operations", handler.Guard(handler.GetOperationsAsync));
        group.MapGet("/api/traces", handler.Guard(handler.SearchTracesAsync));
        group.MapGet("/api/traces/{traceID}", handler.Guard(handler.GetTraceAsync));
        group.MapGet("/api/dependencies", handler.Guard(handler.GetDependenciesAsync));

        var v3 = new ApiV3Handler(handler);
        group.MapGet("/api/v3/services", handler.Guard(v3.GetServicesAsync));
        group.MapGet("/api/v3/operations", handler.Guard(v3.GetOperationsAsync));
        group.MapGet("/api/v3/traces/{traceID}", handler.Guard(v3.GetTraceAsync));
        group.MapGet("/api/v3/traces", handler.Guard(v3.FindTracesAsync));
        group.MapGet("/api/v3/trace-summaries", handler.Guard(v3.FindTraceSummariesAsync));
        group.Map("/api/{**rest}", static context => QueryHandler.WriteErrorAsync(context, StatusCodes.Status404NotFound, "404 page not found"));

        if (withUi)
        {
            var ui = new UiFiles(basePath);
            group.MapGet("/static/{**file}", ui.ServeStaticAsync);
            foreach (var page in UiFiles.Pages)
            {
                group.MapGet(page, ui.ServeIndexAsync);
            }
        }

        return group;
    }
}
