using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Jaeger.Model;
using Proto = Jaeger.Protos.ApiV2;

namespace Jaeger.Query.Grpc;

/// <summary>Maps the span model to Jaeger's api_v2 protobuf messages.</summary>
internal static class ApiV2Mapper
{
    public static Proto.Span ToProto(Span span)
    {
        var result = new Proto.Span
        {
            TraceId = TraceIdBytes(span.TraceId),
            SpanId = SpanIdBytes(span.SpanId),
            OperationName = span.OperationName,
            Flags = (uint)span.Flags,
            StartTime = ToTimestamp(span.StartTimeMicros),
            Duration = ToDuration(span.DurationMicros),
            Process = ToProto(span.Process),
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
}
