using System.Collections.Immutable;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Jaeger.Model;
using Proto = Jaeger.Protos.ApiV2;

namespace Jaeger.Hosting.Protos;

/// <summary>Maps between the span model and Jaeger's api_v2 protobuf messages, for every role that speaks api_v2 gRPC.</summary>
internal static class ApiV2Mapper
{
    /// <summary>A batch: the process once, spans without their own process (as Jaeger's agent sends it).</summary>
    public static Proto.Batch ToProto(Batch batch)
    {
        var result = new Proto.Batch { Process = ToProto(batch.Process) };
        foreach (var span in batch.Spans)
        {
            result.Spans.Add(ToProto(span, includeProcess: false));
        }

        return result;
    }

    /// <summary>A span, with its process unless <paramref name="includeProcess"/> is false.</summary>
    public static Proto.Span ToProto(Span span, bool includeProcess = true)
    {
        var result = new Proto.Span
        {
            TraceId = TraceIdBytes(span.TraceId),
            SpanId = SpanIdBytes(span.SpanId),
            OperationName = span.OperationName,
            Flags = (uint)span.Flags,
            StartTime = ToTimestamp(span.StartTimeMicros),
            Duration = ToDuration(span.DurationMicros),
        };
        if (includeProcess)
        {
            result.Process = ToProto(span.Process);
        }

        foreach (var reference in span.References)
        {
            result.References.Add(new Proto.SpanRef
            {
                TraceId = TraceIdBytes(reference.TraceId),
                SpanId = SpanIdBytes(reference.SpanId),
                RefType = reference.RefType == SpanRefType.FollowsFrom ? Proto.SpanRefType.FollowsFrom : Proto.SpanRefType.ChildOf,
            });
        }

        foreach (var tag in span.Tags)
        {
            result.Tags.Add(ToProto(tag));
        }

        foreach (var log in span.Logs)
        {
            var protoLog = new Proto.Log { Timestamp = ToTimestamp(log.TimestampMicros) };
            foreach (var field in log.Fields)
            {
                protoLog.Fields.Add(ToProto(field));
            }

            result.Logs.Add(protoLog);
        }

        result.Warnings.Add(span.Warnings);
        return result;
    }

    public static Proto.Process ToProto(Process process)
    {
        var result = new Proto.Process { ServiceName = process.ServiceName };
        foreach (var tag in process.Tags)
        {
            result.Tags.Add(ToProto(tag));
        }

        return result;
    }

    public static Proto.KeyValue ToProto(KeyValue kv) => kv.Type switch
    {
        KeyValueType.Bool => new Proto.KeyValue { Key = kv.Key, VType = Proto.ValueType.Bool, VBool = kv.BoolValue },
        KeyValueType.Int64 => new Proto.KeyValue { Key = kv.Key, VType = Proto.ValueType.Int64, VInt64 = kv.Int64Value },
        KeyValueType.Float64 => new Proto.KeyValue { Key = kv.Key, VType = Proto.ValueType.Float64, VFloat64 = kv.Float64Value },
        KeyValueType.Binary => new Proto.KeyValue { Key = kv.Key, VType = Proto.ValueType.Binary, VBinary = ByteString.CopyFrom(kv.BinaryValue.Span) },
        _ => new Proto.KeyValue { Key = kv.Key, VType = Proto.ValueType.String, VStr = kv.StringValue },
    };

    public static ByteString TraceIdBytes(TraceId id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.WriteBytes(bytes);
        return ByteString.CopyFrom(bytes);
    }

    public static ByteString SpanIdBytes(SpanId id)
    {
        Span<byte> bytes = stackalloc byte[8];
        id.WriteBytes(bytes);
        return ByteString.CopyFrom(bytes);
    }

    public static Timestamp ToTimestamp(long micros)
    {
        var seconds = Math.DivRem(micros, 1_000_000, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += 1_000_000;
        }

        return new Timestamp { Seconds = seconds, Nanos = (int)(rest * 1000) };
    }

    public static Duration ToDuration(long micros) =>
        new() { Seconds = micros / 1_000_000, Nanos = (int)(micros % 1_000_000 * 1000) };

    public static long ToMicros(Timestamp timestamp) => (timestamp.Seconds * 1_000_000) + (timestamp.Nanos / 1000);

    public static TimeSpan ToTimeSpan(Duration duration) =>
        TimeSpan.FromTicks((duration.Seconds * TimeSpan.TicksPerSecond) + (duration.Nanos / 100));

    /// <summary>Converts a received batch into model spans; false with a message naming the bad span when an id is malformed.</summary>
    public static bool TryFromProto(Proto.Batch batch, List<Span> output, out string error)
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
                logs.Add(new Log(log.Timestamp is null ? 0 : ToMicros(log.Timestamp), ToKeyValues(log.Fields)));
            }

            output.Add(new Span
            {
                TraceId = traceId,
                SpanId = spanId,
                OperationName = source.OperationName,
                References = references.MoveToImmutable(),
                Flags = (SpanFlags)source.Flags,
                StartTimeMicros = source.StartTime is null ? 0 : ToMicros(source.StartTime),
                DurationMicros = source.Duration is null ? 0 : (source.Duration.Seconds * 1_000_000) + (source.Duration.Nanos / 1000),
                Tags = ToKeyValues(source.Tags),
                Logs = logs.MoveToImmutable(),
                Process = process,
                Warnings = source.Warnings.Count == 0 ? [] : [.. source.Warnings],
            });
        }

        return true;
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
