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
    /// has a span of it: every get-trace, HTTP and gRPC, reads through here.
    /// </summary>
    internal async ValueTask<Trace?> GetTraceOrArchivedAsync(TraceGetParameters query, CancellationToken cancellationToken)
    {
        var trace = await Reader.GetTraceAsync(query, cancellationToken).ConfigureAwait(false);
        if (trace is { Spans.Count: > 0 })
        {
            return trace;
        }

        if (Archive is { } archive)
        {
            trace = await archive.Reader.GetTraceAsync(query, cancellationToken).ConfigureAwait(false);
            if (trace is { Spans.Count: > 0 })
            {
                return trace;
            }
        }

        return null;
    }

    /// <summary>
    /// Copies a trace from the primary store into the archive: the one archive operation behind <c>POST /api/archive/{id}</c>
    /// and gRPC <c>ArchiveTrace</c>. A trace that only the archive still holds is already archived, and is not written twice.
    /// </summary>
    internal async ValueTask<ArchiveOutcome> ArchiveTraceAsync(TraceGetParameters query, CancellationToken cancellationToken)
    {
        if (Archive is not { } archive)
        {
            return ArchiveOutcome.NoArchiveStorage;
        }

        var trace = await Reader.GetTraceAsync(query, cancellationToken).ConfigureAwait(false);
        if (trace is { Spans.Count: > 0 })
        {
            await archive.ArchiveAsync(trace, cancellationToken).ConfigureAwait(false);
            return ArchiveOutcome.Archived;
        }

        var archived = await archive.Reader.GetTraceAsync(query, cancellationToken).ConfigureAwait(false);
        return archived is { Spans.Count: > 0 } ? ArchiveOutcome.AlreadyArchived : ArchiveOutcome.NotFound;
    }

    /// <summary>
    /// <c>POST /api/archive/{traceID}</c>: answers Jaeger's <c>{"data":[],...,"errors":[]}</c>; 404 when no store has the
    /// trace; 500 with Jaeger's message when no archive is configured.
    /// </summary>
    public async Task ArchiveTraceAsync(HttpContext context)
    {
        var text = context.Request.RouteValues["traceID"] as string;
        if (!TraceId.TryParse(text, out var id) || id.IsEmpty)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"unable to parse param 'traceID': '{text}' is not a non-zero hex trace id of 1 to 32 digits").ConfigureAwait(false);
            return;
        }

        switch (await ArchiveTraceAsync(new TraceGetParameters(id), context.RequestAborted).ConfigureAwait(false))
        {
            case ArchiveOutcome.NoArchiveStorage:
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, ArchiveNotConfigured).ConfigureAwait(false);
                return;
            case ArchiveOutcome.NotFound:
                await WriteErrorAsync(context, StatusCodes.Status404NotFound, "trace not found").ConfigureAwait(false);
                return;
            default:
                await WriteAsync(context, StatusCodes.Status200OK, 0, static (w, _) => WriteEmptyArchiveResponse(w)).ConfigureAwait(false);
                return;
        }
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

/// <summary>What <see cref="QueryHandler.ArchiveTraceAsync(TraceGetParameters, CancellationToken)"/> did.</summary>
internal enum ArchiveOutcome
{
    /// <summary>The primary store's trace was written into the archive.</summary>
    Archived,

    /// <summary>Only the archive holds the trace: nothing to write.</summary>
    AlreadyArchived,

    /// <summary>Neither store has a span of the trace.</summary>
    NotFound,

    /// <summary>No archive storage is configured.</summary>
    NoArchiveStorage,
}
