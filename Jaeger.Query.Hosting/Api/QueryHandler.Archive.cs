using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Jaeger.Query.Api;

/// <summary>Archive storage: <c>POST /api/archive/{traceID}</c>, and the archive as the fallback of every get-trace.</summary>
internal sealed partial class QueryHandler
{
    /// <summary>Jaeger's message when no archive is configured (answered with HTTP 500, as Jaeger does).</summary>
    internal const string ArchiveNotConfigured = "archive span storage was not configured";

    /// <summary>The archive store; null when none is configured.</summary>
    internal ArchiveSpanStorage? Archive => _services.GetService<ArchiveSpanStorage>();

    /// <summary>The RED metrics reader; null when none is registered.</summary>
    internal IMetricsReader? MetricsReader => _services.GetService<IMetricsReader>();

    /// <summary>
    /// <c>GET /api/ui/capabilities</c>: what the built-in UI may offer, the object the official UI gets in its index.html as
    /// <c>JAEGER_BACKEND_CAPABILITIES</c> (<c>archiveStorage</c>, <c>metricsStorage</c>, <c>searchWithoutServiceName</c>),
    /// plus <c>filter</c>: the backend applies the structured filter, so the UI offers its box.
    /// </summary>
    public Task GetUiCapabilitiesAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status200OK, Ui.BackendCapabilities.Of(this), static (w, c) => c.Write(w, builtInUi: true));

    /// <summary>
    /// The trace from the primary store, else from the archive (as Jaeger's query service does), or null when neither
    /// has a span of it.
    /// </summary>
    internal async ValueTask<Trace?> GetTraceOrArchivedAsync(TraceId id, CancellationToken cancellationToken)
    {
        var trace = await Reader.GetTraceAsync(id, cancellationToken).ConfigureAwait(false);
        if (trace is { Spans.Count: > 0 })
        {
            return trace;
        }

        if (Archive is { } archive)
        {
            trace = await archive.Reader.GetTraceAsync(id, cancellationToken).ConfigureAwait(false);
            if (trace is { Spans.Count: > 0 })
            {
                return trace;
            }
        }

        return null;
    }

    /// <summary>
    /// Copies a trace from the primary store into the archive. Answers Jaeger's <c>{"data":[],...,"errors":[]}</c>; 404 when
    /// no store has the trace; 500 with Jaeger's message when no archive is configured. A trace that only the archive
    /// still holds is already archived, and is not written twice.
    /// </summary>
    public async Task ArchiveTraceAsync(HttpContext context)
    {
        var text = context.Request.RouteValues["traceID"] as string;
        if (!TraceId.TryParse(text, out var id) || id.IsEmpty)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"unable to parse param 'traceID': '{text}' is not a non-zero hex trace id of 1 to 32 digits").ConfigureAwait(false);
            return;
        }

        if (Archive is not { } archive)
        {
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, ArchiveNotConfigured).ConfigureAwait(false);
            return;
        }

        var trace = await Reader.GetTraceAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (trace is { Spans.Count: > 0 })
        {
            await archive.ArchiveAsync(trace, context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            var archived = await archive.Reader.GetTraceAsync(id, context.RequestAborted).ConfigureAwait(false);
            if (archived is not { Spans.Count: > 0 })
            {
                await WriteErrorAsync(context, StatusCodes.Status404NotFound, "trace not found").ConfigureAwait(false);
                return;
            }
        }

        await WriteAsync(context, StatusCodes.Status200OK, 0, static (w, _) => WriteEmptyArchiveResponse(w)).ConfigureAwait(false);
    }

    // Jaeger answers an archive with empty arrays for both data and errors.
    private static void WriteEmptyArchiveResponse(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartArray("data");
        w.WriteEndArray();
        w.WriteNumber("total", 0);
        w.WriteNumber("limit", 0);
        w.WriteNumber("offset", 0);
        w.WriteStartArray("errors");
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
