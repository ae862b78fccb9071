using System.Collections.Immutable;
using Google.Protobuf;
using Jaeger.Model;
using Jaeger.Collector.Sampling;
using Proto = Jaeger.Protos.ApiV2;

namespace Jaeger.Collector.Receivers;

/// <summary>Converts between the Jaeger api_v2 protobuf types and the model.</summary>
internal static class ApiV2Converter
{
    public static bool TryConvert(Proto.Batch batch, List<Span> output, out string error)
    {
        error = string.Empty;
        var batchProcess = batch.Process is null ? null : ToProcess(batch.Process);
        Proto.Process? lastProto = null;
        Process? lastProcess = null;
        for (var i = 0; i < batch.Spans.Count; i++)
        {
            var source = batch.Spans[i];
            if (!TryTraceId(source.TraceId, out var traceId) || traceId.IsEmpty)
            {
                error = $"span {i}: trace_id must be 8 or 16 bytes and not zero, got {source.TraceId.Length} bytes";
                return false;
            }

            if (!SpanId.TryReadBytes(source.SpanId.Span, out var spanId))
            {
                error = $"span {i}: span_id must be 8 bytes, got {source.SpanId.Length}";
                return false;
            }

            Process process;
            if (source.Process is null)
            {
                process = batchProcess ?? Process.Unknown;
            }
            else if (ReferenceEquals(source.Process, lastProto) || (lastProto is not null && source.Process.Equals(lastProto)))
            {
                process = lastProcess!;
            }
            else
            {
                process = ToProcess(source.Process);
                lastProto = source.Process;
                lastProcess = process;
            }

            var references = ImmutableArray.CreateBuilder<SpanRef>(source.References.Count);
            foreach (var reference in source.References)
            {
                if (!TryTraceId(reference.TraceId, out var refTrace) || !SpanId.TryReadBytes(reference.SpanId.Span, out var refSpan))
                {
                    error = $"span {i}: a reference has a trace_id of {reference.TraceId.Length} bytes or a span_id of {reference.SpanId.Length} bytes";
                    return false;
                }

                references.Add(new SpanRef(refTrace, refSpan, reference.RefType == Proto.SpanRefType.FollowsFrom ? SpanRefType.FollowsFrom : SpanRefType.ChildOf));
            }

            var logs = ImmutableArray.CreateBuilder<Log>(source.Logs.Count);
            foreach (var log in source.Logs)
            {
                logs.Add(new Log(log.Timestamp is null ? 0 : TimestampMicros(log.Timestamp.Seconds, log.Timestamp.Nanos), ToKeyValues(log.Fields)));
            }

            output.Add(new Span
            {
                TraceId = traceId,
                SpanId = spanId,
                OperationName = source.OperationName,
                References = references.MoveToImmutable(),
                Flags = (SpanFlags)source.Flags,
                StartTimeMicros = source.StartTime is null ? 0 : TimestampMicros(source.StartTime.Seconds, source.StartTime.Nanos),
                DurationMicros = source.Duration is null ? 0 : TimestampMicros(source.Duration.Seconds, source.Duration.Nanos),
                Tags = ToKeyValues(source.Tags),
                Logs = logs.MoveToImmutable(),
                Process = process,
                Warnings = source.Warnings.Count == 0 ? [] : [.. source.Warnings],
            });
        }

        return true;
    }

    public static Proto.SamplingStrategyResponse ToProto(SamplingStrategy strategy)
    {
        var response = new Proto.SamplingStrategyResponse();
        if (strategy.Type == SamplingStrategyType.RateLimiting)
        {
            response.StrategyType = Proto.SamplingStrategyType.RateLimiting;
            response.RateLimitingSampling = new Proto.RateLimitingSamplingStrategy { MaxTracesPerSecond = strategy.MaxTracesPerSecond };
        }
        else
        {
            response.StrategyType = Proto.SamplingStrategyType.Probabilistic;
            response.ProbabilisticSampling = new Proto.ProbabilisticSamplingStrategy { SamplingRate = strategy.SamplingRate };
        }

        if (strategy.OperationSampling is { } operations)
        {
            var proto = new Proto.PerOperationSamplingStrategies
            {
                DefaultSamplingProbability = operations.DefaultSamplingProbability,
                DefaultLowerBoundTracesPerSecond = operations.DefaultLowerBoundTracesPerSecond,
                DefaultUpperBoundTracesPerSecond = operations.DefaultUpperBoundTracesPerSecond,
            };
            foreach (var operation in operations.PerOperationStrategies)
            {
                proto.PerOperationStrategies.Add(new Proto.OperationSamplingStrategy
                {
                    Operation = operation.Operation,
                    ProbabilisticSampling = new Proto.ProbabilisticSamplingStrategy { SamplingRate = operation.SamplingRate },
                });
            }

            response.OperationSampling = proto;
        }

        return response;
    }

    private static bool TryTraceId(ByteString bytes, out TraceId id)
    {
        if (bytes.Length == 8 && SpanId.TryReadBytes(bytes.Span, out var low))
        {
            id = new TraceId(low.Value);
            return true;
        }

        return TraceId.TryReadBytes(bytes.Span, out id);
    }

    private static long TimestampMicros(long seconds, int nanos) => (seconds * 1_000_000) + (nanos / 1000);

    private static Process ToProcess(Proto.Process process) => new(process.ServiceName, ToKeyValues(process.Tags));

    private static ImmutableArray<KeyValue> ToKeyValues(Google.Protobuf.Collections.RepeatedField<Proto.KeyValue> source)
    {
        if (source.Count == 0)
        {
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<KeyValue>(source.Count);
        foreach (var kv in source)
        {
            builder.Add(kv.VType switch
            {
                Proto.ValueType.Bool => KeyValue.Bool(kv.Key, kv.VBool),
                Proto.ValueType.Int64 => KeyValue.Int64(kv.Key, kv.VInt64),
                Proto.ValueType.Float64 => KeyValue.Float64(kv.Key, kv.VFloat64),
                Proto.ValueType.Binary => KeyValue.Binary(kv.Key, kv.VBinary.ToByteArray()),
                _ => KeyValue.String(kv.Key, kv.VStr),
            });
        }

        return builder.MoveToImmutable();
    }
}
