using System.Buffers;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Jaeger.Collector.Pipeline;
using Jaeger.Sampling;
using Jaeger.Hosting.Protos;
using Jaeger.Protos.ApiV2;
using Jaeger.Protos.Otlp.Collector.Trace.V1;
using Span = Jaeger.Model.Span;

namespace Jaeger.Collector.Receivers;

/// <summary>Maps a pipeline outcome to gRPC: push back is RESOURCE_EXHAUSTED, stopping is UNAVAILABLE.</summary>
internal static class GrpcOutcome
{
    public static async Task<T> AnswerAsync<T>(SubmitOutcome outcome, T done, CancellationToken cancellationToken)
    {
        switch (outcome.Status)
        {
            case SubmitStatus.PushedBack:
                throw new RpcException(new Status(StatusCode.ResourceExhausted, "The collector queue is full; retry later"));
            case SubmitStatus.Stopping:
                throw new RpcException(new Status(StatusCode.Unavailable, "The collector is stopping"));
        }

        if (!await HttpReceivers.StoredAsync(outcome, cancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "Storage did not take every span of the request; send it again"));
        }

        return done;
    }

    public static RpcException Invalid(CollectorMetrics metrics, string format, string message)
    {
        metrics.RequestRejected(format, SpanFormats.Grpc);
        return new RpcException(new Status(StatusCode.InvalidArgument, message));
    }
}

/// <summary>jaeger.api_v2.CollectorService: PostSpans.</summary>
internal sealed class ApiV2CollectorService(SpanPipeline pipeline, CollectorMetrics metrics) : CollectorService.CollectorServiceBase
{
    private static readonly PostSpansResponse Done = new();

    public override Task<PostSpansResponse> PostSpans(PostSpansRequest request, ServerCallContext context)
    {
        if (request.Batch is null)
        {
            throw GrpcOutcome.Invalid(metrics, SpanFormats.Proto, "PostSpansRequest.batch is missing");
        }

        var spans = new List<Span>(request.Batch.Spans.Count);
        if (!ApiV2Mapper.TryFromProto(request.Batch, spans, out var error))
        {
            throw GrpcOutcome.Invalid(metrics, SpanFormats.Proto, error);
        }

        return GrpcOutcome.AnswerAsync(pipeline.Submit(ReceivedSpans.ToBatches(spans), SpanFormats.Proto, SpanFormats.Grpc), Done, context.CancellationToken);
    }
}

/// <summary>jaeger.api_v2.SamplingManager: GetSamplingStrategy.</summary>
internal sealed class ApiV2SamplingService(ISamplingStrategyProvider strategies) : SamplingManager.SamplingManagerBase
{
    public override async Task<SamplingStrategyResponse> GetSamplingStrategy(SamplingStrategyParameters request, ServerCallContext context)
    {
        var strategy = await strategies.GetSamplingStrategyAsync(request.ServiceName, context.CancellationToken).ConfigureAwait(false);
        return ApiV2SamplingMapper.ToProto(strategy);
    }
}

/// <summary>
/// opentelemetry.proto.collector.trace.v1.TraceService: Export. The request is read straight into model spans by
/// <see cref="OtlpProtobufReader"/> in the method's marshaller (see <see cref="OtlpTraceServiceMethods"/>), so a bad
/// body is an INVALID_ARGUMENT that says what is wrong.
/// </summary>
internal sealed class OtlpTraceService(SpanPipeline pipeline, CollectorMetrics metrics)
{
    private static readonly ExportTraceServiceResponse Done = new();

    public Task<ExportTraceServiceResponse> Export(OtlpExportRequest request, ServerCallContext context)
    {
        if (request.Error is { } error)
        {
            throw GrpcOutcome.Invalid(metrics, SpanFormats.Otlp, error);
        }

        return GrpcOutcome.AnswerAsync(pipeline.Submit(ReceivedSpans.ToBatches(request.Spans), SpanFormats.Otlp, SpanFormats.Grpc), Done, context.CancellationToken);
    }
}

