using System.Collections.Immutable;
using System.Text;
using Jaeger.Model;

namespace Jaeger.Thrift;

/// <summary>Encodes the model as jaeger.thrift structs, and computes the exact encoded sizes without encoding.</summary>
internal static class JaegerThriftEncoder
{
    public static void WriteEmitBatchMessage(ref ThriftWriter writer, Batch batch, int sequenceId)
    {
        writer.WriteMessageBegin("emitBatch"u8, ThriftConstants.MessageOneway, sequenceId);
        var saved = writer.WriteStructBegin();
        writer.WriteFieldBegin(ThriftType.Struct, 1);
        WriteBatch(ref writer, batch);
        writer.WriteStructEnd(saved);
    }

    public static void WriteBatch(ref ThriftWriter writer, Batch batch)
    {
        var saved = writer.WriteStructBegin();
        writer.WriteFieldBegin(ThriftType.Struct, 1);
        WriteProcess(ref writer, batch.Process);
        var spans = batch.Spans;
        writer.WriteFieldBegin(ThriftType.List, 2);
        writer.WriteListBegin(ThriftType.Struct, spans.Count);
        for (var i = 0; i < spans.Count; i++)
        {
            WriteSpan(ref writer, spans[i]);
        }

        if (batch.SeqNo is long seqNo)
        {
            writer.WriteI64Field(3, seqNo);
        }

        if (batch.Stats is ClientStats stats)
        {
            writer.WriteFieldBegin(ThriftType.Struct, 4);
            var statsSaved = writer.WriteStructBegin();
            writer.WriteI64Field(1, stats.FullQueueDroppedSpans);
            writer.WriteI64Field(2, stats.TooLargeDroppedSpans);
            writer.WriteI64Field(3, stats.FailedToEmitSpans);
            writer.WriteStructEnd(statsSaved);
        }

        writer.WriteStructEnd(saved);
    }

    public static void WriteSpan(ref ThriftWriter writer, Span span)
    {
        var saved = writer.WriteStructBegin();
        writer.WriteI64Field(1, (long)span.TraceId.Low);
        writer.WriteI64Field(2, (long)span.TraceId.High);
        writer.WriteI64Field(3, (long)span.SpanId.Value);
        writer.WriteI64Field(4, (long)span.ParentSpanId.Value);
        writer.WriteStringField(5, span.OperationName);
        var references = span.References;
        if (!references.IsEmpty)
        {
            writer.WriteFieldBegin(ThriftType.List, 6);
            writer.WriteListBegin(ThriftType.Struct, references.Length);
            foreach (var reference in references.AsSpan())
            {
                var refSaved = writer.WriteStructBegin();
                writer.WriteI32Field(1, reference.RefType == SpanRefType.FollowsFrom ? 1 : 0);
                writer.WriteI64Field(2, (long)reference.TraceId.Low);
                writer.WriteI64Field(3, (long)reference.TraceId.High);
                writer.WriteI64Field(4, (long)reference.SpanId.Value);
                writer.WriteStructEnd(refSaved);
            }
        }

        writer.WriteI32Field(7, (int)span.Flags);
        writer.WriteI64Field(8, span.StartTimeMicros);
        writer.WriteI64Field(9, span.DurationMicros);
        WriteTagsField(ref writer, 10, span.Tags);
        var logs = span.Logs;
        if (!logs.IsEmpty)
        {
            writer.WriteFieldBegin(ThriftType.List, 11);
            writer.WriteListBegin(ThriftType.Struct, logs.Length);
            foreach (var log in logs.AsSpan())
            {
                var logSaved = writer.WriteStructBegin();
                writer.WriteI64Field(1, log.TimestampMicros);
                var fields = log.Fields;
                writer.WriteFieldBegin(ThriftType.List, 2);
                WriteTagList(ref writer, fields);
                writer.WriteStructEnd(logSaved);
            }
        }

        writer.WriteStructEnd(saved);
    }

    private static void WriteProcess(ref ThriftWriter writer, Process process)
    {
        var saved = writer.WriteStructBegin();
        writer.WriteStringField(1, process.ServiceName);
        WriteTagsField(ref writer, 2, process.Tags);
        writer.WriteStructEnd(saved);
    }

    private static void WriteTagsField(ref ThriftWriter writer, short id, ImmutableArray<KeyValue> tags)
    {
        if (!tags.IsEmpty)
        {
            writer.WriteFieldBegin(ThriftType.List, id);
            WriteTagList(ref writer, tags);
        }
    }

    private static void WriteTagList(ref ThriftWriter writer, ImmutableArray<KeyValue> tags)
    {
        writer.WriteListBegin(ThriftType.Struct, tags.Length);
        foreach (ref readonly var tag in tags.AsSpan())
        {
            var saved = writer.WriteStructBegin();
            writer.WriteStringField(1, tag.Key);
            var type = ThriftTagTypes.FromModel(tag.Type);
            writer.WriteI32Field(2, (int)type);
            switch (type)
            {
                case ThriftTagType.Double:
                    writer.WriteFieldBegin(ThriftType.Double, 4);
                    writer.WriteDouble(tag.Float64Value);
                    break;
                case ThriftTagType.Bool:
                    writer.WriteBoolField(5, tag.BoolValue);
                    break;
                case ThriftTagType.Long:
                    writer.WriteI64Field(6, tag.Int64Value);
                    break;
                case ThriftTagType.Binary:
                    writer.WriteFieldBegin(ThriftType.String, 7);
                    writer.WriteBinary(tag.BinaryValue.Span);
                    break;
                default:
                    writer.WriteStringField(3, tag.StringValue);
                    break;
            }

            writer.WriteStructEnd(saved);
        }
    }

