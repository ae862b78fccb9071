using Jaeger.Hosting.Http;
using Jaeger.Hosting.Otlp;
using Jaeger.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Jaeger.Query.Api;

/// <summary><c>POST /api/transform</c>: OTLP JSON in, the UI's trace JSON out, stored nowhere (the UI's "open a file").</summary>
internal sealed partial class QueryHandler
{
    /// <summary>
    /// Decodes an OTLP/JSON <c>ExportTraceServiceRequest</c> (as the collector's OTLP/HTTP receiver does, with the same
    /// code) and answers its spans grouped into traces, in Jaeger's envelope and not adjusted, as Jaeger's transform
    /// endpoint does. A body that is not OTLP JSON is a 400 whose message points at the error; a body above
    /// <see cref="JaegerQueryOptions.MaxTransformBodyBytes"/> is a 413.
    /// </summary>
    public async Task TransformAsync(HttpContext context)
    {
        var limit = _options.MaxTransformBodyBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            // The server's own cap is small (the rest of the API takes no body); this endpoint takes whole files.
            size.MaxRequestBodySize = limit;
        }

        var (body, status, error) = await RequestBody.ReadAsync(context.Request, limit).ConfigureAwait(false);
        if (error is not null)
        {
            await WriteErrorAsync(context, status, error).ConfigureAwait(false);
            return;
        }

        var spans = new List<Span>();
        using (body)
        {
            if (body.Length == 0)
            {
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "cannot transform OTLP JSON: the request body is empty").ConfigureAwait(false);
                return;
            }

            if (!OtlpJsonReader.TryParse(body.Span, out var request, out error) || !OtlpConverter.TryConvert(request, spans, out error))
            {
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "cannot transform OTLP JSON: " + error).ConfigureAwait(false);
                return;
            }
        }

        await WriteTracesAsync(context, GroupByTrace(spans), null, raw: true, IsPretty(context)).ConfigureAwait(false);
    }

    /// <summary>Spans grouped into traces, in the order each trace id first appears.</summary>
    internal static List<Trace> GroupByTrace(List<Span> spans)
    {
        var traces = new List<Trace>();
        var byId = new Dictionary<TraceId, Trace>();
        foreach (var span in spans)
        {
            if (!byId.TryGetValue(span.TraceId, out var trace))
            {
                trace = new Trace();
                byId.Add(span.TraceId, trace);
                traces.Add(trace);
            }

            trace.Spans.Add(span);
        }

        return traces;
    }
}
