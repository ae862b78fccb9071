using System.Buffers;
using Grpc.Core;
using Grpc.Net.Client;
using Jaeger.LoadGenerator.Generation;

namespace Jaeger.LoadGenerator.Transports;

/// <summary>
/// OTLP over gRPC: <c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c>, with the pre-encoded request
/// bytes passed through a byte marshaller (no per-request protobuf serialization).
/// </summary>
internal sealed class OtlpGrpcTransport : ITransport
{
    private static readonly Marshaller<byte[]> RequestMarshaller = new(
        static (request, context) =>
        {
            context.SetPayloadLength(request.Length);
            var writer = context.GetBufferWriter();
            writer.Write(request);
            context.Complete();
        },
        static _ => throw new NotSupportedException("requests are only written"));

    private static readonly Marshaller<ExportResponse> ResponseMarshaller = new(static (_, _) => throw new NotSupportedException("responses are only read"), static _ => ExportResponse.Instance);

    private static readonly Method<byte[], ExportResponse> Export = new(
        MethodType.Unary, "opentelemetry.proto.collector.trace.v1.TraceService", "Export", RequestMarshaller, ResponseMarshaller);

    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;

    public OtlpGrpcTransport(Uri target)
    {
        _channel = GrpcChannel.ForAddress(target, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, UseProxy = false },
            MaxSendMessageSize = 64 * 1024 * 1024,
        });
        _invoker = _channel.CreateCallInvoker();
    }

    public TemplateFormat Format => TemplateFormat.OtlpProtobuf;

    public string AcceptedMeaning => "gRPC OK";

    public async ValueTask<SendOutcome> SendAsync(byte[] request, CancellationToken cancellationToken)
    {
        try
        {
            using var call = _invoker.AsyncUnaryCall(Export, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken), request);
            await call.ResponseAsync.ConfigureAwait(false);
            return SendOutcome.Accepted;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            return new SendOutcome(SendStatus.PushedBack, "gRPC ResourceExhausted");
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendOutcome(SendStatus.Failed, "gRPC " + e.StatusCode);
        }
    }

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }

    // The response (ExportTraceServiceResponse) is not read: OK is all that matters.
    private sealed class ExportResponse
    {
        public static readonly ExportResponse Instance = new();
    }
}
