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
        group.MapGet("/api/services", handler.Guard("/api/services", handler.GetServicesAsync));
        group.MapGet("/api/services/{service}/operations", handler.Guard("/api/services/{service}/operations", handler.GetServiceOperationsAsync));
        group.MapGet("/api/operations", handler.Guard("/api/operations", handler.GetOperationsAsync));
        group.MapGet("/api/traces", handler.Guard("/api/traces", handler.SearchTracesAsync));
        group.MapGet("/api/traces/{traceID}", handler.Guard("/api/traces/{traceID}", handler.GetTraceAsync));
        group.MapGet("/api/dependencies", handler.Guard("/api/dependencies", handler.GetDependenciesAsync));
        group.MapPost("/api/archive/{traceID}", handler.Guard("/api/archive/{traceID}", handler.ArchiveTraceAsync));
        group.MapPost("/api/transform", handler.Guard("/api/transform", handler.TransformAsync));
        group.MapGet("/api/ui/capabilities", handler.Guard("/api/ui/capabilities", handler.GetUiCapabilitiesAsync));

        var v3 = new ApiV3Handler(handler);
        group.MapGet("/api/v3/services", handler.Guard("/api/v3/services", v3.GetServicesAsync));
        group.MapGet("/api/v3/operations", handler.Guard("/api/v3/operations", v3.GetOperationsAsync));
        group.MapGet("/api/v3/traces/{traceID}", handler.Guard("/api/v3/traces/{traceID}", v3.GetTraceAsync));
        group.MapGet("/api/v3/traces", handler.Guard("/api/v3/traces", v3.FindTracesAsync));
        group.MapGet("/api/v3/trace-summaries", handler.Guard("/api/v3/trace-summaries", v3.FindTraceSummariesAsync));
        MetricsEndpoints.Map(group, handler);
        // As Jaeger without a metrics backend: the UI's Monitor tab reads 501 as "not set up".
        group.Map("/api/metrics/{**rest}", static context => QueryHandler.WriteErrorAsync(context, StatusCodes.Status501NotImplemented, "metrics querying is currently disabled"));
        group.Map("/api/{**rest}", static context => QueryHandler.WriteErrorAsync(context, StatusCodes.Status404NotFound, "404 page not found"));

        if (withUi && handler.Options.UiAssetsPath is { Length: > 0 })
        {
            OfficialUi.Map(group, basePath, handler);
        }
        else if (withUi)
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
