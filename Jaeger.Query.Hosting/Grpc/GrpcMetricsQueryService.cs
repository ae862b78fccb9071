using global::Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using Jaeger.Query.Api;
using Jaeger.Storage;
using Proto = Jaeger.Protos.ApiV2.Metrics;

namespace Jaeger.Query.Grpc;

/// <summary>
/// Jaeger's api_v2 <c>MetricsQueryService</c> over the registered <see cref="IMetricsReader"/>, with the defaults of the
/// HTTP API (lookback 1 h, step 5 s, rate per 10 min, server spans); UNIMPLEMENTED when no reader is registered, as
/// Jaeger answers without a metrics backend.
/// </summary>
internal sealed class GrpcMetricsQueryService(QueryHandler handler) : Proto.MetricsQueryService.MetricsQueryServiceBase
{
    // A thousand years: longer durations are refused before any arithmetic can overflow.
    private const long MaxSeconds = 1000L * 365 * 24 * 3600;

    public override Task<Proto.GetMinStepDurationResponse> GetMinStepDuration(Proto.GetMinStepDurationRequest request, ServerCallContext context) =>
        Task.FromResult(new Proto.GetMinStepDurationResponse { MinStep = Duration.FromTimeSpan(Reader().MinStep) });

    public override async Task<Proto.GetMetricsResponse> GetLatencies(Proto.GetLatenciesRequest request, ServerCallContext context)
    {
        var reader = Reader();
        var query = ToQuery(request.BaseRequest);
        if (double.IsNaN(request.Quantile) || request.Quantile is <= 0 or > 1)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"quantile must be greater than 0 and at most 1, not {request.Quantile}"));
        }

        return await AnswerAsync(() => reader.GetLatenciesAsync(query, request.Quantile, context.CancellationToken)).ConfigureAwait(false);
    }

    public override async Task<Proto.GetMetricsResponse> GetCallRates(Proto.GetCallRatesRequest request, ServerCallContext context)
    {
        var reader = Reader();
        var query = ToQuery(request.BaseRequest);
        return await AnswerAsync(() => reader.GetCallRatesAsync(query, context.CancellationToken)).ConfigureAwait(false);
    }

    public override async Task<Proto.GetMetricsResponse> GetErrorRates(Proto.GetErrorRatesRequest request, ServerCallContext context)
    {
        var reader = Reader();
        var query = ToQuery(request.BaseRequest);
        return await AnswerAsync(() => reader.GetErrorRatesAsync(query, context.CancellationToken)).ConfigureAwait(false);
    }

    private static async Task<Proto.GetMetricsResponse> AnswerAsync(Func<ValueTask<MetricFamily>> read)
    {
        MetricFamily family;
        try
        {
            family = await read().ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }

        return new Proto.GetMetricsResponse { Metrics = ToProto(family) };
    }

    private IMetricsReader Reader() =>
        handler.MetricsReader ?? throw new RpcException(new Status(StatusCode.Unimplemented, "metrics querying is currently disabled"));

    private MetricsQueryParameters ToQuery(Proto.MetricsQueryBaseRequest? request)
    {
        if (request is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "baseRequest is required"));
        }

        var kinds = new List<string>();
        foreach (var kind in request.SpanKinds)
        {
            var name = kind switch
            {
                Proto.SpanKind.Unspecified => string.Empty,
                Proto.SpanKind.Internal => "internal",
                Proto.SpanKind.Server => "server",
                Proto.SpanKind.Client => "client",
                Proto.SpanKind.Producer => "producer",
                Proto.SpanKind.Consumer => "consumer",
                _ => throw new RpcException(new Status(StatusCode.InvalidArgument, $"unsupported span kind {(int)kind}")),
            };
            if (!kinds.Contains(name))
            {
                kinds.Add(name);
            }
        }

        var query = new MetricsQueryParameters
        {
            ServiceNames = [.. request.ServiceNames],
            GroupByOperation = request.GroupByOperation,
            EndTime = request.EndTime is { } end ? FromTimestamp(end) : handler.Time.GetUtcNow(),
            SpanKinds = kinds,
        };
        query = query with
        {
            Lookback = FromDuration(request.Lookback, "lookback") ?? query.Lookback,
            Step = FromDuration(request.Step, "step") ?? query.Step,
            RatePer = FromDuration(request.RatePer, "ratePer") ?? query.RatePer,
        };
        try
        {
            query.Validate();
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }

        return query;
    }

    private static DateTimeOffset FromTimestamp(Timestamp timestamp)
    {
        if (timestamp.Seconds is < -62135596800 or > 253402300799 || timestamp.Nanos is < 0 or > 999_999_999)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "end_time is out of range"));
        }

        return timestamp.ToDateTimeOffset();
    }

    private static TimeSpan? FromDuration(Duration? duration, string name)
    {
        if (duration is null)
        {
            return null;
        }

        if (duration.Seconds is < -MaxSeconds or > MaxSeconds || duration.Nanos is < -999_999_999 or > 999_999_999)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{name} is out of range"));
        }

        return duration.ToTimeSpan();
    }

    internal static Proto.MetricFamily ToProto(MetricFamily family)
    {
        var result = new Proto.MetricFamily { Name = family.Name, Type = Proto.MetricType.Gauge, Help = family.Help };
        foreach (var series in family.Metrics)
        {
            var metric = new Proto.Metric();
            foreach (var (name, value) in series.Labels)
            {
                metric.Labels.Add(new Proto.Label { Name = name, Value = value });
            }

            foreach (var point in series.Points)
            {
                metric.MetricPoints.Add(new Proto.MetricPoint
                {
                    GaugeValue = new Proto.GaugeValue { DoubleValue = point.Value },
                    Timestamp = Timestamp.FromDateTimeOffset(point.Timestamp),
                });
            }

            result.Metrics.Add(metric);
        }

        return result;
    }
}