    // ---- Sizes. They mirror the writer above: fields are written in ascending id order with gaps below 16, so
    // a compact field header is always one byte and a binary one three.

    public static int EmitBatchOverhead(Batch batch, bool compact)
    {
        var name = "emitBatch".Length;
        var message = compact ? 2 + VarintSize((uint)0) + VarintSize((uint)name) + name : 4 + 4 + name + 4;
        return message + FieldHeader(compact) + BatchOverhead(batch, compact) + 1;
    }

    public static int BatchOverhead(Batch batch, bool compact)
    {
        var size = FieldHeader(compact) + ProcessSize(batch.Process, compact);
        size += FieldHeader(compact) + ListHeader(batch.Spans.Count, compact);
        if (batch.SeqNo is long seqNo)
        {
            size += FieldHeader(compact) + I64Size(seqNo, compact);
        }

        if (batch.Stats is ClientStats stats)
        {
            size += FieldHeader(compact) + (3 * FieldHeader(compact)) + 1 + I64Size(stats.FullQueueDroppedSpans, compact)
                + I64Size(stats.TooLargeDroppedSpans, compact) + I64Size(stats.FailedToEmitSpans, compact);
        }

        return size + 1;
    }

    public static int SpanSize(Span span, bool compact)
    {
        var header = FieldHeader(compact);
        var size = (8 * header) + 1;
        size += I64Size((long)span.TraceId.Low, compact) + I64Size((long)span.TraceId.High, compact)
            + I64Size((long)span.SpanId.Value, compact) + I64Size((long)span.ParentSpanId.Value, compact);
        size += StringSize(span.OperationName, compact);
        var references = span.References;
        if (!references.IsEmpty)
        {
            size += header + ListHeader(references.Length, compact);
            foreach (var reference in references.AsSpan())
            {
                size += (4 * header) + 1 + I32Size(reference.RefType == SpanRefType.FollowsFrom ? 1 : 0, compact)
                    + I64Size((long)reference.TraceId.Low, compact) + I64Size((long)reference.TraceId.High, compact)
                    + I64Size((long)reference.SpanId.Value, compact);
            }
        }

        size += I32Size((int)span.Flags, compact) + I64Size(span.StartTimeMicros, compact) + I64Size(span.DurationMicros, compact);
        if (!span.Tags.IsEmpty)
        {
            size += header + TagListSize(span.Tags, compact);
        }

        var logs = span.Logs;
        if (!logs.IsEmpty)
        {
            size += header + ListHeader(logs.Length, compact);
            foreach (var log in logs.AsSpan())
            {
                size += (2 * header) + 1 + I64Size(log.TimestampMicros, compact) + TagListSize(log.Fields, compact);
            }
        }

        return size;
    }

    private static int ProcessSize(Process process, bool compact)
    {
        var size = FieldHeader(compact) + StringSize(process.ServiceName, compact) + 1;
        if (!process.Tags.IsEmpty)
        {
            size += FieldHeader(compact) + TagListSize(process.Tags, compact);
        }

        return size;
    }

    private static int TagListSize(ImmutableArray<KeyValue> tags, bool compact)
    {
        var header = FieldHeader(compact);
        var size = ListHeader(tags.Length, compact);
        foreach (ref readonly var tag in tags.AsSpan())
        {
            size += (3 * header) + 1 + StringSize(tag.Key, compact);
            var type = ThriftTagTypes.FromModel(tag.Type);
            size += I32Size((int)type, compact);
            size += type switch
            {
                ThriftTagType.Double => 8,
                ThriftTagType.Bool => compact ? 0 : 1,
                ThriftTagType.Long => I64Size(tag.Int64Value, compact),
                ThriftTagType.Binary => BytesSize(tag.BinaryValue.Length, compact),
                _ => StringSize(tag.StringValue, compact),
            };
        }

        return size;
    }

    private static int FieldHeader(bool compact) => compact ? 1 : 3;

    private static int ListHeader(int count, bool compact) => compact ? (count <= 14 ? 1 : 1 + VarintSize((uint)count)) : 5;

    private static int StringSize(string value, bool compact) => BytesSize(Encoding.UTF8.GetByteCount(value), compact);

    private static int BytesSize(int length, bool compact) => (compact ? VarintSize((uint)length) : 4) + length;

    private static int I32Size(int value, bool compact) => compact ? VarintSize((uint)((value << 1) ^ (value >> 31))) : 4;

    private static int I64Size(long value, bool compact) => compact ? VarintSize((ulong)((value << 1) ^ (value >> 63))) : 8;

    private static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }
}
