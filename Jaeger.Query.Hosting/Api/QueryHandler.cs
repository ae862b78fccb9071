using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Text.Json;
using Jaeger.Model;
using Jaeger.Query.Adjusters;
using Jaeger.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Jaeger.Query.Api;

/// <summary>The handlers of the query HTTP API, shared by the role's own server and by <c>MapJaegerQuery()</c>.</summary>
internal sealed partial class QueryHandler
{
    private const int FlushThreshold = 64 * 1024;

    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly JaegerQueryOptions _options;
    private readonly TraceAdjuster _adjuster;

    private readonly ILogger _logger;

    private readonly QueryMetrics _metrics;

    public QueryHandler(IServiceProvider services, IOptions<JaegerQueryOptions> options, TimeProvider? time = null, ILogger<QueryHandler>? logger = null, IMeterFactory? meterFactory = null)
    {
        _metrics = new QueryMetrics(meterFactory);
        _services = services;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _options = options.Value;
        _adjuster = new TraceAdjuster(_options.AdjustClockSkew, _options.MaxClockSkewAdjustment);
    }

    public JaegerQueryOptions Options => _options;

    internal TimeProvider Time => _time;

    internal ISpanReader Reader => _services.GetService<ISpanReader>()
        ?? throw new InvalidOperationException("No ISpanReader is registered: add a storage, for example services.AddJaegerInMemoryStorage().");

    internal IDependencyReader? DependencyReader => _services.GetService<IDependencyReader>();

    internal Trace Adjust(Trace trace, bool raw) => raw ? trace : _adjuster.Adjust(trace);

