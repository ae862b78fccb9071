using global::Grpc.Core;
using Jaeger.Hosting.Protos;
using Jaeger.Model;
using Jaeger.Query.Api;
using Jaeger.Storage;
using Proto = Jaeger.Protos.ApiV2;

namespace Jaeger.Query.Grpc;

/// <summary>Jaeger's api_v2 <c>QueryService</c> over the same storage and adjusters as the HTTP API.</summary>
internal sealed class GrpcQueryService(QueryHandler handler) : Proto.QueryService.QueryServiceBase
{
    /// <summary>Jaeger streams spans in chunks of this many.</summary>
    internal const int ChunkSize = 10;

    // Jaeger's message for a trace neither the primary store nor the archive has.
    private const string TraceNotFound = "trace not found";

    /// <summary>The trace from the primary store, else from the archive, as the HTTP API and Jaeger's query service answer it.</summary>
    public override async Task GetTrace(Proto.GetTraceRequest request, IServerStreamWriter<Proto.SpansResponseChunk> responseStream, ServerCallContext context)
    {
        var query = GrpcSearch.TraceGet(ReadTraceId(request.TraceId), request.StartTime, request.EndTime);
        var trace = await handler.GetTraceOrArchivedAsync(query, context.CancellationToken).ConfigureAwait(false);
        if (trace is null || trace.Spans.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound, TraceNotFound));
        }

        await SendChunksAsync([handler.Adjust(trace, raw: false)], responseStream).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies a trace into the archive storage, as <c>POST /api/archive/{id}</c> does. Fails as Jaeger's does: NOT_FOUND when
    /// no store has the trace, INTERNAL with Jaeger's message when no archive storage is configured.
    /// </summary>
    public override async Task<Proto.ArchiveTraceResponse> ArchiveTrace(Proto.ArchiveTraceRequest request, ServerCallContext context)
    {
        var query = GrpcSearch.TraceGet(ReadTraceId(request.TraceId), request.StartTime, request.EndTime);
        return await handler.ArchiveTraceAsync(query, context.CancellationToken).ConfigureAwait(false) switch
        {
            ArchiveOutcome.NoArchiveStorage => throw new RpcException(new Status(StatusCode.Internal, "failed to archive trace: " + QueryHandler.ArchiveNotConfigured)),
            ArchiveOutcome.NotFound => throw new RpcException(new Status(StatusCode.NotFound, TraceNotFound)),
            _ => new Proto.ArchiveTraceResponse(),
        };
    }

    private static TraceId ReadTraceId(Google.Protobuf.ByteString bytes) =>
        TraceId.TryReadBytes(bytes.Span, out var id) && !id.IsEmpty
            ? id
            : throw new RpcException(new Status(StatusCode.InvalidArgument, "trace_id must be 16 (or 8) bytes and not zero"));

    public override async Task FindTraces(Proto.FindTracesRequest request, IServerStreamWriter<Proto.SpansResponseChunk> responseStream, ServerCallContext context)
    {
        var q = request.Query ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "missing query"));
        var query = GrpcSearch.ToQuery(handler, q.ServiceName, q.OperationName, q.Tags, null, q.StartTimeMin, q.StartTimeMax, q.DurationMin, q.DurationMax, q.SearchDepth);

        var traces = await handler.Reader.FindTracesAsync(query, context.CancellationToken).ConfigureAwait(false);
        var adjusted = new List<Trace>(traces.Count);
        foreach (var trace in traces)
        {
            adjusted.Add(handler.Adjust(trace, raw: false));
        }

        await SendChunksAsync(adjusted, responseStream).ConfigureAwait(false);
    }

    public override async Task<Proto.GetServicesResponse> GetServices(Proto.GetServicesRequest request, ServerCallContext context)
    {
        var services = await handler.Reader.GetServicesAsync(context.CancellationToken).ConfigureAwait(false);
        var response = new Proto.GetServicesResponse();
        response.Services.Add(services);
        return response;
    }

    public override async Task<Proto.GetOperationsResponse> GetOperations(Proto.GetOperationsRequest request, ServerCallContext context)
    {
        if (request.Service.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "service is required"));
        }

        var operations = await handler.Reader.GetOperationsAsync(
            new OperationQueryParameters(request.Service, request.SpanKind.Length == 0 ? null : request.SpanKind), context.CancellationToken).ConfigureAwait(false);
        var response = new Proto.GetOperationsResponse();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in operations)
        {
            response.Operations.Add(new Proto.Operation { Name = op.Name, SpanKind = op.SpanKind });
            if (names.Add(op.Name))
            {
                response.OperationNames.Add(op.Name);
            }
        }

        return response;
    }

    public override async Task<Proto.GetDependenciesResponse> GetDependencies(Proto.GetDependenciesRequest request, ServerCallContext context)
    {
        var end = request.EndTime is { } e ? Time.FromUnixMicros(ApiV2Mapper.ToMicros(e)) : handler.Time.GetUtcNow();
        var start = request.StartTime is { } s ? Time.FromUnixMicros(ApiV2Mapper.ToMicros(s)) : end - handler.Options.DefaultDependenciesLookback;
        if (start > end)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "start_time must not be after end_time"));
        }

        var response = new Proto.GetDependenciesResponse();
        if (handler.DependencyReader is { } reader)
        {
            foreach (var link in await reader.GetDependenciesAsync(end, end - start, context.CancellationToken).ConfigureAwait(false))
            {
                response.Dependencies.Add(new Proto.DependencyLink { Parent = link.Parent, Child = link.Child, CallCount = link.CallCount, Source = link.Source });
            }
        }

        return response;
    }

    private static async Task SendChunksAsync(List<Trace> traces, IServerStreamWriter<Proto.SpansResponseChunk> stream)
    {
        var chunk = new Proto.SpansResponseChunk();
        foreach (var trace in traces)
        {
            foreach (var span in trace.Spans)
            {
                chunk.Spans.Add(ApiV2Mapper.ToProto(span));
                if (chunk.Spans.Count == ChunkSize)
                {
                    await stream.WriteAsync(chunk).ConfigureAwait(false);
                    chunk = new Proto.SpansResponseChunk();
                }
            }
        }

        if (chunk.Spans.Count > 0)
        {
            await stream.WriteAsync(chunk).ConfigureAwait(false);
        }
    }
}
