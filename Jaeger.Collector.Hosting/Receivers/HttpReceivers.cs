using Jaeger.Collector.Pipeline;
using Jaeger.Hosting.Http;
using Jaeger.Hosting.Otlp;
using Jaeger.Model;
using Jaeger.Sampling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Jaeger.Collector.Receivers;

/// <summary>The HTTP routes of the receivers: Jaeger Thrift and sampling, OTLP/HTTP, Zipkin v2.</summary>
internal sealed class HttpReceivers(SpanPipeline pipeline, ISamplingStrategyProvider strategies, CollectorMetrics metrics, int maxRequestBytes)
{
    public void MapThrift(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/traces", HandleThriftAsync);
        routes.MapGet("/api/sampling", HandleSamplingAsync);
        routes.MapGet("/api/baggageRestrictions", static () => Results.Text("baggage restrictions not implemented", statusCode: StatusCodes.Status500InternalServerError));
    }

    public void MapOtlp(IEndpointRouteBuilder routes) => routes.MapPost("/v1/traces", HandleOtlpAsync);

    public void MapZipkin(IEndpointRouteBuilder routes) => routes.MapPost("/api/v2/spans", HandleZipkinAsync);

    private async Task HandleThriftAsync(HttpContext context)
    {
        var mediaType = RequestBody.MediaType(context.Request);
        if (mediaType is not ("application/x-thrift" or "application/vnd.apache.thrift.binary"))
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, $"Unsupported content type: {mediaType}", SpanFormats.Jaeger).ConfigureAwait(false);
            return;
        }

        var (body, status, error) = await RequestBody.ReadAsync(context.Request, maxRequestBytes).ConfigureAwait(false);
        if (error is not null)
        {
            await RejectAsync(context, status, error, SpanFormats.Jaeger).ConfigureAwait(false);
            return;
        }

        Batch batch;
        using (body)
        {
            if (!ThriftBatchReader.TryRead(body.Span, out batch, out error))
            {
                await RejectAsync(context, StatusCodes.Status400BadRequest, "Unable to process request body: " + error, SpanFormats.Jaeger).ConfigureAwait(false);
                return;
            }
        }

        await SubmitAsync(context, [batch], SpanFormats.Jaeger, StatusCodes.Status202Accepted, null).ConfigureAwait(false);
    }

    private async Task HandleSamplingAsync(HttpContext context)
    {
        var services = context.Request.Query["service"];
        if (services.Count != 1 || string.IsNullOrEmpty(services[0]))
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, "'service' parameter must be provided once").ConfigureAwait(false);
            return;
        }

        var strategy = await strategies.GetSamplingStrategyAsync(services[0]!, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        SamplingStrategyJson.Write(context.Response.BodyWriter, strategy);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private async Task HandleOtlpAsync(HttpContext context)
    {
        var mediaType = RequestBody.MediaType(context.Request);
        var json = mediaType == "application/json";
        if (!json && mediaType != "application/x-protobuf")
        {
            await RejectAsync(context, StatusCodes.Status415UnsupportedMediaType, $"Unsupported content type: {mediaType}; use application/x-protobuf or application/json", SpanFormats.Otlp).ConfigureAwait(false);
            return;
        }

        var (body, status, error) = await RequestBody.ReadAsync(context.Request, maxRequestBytes).ConfigureAwait(false);
        if (error is not null)
        {
            await RejectAsync(context, status, error, SpanFormats.Otlp).ConfigureAwait(false);
            return;
        }

        var spans = ReceivedSpans.ListFor(body.Length);
        using (body)
        {
            if (json)
            {
                if (!OtlpJsonReader.TryParse(body.Span, out var request, out error) || !OtlpConverter.TryConvert(request, spans, out error))
                {
                    await RejectAsync(context, StatusCodes.Status400BadRequest, error, SpanFormats.Otlp).ConfigureAwait(false);
                    return;
                }
            }
            else if (!OtlpProtobufReader.TryRead(body.Span, spans, out var decodeError))
            {
                await RejectAsync(context, StatusCodes.Status400BadRequest, OtlpProtobufReader.Describe(decodeError), SpanFormats.Otlp).ConfigureAwait(false);
                return;
            }
        }

        await SubmitAsync(context, ReceivedSpans.ToBatches(spans), SpanFormats.Otlp, StatusCodes.Status200OK, json).ConfigureAwait(false);
    }

    private async Task HandleZipkinAsync(HttpContext context)
    {
        var mediaType = RequestBody.MediaType(context.Request);
        if (mediaType is not ("application/json" or ""))
        {
            await RejectAsync(context, StatusCodes.Status415UnsupportedMediaType, $"Unsupported content type: {mediaType}; use application/json (Zipkin v2 JSON)", SpanFormats.Zipkin).ConfigureAwait(false);
            return;
        }

        var (body, status, error) = await RequestBody.ReadAsync(context.Request, maxRequestBytes).ConfigureAwait(false);
        if (error is not null)
        {
            await RejectAsync(context, status, error, SpanFormats.Zipkin).ConfigureAwait(false);
            return;
        }

        var spans = new List<Span>();
        using (body)
        {
            if (!ZipkinJsonConverter.TryConvert(body.Span, spans, out error))
            {
                await RejectAsync(context, StatusCodes.Status400BadRequest, error, SpanFormats.Zipkin).ConfigureAwait(false);
                return;
            }
        }

        await SubmitAsync(context, ReceivedSpans.ToBatches(spans), SpanFormats.Zipkin, StatusCodes.Status202Accepted, null).ConfigureAwait(false);
    }

    private async Task SubmitAsync(HttpContext context, IReadOnlyList<Batch> batches, string format, int okStatus, bool? otlpJson)
    {
        var outcome = pipeline.Submit(batches, format, SpanFormats.Http);
        switch (outcome.Status)
        {
            case SubmitStatus.PushedBack:
                context.Response.Headers.RetryAfter = "1";
                await WriteTextAsync(context, StatusCodes.Status429TooManyRequests, "The collector queue is full; retry later").ConfigureAwait(false);
                return;
            case SubmitStatus.Stopping:
                await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "The collector is stopping").ConfigureAwait(false);
                return;
        }

        if (!await StoredAsync(outcome, context.RequestAborted).ConfigureAwait(false))
        {
            context.Response.Headers.RetryAfter = "1";
            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "Storage did not take every span of the request; send it again").ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = okStatus;
        if (otlpJson is { } asJson)
        {
            // An empty ExportTraceServiceResponse: full success.
            context.Response.ContentType = asJson ? "application/json" : "application/x-protobuf";
            if (asJson)
            {
                await context.Response.WriteAsync("{}", context.RequestAborted).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits for the write under at-least-once ingest (at once otherwise); false when some span was not stored.</summary>
    internal static async ValueTask<bool> StoredAsync(SubmitOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            await outcome.Stored.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private Task RejectAsync(HttpContext context, int status, string message, string format)
    {
        metrics.RequestRejected(format, SpanFormats.Http);
        return WriteTextAsync(context, status, message);
    }

    private static Task WriteTextAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
