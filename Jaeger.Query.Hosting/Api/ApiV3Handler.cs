using System.Globalization;
using Jaeger.Model;
using Jaeger.Storage;
using Microsoft.AspNetCore.Http;

namespace Jaeger.Query.Api;

/// <summary>
/// Jaeger's api_v3 HTTP gateway: services, operations, traces as OTLP JSON (<c>{"result": TracesData}</c>) and the
/// trace summaries newer Jaeger UIs search with. Errors are <c>{"error":{"httpCode","message"}}</c>.
/// </summary>
internal sealed class ApiV3Handler(QueryHandler handler)
{
    public async Task GetServicesAsync(HttpContext context)
    {
        var services = await handler.Reader.GetServicesAsync(context.RequestAborted).ConfigureAwait(false);
        await QueryHandler.WriteAsync(context, 200, services, static (w, s) =>
        {
            w.WriteStartObject();
            w.WritePropertyName("services");
            UiJson.WriteStrings(w, s);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public async Task GetOperationsAsync(HttpContext context)
    {
        var q = context.Request.Query;
        var service = First(q, "service");
        if (service.Length == 0)
        {
            await WriteErrorAsync(context, 400, "service name is required").ConfigureAwait(false);
            return;
        }

        var kind = First(q, "span_kind", "spanKind");
        var operations = await handler.Reader.GetOperationsAsync(new OperationQueryParameters(service, kind.Length == 0 ? null : kind), context.RequestAborted).ConfigureAwait(false);
        await QueryHandler.WriteAsync(context, 200, operations, static (w, ops) =>
        {
            w.WriteStartObject();
            w.WriteStartArray("operations");
            foreach (var op in ops)
            {
                UiJson.WriteOperation(w, op.Name, op.SpanKind);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public async Task GetTraceAsync(HttpContext context)
    {
        var text = context.Request.RouteValues["traceID"] as string;
        if (!TraceId.TryParse(text, out var id) || id.IsEmpty)
        {
            await WriteErrorAsync(context, 400, $"malformed parameter trace_id: '{text}' is not a hex trace id").ConfigureAwait(false);
            return;
        }

        var trace = await handler.GetTraceOrArchivedAsync(new TraceGetParameters(id), context.RequestAborted).ConfigureAwait(false);
        if (trace is null || trace.Spans.Count == 0)
        {
            await WriteErrorAsync(context, 404, "trace not found").ConfigureAwait(false);
            return;
        }

        var raw = context.Request.Query["raw_traces"].ToString() == "true";
        var adjusted = handler.Adjust(trace, raw);
        await QueryHandler.WriteAsync(context, 200, adjusted, static (w, t) =>
        {
            w.WriteStartObject();
            w.WriteStartObject("result");
            OtlpJson.WriteResourceSpans(w, [t]);
            w.WriteEndObject();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public async Task FindTracesAsync(HttpContext context)
    {
        var traces = await FindAsync(context).ConfigureAwait(false);
        if (traces is null)
        {
            return;
        }

        await QueryHandler.WriteAsync(context, 200, traces, static (w, ts) =>
        {
            w.WriteStartObject();
            w.WriteStartObject("result");
            OtlpJson.WriteResourceSpans(w, ts);
            w.WriteEndObject();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public async Task FindTraceSummariesAsync(HttpContext context)
    {
        if (!TryParseQuery(context.Request.Query, handler.Options, handler.Time.GetUtcNow(), out var query, out var error))
        {
            await WriteErrorAsync(context, 400, error).ConfigureAwait(false);
            return;
        }

        // The storage summarizes without handing whole traces over where it can.
        handler.CheckSearch(query);
        var summaries = await handler.Reader.FindTraceSummariesAsync(query, context.RequestAborted).ConfigureAwait(false);
        await QueryHandler.WriteAsync(context, 200, summaries, static (w, ss) =>
        {
            w.WriteStartObject();
            w.WriteStartArray("summaries");
            foreach (var summary in ss)
            {
                OtlpJson.WriteSummary(w, summary);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task<List<Trace>?> FindAsync(HttpContext context)
    {
        if (!TryParseQuery(context.Request.Query, handler.Options, handler.Time.GetUtcNow(), out var query, out var error))
        {
            await WriteErrorAsync(context, 400, error).ConfigureAwait(false);
            return null;
        }

        handler.CheckSearch(query);
        var found = await handler.Reader.FindTracesAsync(query, context.RequestAborted).ConfigureAwait(false);
        var result = new List<Trace>(found.Count);
        foreach (var trace in found)
        {
            result.Add(handler.Adjust(trace, raw: false));
        }

        return result;
    }

    internal static bool TryParseQuery(IQueryCollection q, JaegerQueryOptions options, DateTimeOffset now, out TraceQueryParameters query, out string error)
    {
        query = new TraceQueryParameters();
        error = string.Empty;
        var service = First(q, "query.service_name", "query.serviceName");
        var operation = First(q, "query.operation_name", "query.operationName");
        if (!TryParseTime(q, out var min, "query.start_time_min", "query.startTimeMin", ref error) ||
            !TryParseTime(q, out var max, "query.start_time_max", "query.startTimeMax", ref error))
        {
            return false;
        }

        var end = max ?? now;
        var start = min ?? end - options.DefaultLookback;
        if (start > end)
        {
            error = "query.start_time_min must not be after query.start_time_max";
            return false;
        }

        TimeSpan? durationMin = null, durationMax = null;
        var minText = First(q, "query.duration_min", "query.durationMin");
        var maxText = First(q, "query.duration_max", "query.durationMax");
        if (minText.Length > 0)
        {
            if (!GoDuration.TryParse(minText, out var d, out var e) || d < TimeSpan.Zero)
            {
                error = $"malformed parameter query.duration_min: {e}";
                return false;
            }

            durationMin = d;
        }

        if (maxText.Length > 0)
        {
            if (!GoDuration.TryParse(maxText, out var d, out var e) || d < TimeSpan.Zero)
            {
                error = $"malformed parameter query.duration_max: {e}";
                return false;
            }

            durationMax = d;
        }

        if (durationMin > durationMax)
        {
            error = "query.duration_max must not be less than query.duration_min";
            return false;
        }

        var limit = options.DefaultLimit;
        var limitText = First(q, "query.num_traces", "query.searchDepth", "query.search_depth");
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit <= 0))
        {
            error = $"malformed parameter query.num_traces: '{limitText}' is not a positive integer";
            return false;
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var attributes = First(q, "query.attributes");
        if (!TraceSearchRequest.TryParseTagsJson(attributes, tags, out var tagsError))
        {
            error = $"malformed parameter query.attributes: {tagsError}";
            return false;
        }

        if (!FilterParameter.TryParse(First(q, "query.filter"), out var filter, out var filterError))
        {
            error = $"malformed parameter query.filter: {filterError}";
            return false;
        }

        query = new TraceQueryParameters
        {
            ServiceName = service.Length == 0 ? null : service,
            OperationName = operation.Length == 0 ? null : operation,
            Tags = tags,
            Filter = filter,
            StartTimeMin = start,
            StartTimeMax = end,
            DurationMin = durationMin,
            DurationMax = durationMax,
            Limit = Math.Min(limit, options.MaxLimit),
        };
        return true;
    }

    private static bool TryParseTime(IQueryCollection q, out DateTimeOffset? value, string name, string alias, ref string error)
    {
        value = null;
        var text = First(q, name, alias);
        if (text.Length == 0)
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            error = $"malformed parameter {name}: '{text}' is not an RFC 3339 time";
            return false;
        }

        value = parsed;
        return true;
    }

    private static string First(IQueryCollection q, params string[] names)
    {
        foreach (var name in names)
        {
            var value = q[name].ToString();
            if (value.Length > 0)
            {
                return value;
            }
        }

        return string.Empty;
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message) =>
        QueryHandler.WriteAsync(context, status, (status, message), static (w, e) =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteNumber("httpCode", e.status);
            w.WriteString("message", e.message);
            w.WriteEndObject();
            w.WriteEndObject();
        });
}
