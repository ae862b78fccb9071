using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Jaeger.Testing;
using Otlp = Jaeger.Protos.Otlp.Collector.Trace.V1;

namespace Jaeger.Collector.Hosting.Tests.OtlpDecoding;

/// <summary>Both OTLP protobuf receivers decode through the direct reader: same spans, and errors that say what is wrong.</summary>
public sealed class OtlpReceiverTests
{
    private static readonly Method<byte[], byte[]> RawExport = new(
        MethodType.Unary,
        "opentelemetry.proto.collector.trace.v1.TraceService",
        "Export",
        Marshallers.Create(static bytes => bytes, static bytes => bytes),
        Marshallers.Create(static bytes => bytes, static bytes => bytes));

    [Fact]
    public async Task Realistic_request_over_grpc_and_http_stores_what_the_generated_path_maps()
    {
        await using var collector = await CollectorHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(collector.Collector.OtlpGrpcEndpoint!);
        var request = OtlpSamples.Realistic(10);
        var expected = OtlpWire.DecodeGeneratedOrFail(request.ToByteArray());

        await new Otlp.TraceService.TraceServiceClient(channel).ExportAsync(request);
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 10, "the gRPC spans stored");
        OtlpWire.AssertSameSpans([.. expected.OrderBy(s => s.SpanId)], [.. collector.Writer.Spans.OrderBy(s => s.SpanId)]);

        var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        var response = await collector.Http.PostAsync(new Uri(collector.Collector.OtlpHttpEndpoint!, "v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 20, "the HTTP spans stored");
    }

    [Fact]
    public async Task Grpc_body_that_is_not_protobuf_gets_invalid_argument_naming_the_problem_and_the_server_keeps_serving()
    {
        await using var collector = await CollectorHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(collector.Collector.OtlpGrpcEndpoint!);
        var invoker = channel.CreateCallInvoker();

        var truncated = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(RawExport, null, default, [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07]));
        var badWireType = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(RawExport, null, default, [0x0F]));

        Assert.Equal(StatusCode.InvalidArgument, truncated.StatusCode);
        Assert.Contains("Truncated", truncated.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, badWireType.StatusCode);
        Assert.Contains("wire type 7", badWireType.Status.Detail, StringComparison.Ordinal);

        var reply = await invoker.AsyncUnaryCall(RawExport, null, default, OtlpSamples.Realistic(1).ToByteArray());
        Assert.Empty(reply);
        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 1, "the valid span stored");
    }
}
