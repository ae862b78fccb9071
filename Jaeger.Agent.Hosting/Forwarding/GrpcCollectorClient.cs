using Grpc.Core;
using Grpc.Net.Client;
using Jaeger.Agent.Hosting.Sampling;
using Jaeger.Hosting.Protos;
using Jaeger.Model;
using Jaeger.Sampling;
using Proto = Jaeger.Protos.ApiV2;

namespace Jaeger.Agent.Hosting.Forwarding;

/// <summary>Jaeger api_v2 over gRPC: <c>CollectorService.PostSpans</c> for batches, <c>SamplingManager.GetSamplingStrategy</c> for strategies.</summary>
internal sealed class GrpcCollectorClient : ICollectorClient, ISamplingStrategySource
{
    private readonly GrpcChannel _channel;
    private readonly Proto.CollectorService.CollectorServiceClient _collector;
    private readonly Proto.SamplingManager.SamplingManagerClient _sampling;
    private readonly TimeSpan _timeout;

    public GrpcCollectorClient(Uri address, TimeSpan timeout)
    {
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 4 * 1024 * 1024 });
        _collector = new Proto.CollectorService.CollectorServiceClient(_channel);
        _sampling = new Proto.SamplingManager.SamplingManagerClient(_channel);
        _timeout = timeout;
        Name = address.AbsoluteUri;
    }

    public string Name { get; }

    public async Task<SendResult> SendAsync(Batch batch, CancellationToken cancellationToken)
    {
        var request = new Proto.PostSpansRequest { Batch = ApiV2Mapper.ToProto(batch) };
        try
        {
            await _collector.PostSpansAsync(request, deadline: DateTime.UtcNow + _timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            return SendResult.Delivered;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Message, e, cancellationToken);
        }
        catch (RpcException e)
        {
            var retryable = e.StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted or StatusCode.DeadlineExceeded or StatusCode.Aborted;
            return new SendResult(retryable ? SendOutcome.Retryable : SendOutcome.Rejected, "gRPC " + e.StatusCode);
        }
    }

    public async Task<SamplingStrategy> GetStrategyAsync(string serviceName, CancellationToken cancellationToken)
    {
        var response = await _sampling.GetSamplingStrategyAsync(
            new Proto.SamplingStrategyParameters { ServiceName = serviceName },
            deadline: DateTime.UtcNow + _timeout,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return ApiV2SamplingMapper.FromProto(response);
    }

    public void Dispose() => _channel.Dispose();
}
