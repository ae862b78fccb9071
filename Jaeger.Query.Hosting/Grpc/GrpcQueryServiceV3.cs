using global::Grpc.Core;
using Jaeger.Hosting.Protos;
using Jaeger.Model;
using Jaeger.Query.Api;
using Jaeger.Storage;
using Otlp = Jaeger.Protos.Otlp.Trace.V1;
using Proto = Jaeger.Protos.ApiV3;

namespace Jaeger.Query.Grpc;

/// <summary>
/// Jaeger's api_v3 <c>QueryService</c> over the same storage and adjusters as the HTTP API: traces as OTLP
/// <c>TracesData</c> (one message per trace), summaries in chunks, bad input as INVALID_ARGUMENT.
/// </summary>
internal sealed class GrpcQueryServiceV3(QueryHandler handler) : Proto.QueryService.QueryServiceBase
{
    /// <summary>Summaries per streamed response.</summary>
    internal const int SummaryChunkSize = 100;

    public override async Task GetTrace(Proto.GetTraceRequest request, IServerStreamWriter<Otlp.TracesData> responseStream, ServerCallContext context)
    {
        if (!TraceId.TryParse(request.TraceId, out var id) || id.IsEmpty)
        {
            throw Invalid($"trace_id '{request.TraceId}' is not a non-zero hex trace id of 1 to 32 digits");
        }

        // The archive answers for a trace the primary store has dropped, as in the HTTP APIs and api_v2.
        var trace = await handler.GetTraceOrArchivedAsync(GrpcSearch.TraceGet(id, request.StartTime, request.EndTime), context.CancellationToken).ConfigureAwait(false);
        if (trace is null || trace.Spans.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound, "trace not found"));
        }

        await responseStream.WriteAsync(OtlpProtoMapper.ToTracesData(handler.Adjust(trace, request.RawTraces))).ConfigureAwait(false);
    }

    public override async Task FindTraces(Proto.FindTracesRequest request, IServerStreamWriter<Otlp.TracesData> responseStream, ServerCallContext context)
    {
        var query = ToQuery(request.Query);
        var traces = await handler.Reader.FindTracesAsync(query, context.CancellationToken).ConfigureAwait(false);
        foreach (var trace in traces)
        {
            await responseStream.WriteAsync(OtlpProtoMapper.ToTracesData(handler.Adjust(trace, request.Query.RawTraces))).ConfigureAwait(false);
        }
    }

    public override async Task FindTraceSummaries(Proto.FindTraceSummariesRequest request, IServerStreamWriter<Proto.FindTraceSummariesResponse> responseStream, ServerCallContext context)
    {
        var query = ToQuery(request.Query);
        var summaries = await handler.Reader.FindTraceSummariesAsync(query, context.CancellationToken).ConfigureAwait(false);
        var chunk = new Proto.FindTraceSummariesResponse();
        foreach (var summary in summaries)
        {
            chunk.Summaries.Add(ToProto(summary));
            if (chunk.Summaries.Count == SummaryChunkSize)
            {
                await responseStream.WriteAsync(chunk).ConfigureAwait(false);
                chunk = new Proto.FindTraceSummariesResponse();
            }
        }

        if (chunk.Summaries.Count > 0)
        {
            await responseStream.WriteAsync(chunk).ConfigureAwait(false);
        }
    }

    public override async Task<Proto.GetServicesResponse> GetServices(Proto.GetServicesRequest request, ServerCallContext context)
    {
        var response = new Proto.GetServicesResponse();
        response.Services.Add(await handler.Reader.GetServicesAsync(context.CancellationToken).ConfigureAwait(false));
        return response;
    }

    public override async Task<Proto.GetOperationsResponse> GetOperations(Proto.GetOperationsRequest request, ServerCallContext context)
    {
        if (request.Service.Length == 0)
        {
            throw Invalid("service is required");
        }

        var operations = await handler.Reader.GetOperationsAsync(
            new OperationQueryParameters(request.Service, request.SpanKind.Length == 0 ? null : request.SpanKind), context.CancellationToken).ConfigureAwait(false);
        var response = new Proto.GetOperationsResponse();
        foreach (var op in operations)
        {
            response.Operations.Add(new Proto.Operation { Name = op.Name, SpanKind = op.SpanKind });
        }

        return response;
    }

    public override async Task<Proto.DependenciesResponse> GetDependencies(Proto.GetDependenciesRequest request, ServerCallContext context)
    {
        var end = request.EndTime is { } e ? Time.FromUnixMicros(ApiV2Mapper.ToMicros(e)) : handler.Time.GetUtcNow();
        var start = request.StartTime is { } s ? Time.FromUnixMicros(ApiV2Mapper.ToMicros(s)) : end - handler.Options.DefaultDependenciesLookback;
        if (start > end)
        {
            throw Invalid("start_time must not be after end_time");
        }

        var response = new Proto.DependenciesResponse();
        if (handler.DependencyReader is { } reader)
        {
            foreach (var link in await reader.GetDependenciesAsync(end, end - start, context.CancellationToken).ConfigureAwait(false))
            {
                response.Dependencies.Add(new Proto.Dependency { Parent = link.Parent, Child = link.Child, CallCount = link.CallCount });
            }
        }

        return response;
    }

    /// <summary>The search, checked against the options and the storage's capabilities; INVALID_ARGUMENT when it cannot be run.</summary>
    private TraceQueryParameters ToQuery(Proto.TraceQueryParameters? q)
    {
        if (q is null)
        {
            throw Invalid("query is required");
        }

        if (!q.Filter.IsEmpty)
        {
            throw Invalid("query.filter (the structured Call filter) is not supported; send the filter text in query.filter_expression");
        }

        if (!FilterParameter.TryParse(q.FilterExpression, out var filter, out var filterError))
        {
            throw Invalid($"malformed query.filter_expression: {filterError}");
        }

        return GrpcSearch.ToQuery(handler, q.ServiceName, q.OperationName, q.Attributes, filter, q.StartTimeMin, q.StartTimeMax, q.DurationMin, q.DurationMax, q.SearchDepth);
    }

    private static Proto.TraceSummary ToProto(TraceSummary summary)
    {
        var result = new Proto.TraceSummary
        {
            TraceId = summary.TraceId.High.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + summary.TraceId.Low.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
            RootServiceName = summary.RootServiceName,
            RootOperationName = summary.RootOperationName,
            MinStartTimeUnixNano = Nanos(summary.StartTimeMicros),
            MaxEndTimeUnixNano = Nanos(summary.StartTimeMicros + summary.DurationMicros),
            SpanCount = summary.SpanCount,
            ErrorSpanCount = summary.ErrorSpanCount,
            OrphanSpanCount = summary.OrphanSpanCount,
        };
        foreach (var service in summary.Services)
        {
            result.Services.Add(new Proto.ServiceSummary { Name = service.Name, SpanCount = service.SpanCount, ErrorSpanCount = service.ErrorSpanCount });
        }

        return result;
    }

    private static ulong Nanos(long micros) => micros <= 0 ? 0 : (ulong)micros * 1000;

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
