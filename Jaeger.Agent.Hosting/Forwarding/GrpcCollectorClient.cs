using System.Collections.Immutable;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Jaeger.Agent.Hosting.Sampling;
using Jaeger.Model;
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
        var request = new Proto.PostSpansRequest { Batch = ToProto(batch) };
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
        return FromProto(response);
    }

    public void Dispose() => _channel.Dispose();

    internal static SamplingStrategy FromProto(Proto.SamplingStrategyResponse response)
    {
        PerOperationSampling? operations = null;
        if (response.OperationSampling is { } perOperation)
        {
            var strategies = ImmutableArray.CreateBuilder<OperationSampling>(perOperation.PerOperationStrategies.Count);
            foreach (var operation in perOperation.PerOperationStrategies)
            {
                strategies.Add(new OperationSampling(operation.Operation, operation.ProbabilisticSampling?.SamplingRate ?? 0));
            }

            operations = new PerOperationSampling(
                perOperation.DefaultSamplingProbability,
                perOperation.DefaultLowerBoundTracesPerSecond,
                strategies.MoveToImmutable(),
                perOperation.DefaultUpperBoundTracesPerSecond);
        }

        return new SamplingStrategy(
            response.StrategyType == Proto.SamplingStrategyType.RateLimiting ? SamplingStrategyType.RateLimiting : SamplingStrategyType.Probabilistic,
            response.ProbabilisticSampling?.SamplingRate,
            response.RateLimitingSampling?.MaxTracesPerSecond,
            operations);
    }

    internal static Proto.Batch ToProto(Batch batch)
    {
        var result = new Proto.Batch { Process = ToProto(batch.Process) };
        foreach (var span in batch.Spans)
        {
            result.Spans.Add(ToProto(span));
        }

        return result;
    }

    private static Proto.Process ToProto(Model.Process process)
    {
        var result = new Proto.Process { ServiceName = process.ServiceName };
        AddTags(result.Tags, process.Tags);
        return result;
    }

    private static Proto.Span ToProto(Span span)
    {
        var result = new Proto.Span
        {
            TraceId = TraceIdBytes(span.TraceId),
            SpanId = SpanIdBytes(span.SpanId),
            OperationName = span.OperationName,
            Flags = (uint)span.Flags,
            StartTime = TimestampFromMicros(span.StartTimeMicros),
            Duration = new Duration { Seconds = span.DurationMicros / 1_000_000, Nanos = (int)(span.DurationMicros % 1_000_000 * 1000) },
        };
        foreach (var reference in span.References)
        {
            result.References.Add(new Proto.SpanRef
            {
                TraceId = TraceIdBytes(reference.TraceId),
                SpanId = SpanIdBytes(reference.SpanId),
                RefType = reference.RefType == SpanRefType.FollowsFrom ? Proto.SpanRefType.FollowsFrom : Proto.SpanRefType.ChildOf,
            });
        }

        AddTags(result.Tags, span.Tags);
        foreach (var log in span.Logs)
        {
            var protoLog = new Proto.Log { Timestamp = TimestampFromMicros(log.TimestampMicros) };
            AddTags(protoLog.Fields, log.Fields);
            result.Logs.Add(protoLog);
        }

        result.Warnings.Add(span.Warnings);
        return result;
    }

    private static void AddTags(Google.Protobuf.Collections.RepeatedField<Proto.KeyValue> target, ImmutableArray<KeyValue> tags)
    {
        foreach (var tag in tags)
        {
            var kv = new Proto.KeyValue { Key = tag.Key };
            switch (tag.Type)
            {
                case KeyValueType.String:
                    kv.VType = Proto.ValueType.String;
                    kv.VStr = tag.StringValue;
                    break;
                case KeyValueType.Bool:
                    kv.VType = Proto.ValueType.Bool;
                    kv.VBool = tag.BoolValue;
                    break;
                case KeyValueType.Int64:
                    kv.VType = Proto.ValueType.Int64;
                    kv.VInt64 = tag.Int64Value;
                    break;
                case KeyValueType.Float64:
                    kv.VType = Proto.ValueType.Float64;
                    kv.VFloat64 = tag.Float64Value;
                    break;
                default:
                    kv.VType = Proto.ValueType.Binary;
                    kv.VBinary = ByteString.CopyFrom(tag.BinaryValue.Span);
                    break;
            }

            target.Add(kv);
        }
    }

    private static Timestamp TimestampFromMicros(long micros)
    {
        var seconds = Math.DivRem(micros, 1_000_000, out var remainder);
        if (remainder < 0)
        {
            seconds--;
            remainder += 1_000_000;
        }

        return new Timestamp { Seconds = seconds, Nanos = (int)(remainder * 1000) };
    }

    private static ByteString TraceIdBytes(TraceId id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.WriteBytes(bytes);
        return ByteString.CopyFrom(bytes);
    }

    private static ByteString SpanIdBytes(SpanId id)
    {
        Span<byte> bytes = stackalloc byte[8];
        id.WriteBytes(bytes);
        return ByteString.CopyFrom(bytes);
    }
}