/// <summary>An OTLP ExportTraceServiceRequest as the gRPC receiver gets it: decoded spans, or why there are none.</summary>
internal sealed class OtlpExportRequest
{
    private OtlpExportRequest(List<Span> spans, string? error)
    {
        Spans = spans;
        Error = error;
    }

    public List<Span> Spans { get; }

    public string? Error { get; }

    /// <summary>Decodes a message body; gRPC has already bounded its size and undone its compression.</summary>
    public static OtlpExportRequest Decode(DeserializationContext context)
    {
        var payload = context.PayloadAsReadOnlySequence();
        if (payload.IsSingleSegment)
        {
            return Decode(payload.FirstSpan);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(checked((int)payload.Length));
        try
        {
            payload.CopyTo(buffer);
            return Decode(buffer.AsSpan(0, (int)payload.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static OtlpExportRequest Decode(ReadOnlySpan<byte> body)
    {
        var spans = ReceivedSpans.ListFor(body.Length);
        return OtlpProtobufReader.TryRead(body, spans, out var error)
            ? new OtlpExportRequest(spans, null)
            : new OtlpExportRequest(spans, OtlpProtobufReader.Describe(error));
    }
}

/// <summary>Binds <see cref="OtlpTraceService.Export"/> with a marshaller that decodes through <see cref="OtlpProtobufReader"/>.</summary>
internal sealed class OtlpTraceServiceMethods : IServiceMethodProvider<OtlpTraceService>
{
    private static readonly Method<OtlpExportRequest, ExportTraceServiceResponse> Export = new(
        MethodType.Unary,
        "opentelemetry.proto.collector.trace.v1.TraceService",
        "Export",
        Marshallers.Create<OtlpExportRequest>(
            static (_, _) => throw new NotSupportedException("The collector only receives OTLP export requests."),
            OtlpExportRequest.Decode),
        Marshallers.Create<ExportTraceServiceResponse>(
            static (response, context) => context.Complete(response.ToByteArray()),
            static context => ExportTraceServiceResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<OtlpTraceService> context) =>
        context.AddUnaryMethod(Export, [], static (service, request, callContext) => service.Export(request, callContext));
}

/// <summary>
/// grpc.health.v1.Health on the gRPC receivers, as Jaeger registers it: SERVING for the whole server ("") and for
/// each service it hosts, SERVICE_UNKNOWN (NOT_FOUND for Check) for any other name.
/// </summary>
internal sealed class GrpcHealthService(ServersStopping stopping) : Protos.Grpc.Health.V1.Health.HealthBase
{
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        string.Empty,
        "jaeger.api_v2.CollectorService",
        "jaeger.api_v2.SamplingManager",
        "opentelemetry.proto.collector.trace.v1.TraceService",
    };

    public override Task<Protos.Grpc.Health.V1.HealthCheckResponse> Check(Protos.Grpc.Health.V1.HealthCheckRequest request, ServerCallContext context)
    {
        if (!Known.Contains(request.Service))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"unknown service '{request.Service}'"));
        }

        return Task.FromResult(new Protos.Grpc.Health.V1.HealthCheckResponse { Status = Protos.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving });
    }

    public override async Task Watch(Protos.Grpc.Health.V1.HealthCheckRequest request, IServerStreamWriter<Protos.Grpc.Health.V1.HealthCheckResponse> responseStream, ServerCallContext context)
    {
        var status = Known.Contains(request.Service)
            ? Protos.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving
            : Protos.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.ServiceUnknown;
        await responseStream.WriteAsync(new Protos.Grpc.Health.V1.HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
        try
        {
            // The status does not change while the server runs; the stream stays open until the client leaves or
            // the servers stop (so an open watch never holds up a graceful stop).
            using var either = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping.Token);
            await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client left or the server stops.
        }
    }
}

/// <summary>Fires when the collector's servers begin to stop, ending long-lived streams.</summary>
internal sealed class ServersStopping : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    public CancellationToken Token => _source.Token;

    public void Signal() => _source.Cancel();

    public void Dispose() => _source.Dispose();
}