    /// <summary>Storage failures become a logged HTTP 500 in Jaeger's envelope, not a dropped connection.</summary>
    public RequestDelegate Guard(string endpoint, RequestDelegate inner) => async context =>
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await inner(context).ConfigureAwait(false);
            _metrics.Record(endpoint, context.Response.StatusCode, started);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (UnsupportedSearchException e)
        {
            // The storage cannot answer this search correctly: refuse it rather than answer wrongly.
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false);
            }

            _metrics.Record(endpoint, StatusCodes.Status400BadRequest, started);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogRequestFailed(_logger, context.Request.Path, e);
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, e.Message).ConfigureAwait(false);
            }

            _metrics.Record(endpoint, StatusCodes.Status500InternalServerError, started);
        }
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Jaeger query request {Path} failed")]
    private static partial void LogRequestFailed(ILogger logger, PathString path, Exception exception);

    public async Task GetServicesAsync(HttpContext context)
    {
        var services = await Reader.GetServicesAsync(context.RequestAborted).ConfigureAwait(false);
        await WriteAsync(context, StatusCodes.Status200OK, services, static (w, s) =>
        {
            UiJson.StartEnvelope(w);
            UiJson.WriteDataPropertyName(w);
            UiJson.WriteStrings(w, s);
            UiJson.EndEnvelope(w, s.Count, null);
        }).ConfigureAwait(false);
    }

    public async Task GetServiceOperationsAsync(HttpContext context)
    {
        var service = context.Request.RouteValues["service"] as string ?? string.Empty;
        var operations = await Reader.GetOperationsAsync(new OperationQueryParameters(Uri.UnescapeDataString(service)), context.RequestAborted).ConfigureAwait(false);
        var names = new List<string>(operations.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            if (seen.Add(operation.Name))
            {
                names.Add(operation.Name);
            }
        }

        await WriteAsync(context, StatusCodes.Status200OK, names, static (w, n) =>
        {
            UiJson.StartEnvelope(w);
            UiJson.WriteDataPropertyName(w);
            UiJson.WriteStrings(w, n);
            UiJson.EndEnvelope(w, n.Count, null);
        }).ConfigureAwait(false);
    }

    public async Task GetOperationsAsync(HttpContext context)
    {
        var service = context.Request.Query["service"].ToString();
        if (service.Length == 0)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "parameter 'service' is required").ConfigureAwait(false);
            return;
        }

        var kind = context.Request.Query["spanKind"].ToString();
        var operations = await Reader.GetOperationsAsync(new OperationQueryParameters(service, kind.Length == 0 ? null : kind), context.RequestAborted).ConfigureAwait(false);
        await WriteAsync(context, StatusCodes.Status200OK, operations, static (w, ops) =>
        {
            UiJson.StartEnvelope(w);
            UiJson.WriteDataPropertyName(w);
            w.WriteStartArray();
            foreach (var op in ops)
            {
                UiJson.WriteOperation(w, op.Name, op.SpanKind);
            }

            w.WriteEndArray();
            UiJson.EndEnvelope(w, ops.Count, null);
        }).ConfigureAwait(false);
    }

    /// <summary>Throws <see cref="UnsupportedSearchException"/> when the storage does not declare what the search needs.</summary>
    internal void CheckSearch(TraceQueryParameters query) => SearchCapabilityCheck.ThrowIfUnsupported(query, Reader.Capabilities);

    public async Task SearchTracesAsync(HttpContext context)
    {
        if (!TryGetFlags(context, out var raw, out var pretty, out var flagError))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, flagError).ConfigureAwait(false);
            return;
        }

        var serviceRequired = (Reader.Capabilities & SearchCapabilities.SearchWithoutServiceName) == 0;
        if (!TraceSearchRequest.TryParse(context.Request.Query, _options, _time.GetUtcNow(), serviceRequired, out var request, out var error))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, error).ConfigureAwait(false);
            return;
        }

        var traces = new List<Trace>();
        List<ApiError>? errors = null;
        if (request.TraceIds.Count > 0)
        {
            foreach (var id in request.TraceIds)
            {
                var trace = await GetTraceOrArchivedAsync(new TraceGetParameters(id), context.RequestAborted).ConfigureAwait(false);
                if (trace is null || trace.Spans.Count == 0)
                {
                    (errors ??= []).Add(new ApiError(StatusCodes.Status404NotFound, "trace not found", id));
                }
                else
                {
                    traces.Add(trace);
                }
            }
        }
        else
        {
            CheckSearch(request.Query!);
            var found = await Reader.FindTracesAsync(request.Query!, context.RequestAborted).ConfigureAwait(false);
            traces.AddRange(found);
        }

        await WriteTracesAsync(context, traces, errors, raw, pretty).ConfigureAwait(false);
    }

    public async Task GetTraceAsync(HttpContext context)
    {
        if (!TryGetFlags(context, out var raw, out var pretty, out var flagError))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, flagError).ConfigureAwait(false);
            return;
        }

        var text = context.Request.RouteValues["traceID"] as string;
        if (!TraceId.TryParse(text, out var id) || id.IsEmpty)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"unable to parse param 'traceID': '{text}' is not a non-zero hex trace id of 1 to 32 digits").ConfigureAwait(false);
            return;
        }

        var trace = await GetTraceOrArchivedAsync(new TraceGetParameters(id), context.RequestAborted).ConfigureAwait(false);
        if (trace is null || trace.Spans.Count == 0)
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, "trace not found").ConfigureAwait(false);
            return;
        }

        await WriteTracesAsync(context, [trace], null, raw, pretty).ConfigureAwait(false);
    }

    public async Task GetDependenciesAsync(HttpContext context)
    {
        var q = context.Request.Query;
        if (!TraceSearchRequest.TryParseMillis(q, "endTs", out var endTs, out var error) ||
            !TraceSearchRequest.TryParseMillis(q, "lookback", out var lookbackMs, out error))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, error).ConfigureAwait(false);
            return;
        }

        if (lookbackMs is <= 0)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "unable to parse param 'lookback': must be positive").ConfigureAwait(false);
            return;
        }

        var end = endTs is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(e, -62135596800000, 253402300799999)) : _time.GetUtcNow();
        var lookback = lookbackMs is { } l ? TimeSpan.FromMilliseconds(Math.Min(l, (long)TimeSpan.MaxValue.TotalMilliseconds / 2)) : _options.DefaultDependenciesLookback;
        var links = await GetSummedDependenciesAsync(end, lookback, q["service"].ToString(), context.RequestAborted).ConfigureAwait(false);
        await WriteAsync(context, StatusCodes.Status200OK, links, static (w, links) =>
        {
            UiJson.StartEnvelope(w);
            UiJson.WriteDataPropertyName(w);
            w.WriteStartArray();
            foreach (var link in links)
            {
                UiJson.WriteDependency(w, link.Parent, link.Child, link.CallCount);
            }

            w.WriteEndArray();
            UiJson.EndEnvelope(w, 0, null);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// The dependency links of the window, one per parent and child pair with their call counts summed (as Jaeger
    /// answers), in the order the pairs first appear; only the links touching <paramref name="service"/> when it is not
    /// empty. Empty when no dependency reader is registered.
    /// </summary>
    internal async ValueTask<List<DependencyLink>> GetSummedDependenciesAsync(DateTimeOffset end, TimeSpan lookback, string service, CancellationToken cancellationToken)
    {
        var links = DependencyReader is { } reader
            ? await reader.GetDependenciesAsync(end, lookback, cancellationToken).ConfigureAwait(false)
            : [];
        var index = new Dictionary<(string, string), int>();
        var summed = new List<DependencyLink>();
        foreach (var link in links)
        {
            if (service.Length > 0 && link.Parent != service && link.Child != service)
            {
                continue;
            }

            var key = (link.Parent, link.Child);
            if (index.TryGetValue(key, out var at))
            {
                summed[at] = summed[at] with { CallCount = summed[at].CallCount + link.CallCount };
            }
            else
            {
                index[key] = summed.Count;
                summed.Add(new DependencyLink(link.Parent, link.Child, link.CallCount));
            }
        }

        return summed;
    }

    private static bool TryGetFlags(HttpContext context, out bool raw, out bool pretty, out string error)
    {
        error = string.Empty;
        raw = false;
        var rawText = context.Request.Query["raw"].ToString();
        if (rawText.Length > 0 && !TraceSearchRequest.TryParseBool(rawText, out raw))
        {
            error = $"unable to parse param 'raw': strconv.ParseBool: parsing \"{rawText}\": invalid syntax";
            pretty = false;
            return false;
        }

        pretty = IsPretty(context);
        return true;
    }

    private static bool IsPretty(HttpContext context)
    {
        var text = context.Request.Query["prettyPrint"].ToString();
        return text.Length > 0 && text != "false";
    }

    private async Task WriteTracesAsync(HttpContext context, List<Trace> traces, List<ApiError>? errors, bool raw, bool pretty)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        var pipe = response.BodyWriter;
        using var w = new Utf8JsonWriter(pipe, new JsonWriterOptions { Indented = pretty, SkipValidation = !pretty });
        UiJson.StartEnvelope(w);
        UiJson.WriteDataPropertyName(w);
        w.WriteStartArray();
        foreach (var trace in traces)
        {
            UiJson.WriteTrace(w, Adjust(trace, raw));
            if (w.BytesPending >= FlushThreshold)
            {
                await FlushAsync(w, pipe, context.RequestAborted).ConfigureAwait(false);
            }
        }

        w.WriteEndArray();
        UiJson.EndEnvelope(w, 0, errors);
        await FlushAsync(w, pipe, context.RequestAborted).ConfigureAwait(false);
    }

    private static async ValueTask FlushAsync(Utf8JsonWriter w, PipeWriter pipe, CancellationToken cancellationToken)
    {
        w.Flush();
        await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static Task WriteErrorAsync(HttpContext context, int status, string message) =>
        WriteAsync(context, status, (status, message), static (w, e) => UiJson.WriteErrorEnvelope(w, e.status, e.message));

    internal static async Task WriteAsync<TState>(HttpContext context, int status, TState state, Action<Utf8JsonWriter, TState> write)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        var pipe = response.BodyWriter;
        using (var w = new Utf8JsonWriter(pipe, new JsonWriterOptions { Indented = IsPretty(context) }))
        {
            write(w, state);
            w.Flush();
        }

        await pipe.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
