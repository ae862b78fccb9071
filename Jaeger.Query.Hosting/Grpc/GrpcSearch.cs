using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Jaeger.Hosting.Protos;
using Jaeger.Model;
using Jaeger.Query.Api;
using Jaeger.Storage;
using Jaeger.Storage.Filtering;

namespace Jaeger.Query.Grpc;

/// <summary>A gRPC search (api_v2 or api_v3) as the storage's query: window defaults, limits, checks, INVALID_ARGUMENT.</summary>
internal static class GrpcSearch
{
    /// <summary>A get-trace or archive request's trace and optional window, the window's bounds as the request gives them.</summary>
    public static TraceGetParameters TraceGet(TraceId id, Timestamp? startTime, Timestamp? endTime) => new(
        id,
        startTime is { } s ? Time.FromUnixMicros(ApiV2Mapper.ToMicros(s)) : null,
        endTime is { } e ? Time.FromUnixMicros(ApiV2Mapper.ToMicros(e)) : null);

    public static TraceQueryParameters ToQuery(
        QueryHandler handler,
        string serviceName,
        string operationName,
        IDictionary<string, string> tags,
        SpanFilter? filter,
        Timestamp? startTimeMin,
        Timestamp? startTimeMax,
        Duration? durationMin,
        Duration? durationMax,
        int searchDepth)
    {
        var options = handler.Options;
        var end = startTimeMax is { } max ? Time.FromUnixMicros(ApiV2Mapper.ToMicros(max)) : handler.Time.GetUtcNow();
        var start = startTimeMin is { } min ? Time.FromUnixMicros(ApiV2Mapper.ToMicros(min)) : end - options.DefaultLookback;
        var query = new TraceQueryParameters
        {
            ServiceName = serviceName.Length == 0 ? null : serviceName,
            OperationName = operationName.Length == 0 ? null : operationName,
            Tags = new Dictionary<string, string>(tags, StringComparer.Ordinal),
            Filter = filter,
            StartTimeMin = start,
            StartTimeMax = end,
            DurationMin = durationMin is { } dmin ? ApiV2Mapper.ToTimeSpan(dmin) : null,
            DurationMax = durationMax is { } dmax ? ApiV2Mapper.ToTimeSpan(dmax) : null,
            Limit = searchDepth <= 0 ? options.DefaultLimit : Math.Min(searchDepth, options.MaxLimit),
        };
        try
        {
            query.Validate();
            handler.CheckSearch(query);
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }

        return query;
    }
}
