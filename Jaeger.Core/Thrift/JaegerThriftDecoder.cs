using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using Jaeger.Model;

namespace Jaeger.Thrift;

/// <summary>
/// Decodes jaeger.thrift structs into the model. Required fields are enforced as Jaeger's generated code does, which
/// also gives every struct a minimum encoded size: list counts are checked against it before arrays are allocated.
/// </summary>
internal static class JaegerThriftDecoder
{
    public static bool ReadEmitBatchMessage(ref ThriftReader reader, out Batch? batch)
    {
        batch = null;
        if (!reader.ReadMessageBegin(out var isEmitBatch, out var messageType, out _))
        {
            return false;
        }

        if (!isEmitBatch)
        {
            return reader.Fail(ThriftDecodeErrorKind.UnexpectedMessage, "the message is not Agent.emitBatch");
        }

        if (messageType is not (ThriftConstants.MessageOneway or ThriftConstants.MessageCall))
        {
            return reader.Fail(ThriftDecodeErrorKind.UnexpectedMessage, $"emitBatch has message type {messageType}, expected oneway (4) or call (1)");
        }

        if (!reader.ReadStructBegin(out var saved))
        {
            return false;
        }

        while (true)
        {
            if (!reader.ReadFieldBegin(out var type, out var id))
            {
                return false;
            }

            if (type == ThriftType.Stop)
            {
                break;
            }

            var ok = id == 1 && type == ThriftType.Struct ? ReadBatch(ref reader, out batch) : reader.Skip(type);
            if (!ok)
            {
                return false;
            }
        }

        reader.ReadStructEnd(saved);
        return batch is not null || reader.Fail(ThriftDecodeErrorKind.MissingRequiredField, "emitBatch arguments have no batch (field 1)");
    }

    public static bool ReadBatch(ref ThriftReader reader, out Batch? batch)
    {
        batch = null;
        if (!reader.ReadStructBegin(out var saved))
        {
            return false;
        }

        Process? process = null;
        List<Span>? spans = null;
        long? seqNo = null;
        ClientStats? stats = null;
        while (true)
        {
            if (!reader.ReadFieldBegin(out var type, out var id))
            {
                return false;
            }

            if (type == ThriftType.Stop)
            {
                break;
            }

            bool ok;
            switch (id)
            {
                case 1 when type == ThriftType.Struct:
                    ok = ReadProcess(ref reader, out process);
                    break;
                case 2 when type == ThriftType.List:
                    ok = ReadSpans(ref reader, out spans);
                    break;
                case 3 when type == ThriftType.I64:
                    ok = reader.ReadI64(out var value);
                    seqNo = value;
                    break;
                case 4 when type == ThriftType.Struct:
                    ok = ReadStats(ref reader, out var s);
                    stats = s;
                    break;
                default:
                    ok = reader.Skip(type);
                    break;
            }

            if (!ok)
            {
                return false;
            }
        }

        reader.ReadStructEnd(saved);
        if (process is null)
        {
            return reader.Fail(ThriftDecodeErrorKind.MissingRequiredField, "Batch.process is missing");
        }

        if (spans is null)
        {
            return reader.Fail(ThriftDecodeErrorKind.MissingRequiredField, "Batch.spans is missing");
        }

        foreach (var span in CollectionsMarshal.AsSpan(spans))
        {
            span.Process = process;
        }

        batch = new Batch(process, spans) { SeqNo = seqNo, Stats = stats };
        return true;
    }

    private static bool ReadSpans(ref ThriftReader reader, out List<Span>? spans)
    {
        spans = null;
        if (!reader.ReadListBegin(out var elementType, out var count, reader.IsCompact ? 17 : 81))
        {
            return false;
        }

        if (count > 0 && elementType != ThriftType.Struct)
        {
            return reader.Fail(ThriftDecodeErrorKind.InvalidType, "Batch.spans is not a list of structs");
        }

        var limit = reader.Limits.MaxSpansPerBatch;
        if (count > limit)
        {
            return reader.Fail(ThriftDecodeErrorKind.LimitExceeded, $"batch has {count} spans, more than the limit of {limit}");
        }

        var list = new List<Span>(count);
        for (var i = 0; i < count; i++)
        {
            if (!ReadSpan(ref reader, out var span))
            {
                return false;
            }

            list.Add(span!);
        }

        reader.ReadListEnd();
        spans = list;
        return true;
    }

    private const int TraceIdLowBit = 1 << 1;
    private const int TraceIdHighBit = 1 << 2;
    private const int SpanIdBit = 1 << 3;
    private const int ParentSpanIdBit = 1 << 4;
    private const int OperationNameBit = 1 << 5;
    private const int FlagsBit = 1 << 7;
    private const int StartTimeBit = 1 << 8;
    private const int DurationBit = 1 << 9;
    private const int SpanRequired = TraceIdLowBit | TraceIdHighBit | SpanIdBit | ParentSpanIdBit | OperationNameBit | FlagsBit | StartTimeBit | DurationBit;

    private static bool ReadSpan(ref ThriftReader reader, out Span? span)
    {
        span = null;
        if (!reader.ReadStructBegin(out var saved))
        {
            return false;
        }

        long traceIdLow = 0, traceIdHigh = 0, spanId = 0, parentSpanId = 0, startTime = 0, duration = 0;
        var flags = 0;
        var operationName = string.Empty;
        ImmutableArray<SpanRef> references = default;
        ImmutableArray<KeyValue> tags = default;
        ImmutableArray<Log> logs = default;
        var seen = 0;
        while (true)
        {
            if (!reader.ReadFieldBegin(out var type, out var id))
            {
                return false;
            }

            if (type == ThriftType.Stop)
            {
                break;
            }

            bool ok;
            switch (id)
            {
                case 1 when type == ThriftType.I64:
                    ok = reader.ReadI64(out traceIdLow);
                    break;
                case 2 when type == ThriftType.I64:
                    ok = reader.ReadI64(out traceIdHigh);
                    break;
                case 3 when type == ThriftType.I64:
                    ok = reader.ReadI64(out spanId);
                    break;
                case 4 when type == ThriftType.I64:
                    ok = reader.ReadI64(out parentSpanId);
                    break;
                case 5 when type == ThriftType.String:
                    ok = reader.ReadString(out operationName);
                    break;
                case 6 when type == ThriftType.List:
                    ok = ReadReferences(ref reader, out references);
                    break;
                case 7 when type == ThriftType.I32:
                    ok = reader.ReadI32(out flags);
                    break;
                case 8 when type == ThriftType.I64:
                    ok = reader.ReadI64(out startTime);
                    break;
                case 9 when type == ThriftType.I64:
                    ok = reader.ReadI64(out duration);
                    break;
                case 10 when type == ThriftType.List:
                    ok = ReadTags(ref reader, out tags);
                    break;
                case 11 when type == ThriftType.List:
                    ok = ReadLogs(ref reader, out logs);
                    break;
                default:
                    ok = reader.Skip(type);
                    id = 0;
                    break;
            }

            if (!ok)
            {
                return false;
            }

            seen |= 1 << (id & 31);
        }

        reader.ReadStructEnd(saved);
        if ((seen & SpanRequired) != SpanRequired)
        {
            return reader.Fail(ThriftDecodeErrorKind.MissingRequiredField, $"Span is missing {MissingSpanFields(seen)}");
        }

        var traceId = new TraceId((ulong)traceIdHigh, (ulong)traceIdLow);
        span = new Span
        {
            TraceId = traceId,
            SpanId = new SpanId((ulong)spanId),
            OperationName = operationName,
            References = WithParent(references, traceId, new SpanId((ulong)parentSpanId)),
            Flags = (SpanFlags)flags,
            StartTimeMicros = startTime,
            DurationMicros = duration,
            Tags = tags,
            Logs = logs,
        };
        return true;
    }

    /// <summary>Jaeger's rule: a non-zero parentSpanId is a CHILD_OF reference, put first, unless a reference to it exists.</summary>
    private static ImmutableArray<SpanRef> WithParent(ImmutableArray<SpanRef> references, TraceId traceId, SpanId parent)
    {
        if (parent.IsEmpty)
        {
            return references;
        }

        if (!references.IsDefault)
        {
            foreach (var reference in references.AsSpan())
            {
                if (reference.SpanId == parent && reference.TraceId == traceId)
                {
                    return references;
                }
            }
        }

        var existing = references.IsDefault ? 0 : references.Length;
        var result = new SpanRef[existing + 1];
        result[0] = new SpanRef(traceId, parent, SpanRefType.ChildOf);
        if (existing > 0)
        {
            references.AsSpan().CopyTo(result.AsSpan(1));
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(result);
    }

    private static string MissingSpanFields(int seen)
    {
        var names = new List<string>();
        if ((seen & TraceIdLowBit) == 0)
        {
            names.Add("traceIdLow");
        }

        if ((seen & TraceIdHighBit) == 0)
        {
            names.Add("traceIdHigh");
        }

        if ((seen & SpanIdBit) == 0)
        {
            names.Add("spanId");
        }

        if ((seen & ParentSpanIdBit) == 0)
        {
            names.Add("parentSpanId");
        }

        if ((seen & OperationNameBit) == 0)
        {
            names.Add("operationName");
        }

        if ((seen & FlagsBit) == 0)
        {
            names.Add("flags");
        }

        if ((seen & StartTimeBit) == 0)
        {
            names.Add("startTime");
        }

        if ((seen & DurationBit) == 0)
        {
            names.Add("duration");
        }

        return string.Join(", ", names);
    }

    private static bool ReadReferences(ref ThriftReader reader, out ImmutableArray<SpanRef> references)
    {
        references = default;
        if (!BeginStructList(ref reader, "Span.references", reader.IsCompact ? 9 : 41, out var count))
        {
            return false;
        }

        var items = count == 0 ? [] : new SpanRef[count];
        for (var i = 0; i < count; i++)
        {
            if (!reader.ReadStructBegin(out var saved))
            {
                return false;
            }

            int refType = 0, seen = 0;
            long traceIdLow = 0, traceIdHigh = 0, spanId = 0;
            while (true)
            {
                if (!reader.ReadFieldBegin(out var type, out var id))
                {
                    return false;
                }

                if (type == ThriftType.Stop)
                {
                    break;
                }

                bool ok;
                switch (id)
                {
                    case 1 when type == ThriftType.I32:
                        ok = reader.ReadI32(out refType);
                        break;
                    case 2 when type == ThriftType.I64:
                        ok = reader.ReadI64(out traceIdLow);
                        break;
                    case 3 when type == ThriftType.I64:
                        ok = reader.ReadI64(out traceIdHigh);
                        break;
                    case 4 when type == ThriftType.I64:
                        ok = reader.ReadI64(out spanId);
                        break;
                    default:
                        ok = reader.Skip(type);
                        id = 0;
                        break;
                }

                if (!ok)
                {
                    return false;
                }

                seen |= 1 << (id & 31);
            }

            reader.ReadStructEnd(saved);
            if ((seen & 0b11110) != 0b11110)
            {
                return reader.Fail(ThriftDecodeErrorKind.MissingRequiredField, "SpanRef needs refType, traceIdLow, traceIdHigh and spanId");
            }

            items[i] = new SpanRef(
                new TraceId((ulong)traceIdHigh, (ulong)traceIdLow),
                new SpanId((ulong)spanId),
                refType == 1 ? SpanRefType.FollowsFrom : SpanRefType.ChildOf);
        }

        reader.ReadListEnd();
        references = ImmutableCollectionsMarshal.AsImmutableArray(items);
        return true;
    }

    private static bool ReadLogs(ref ThriftReader reader, out ImmutableArray<Log> logs)
    {
        logs = default;
        if (!BeginStructList(ref reader, "Span.logs", reader.IsCompact ? 5 : 20, out var count))
        {
            return false;
        }

        var items = count == 0 ? [] : new Log[count];
        for (var i = 0; i < count; i++)
        {
            if (!reader.ReadStructBegin(out var saved))
            {
                return false;
            }

            long timestamp = 0;
            ImmutableArray<KeyValue> fields = default;
            int seen = 0;
            while (true)
            {
                if (!reader.ReadFieldBegin(out var type, out var id))
                {
                    return false;
                }

                if (type == ThriftType.Stop)
                {
                    break;
                }

                bool ok;
                switch (id)
                {
                    case 1 when type == ThriftType.I64:
                        ok = reader.ReadI64(out timestamp);
                        break;
                    case 2 when type == ThriftType.List:
                        ok = ReadTags(ref reader, out fields);
                        break;
                    default:
                        ok = reader.Skip(type);
                        id = 0;
                        break;
                }

                if (!ok)
                {
                    return false;
                }

                seen |= 1 << (id & 31);
            }

            reader.ReadStructEnd(saved);
            if ((seen & 0b110) != 0b110)
            {
                return reader.Fail(ThriftDecodeErrorKind.MissingRequiredField, "Log needs timestamp and fields");
            }

            items[i] = new Log(timestamp, fields);
        }

        reader.ReadListEnd();
        logs = ImmutableCollectionsMarshal.AsImmutableArray(items);
        return true;
    }

    private static bool ReadTags(ref ThriftReader reader, out ImmutableArray<KeyValue> tags)
    {
        tags = default;
        if (!BeginStructList(ref reader, "tags", reader.IsCompact ? 5 : 15, out var count))
        {
            return false;
        }

        var items = count == 0 ? [] : new KeyValue[count];
        for (var i = 0; i < count; i++)
        {
            if (!ReadTag(ref reader, out items[i]))
            {
                return false;
            }
        }

        reader.ReadListEnd();
        tags = ImmutableCollectionsMarshal.AsImmutableArray(items);
        return true;
    }

    private static bool ReadTag(ref ThriftReader reader, out KeyValue tag)
    {
        tag = default;
        if (!reader.ReadStructBegin(out var saved))
        {
            return false;
        }

        string? key = null, stringValue = null;
        var valueType = 0;
        var hasValueType = false;
        double doubleValue = 0;
        var boolValue = false;
        long longValue = 0;
        byte[]? binaryValue = null;
        while (true)
        {
            if (!reader.ReadFieldBegin(out var type, out var id))
            {
                return false;
            }

            if (type == ThriftType.Stop)
            {
                break;
            }

            bool ok;
            switch (id)
            {
                case 1 when type == ThriftType.String:
                    ok = reader.ReadString(out var k);
                    key = k;
                    break;
                case 2 when type == ThriftType.I32:
                    ok = reader.ReadI32(out valueType);
                    hasValueType = true;
                    break;
                case 3 when type == ThriftType.String:
                    ok = reader.ReadString(out var s);
                    stringValue = s;
                    break;
                case 4 when type == ThriftType.Double:
                    ok = reader.ReadDouble(out doubleValue);
                    break;
                case 5 when type == ThriftType.Bool:
                    ok = reader.ReadBool(out boolValue);
                    break;
                case 6 when type == ThriftType.I64:
                    ok = reader.ReadI64(out longValue);
                    break;
                case 7 when type == ThriftType.String:
                    ok = reader.ReadBinary(out var b);
                    binaryValue = b;
                    break;
                default:
                    ok = reader.Skip(type);
                    break;
            }

            if (!ok)
            {
                return false;
            }
        }

        reader.ReadStructEnd(saved);
        if (key is null || !hasValueType)
        {
            return reader.Fail(ThriftDecodeErrorKind.MissingRequiredField, key is null ? "Tag.key is missing" : $"Tag '{key}' has no vType");
        }

        tag = (ThriftTagType)valueType switch
        {
            ThriftTagType.String => KeyValue.String(key, stringValue ?? string.Empty),
            ThriftTagType.Double => KeyValue.Float64(key, doubleValue),
            ThriftTagType.Bool => KeyValue.Bool(key, boolValue),
            ThriftTagType.Long => KeyValue.Int64(key, longValue),
            ThriftTagType.Binary => KeyValue.Binary(key, binaryValue ?? []),
            _ => KeyValue.String(key, "Unknown VType: " + valueType.ToString(CultureInfo.InvariantCulture)),
        };
        return true;
    }

    private static bool ReadStats(ref ThriftReader reader, out ClientStats stats)
    {
        stats = default;
        if (!reader.ReadStructBegin(out var saved))
        {
            return false;
        }

        long fullQueue = 0, tooLarge = 0, failed = 0;
        var seen = 0;
        while (true)
        {
            if (!reader.ReadFieldBegin(out var type, out var id))
            {
                return false;
            }

            if (type == ThriftType.Stop)
            {
                break;
            }

            bool ok;
            switch (id)
            {
                case 1 when type == ThriftType.I64:
                    ok = reader.ReadI64(out fullQueue);
                    break;
                case 2 when type == ThriftType.I64:
                    ok = reader.ReadI64(out tooLarge);
                    break;
                case 3 when type == ThriftType.I64:
                    ok = reader.ReadI64(out failed);
                    break;
                default:
                    ok = reader.Skip(type);
                    id = 0;
                    break;
            }

            if (!ok)
            {
                return false;
            }

            seen |= 1 << (id & 31);
        }

        reader.ReadStructEnd(saved);
        if ((seen & 0b1110) != 0b1110)
        {
            return reader.Fail(ThriftDecodeErrorKind.MissingRequiredField, "ClientStats needs all three counters");
        }

        stats = new ClientStats(fullQueue, tooLarge, failed);
        return true;
    }

    private static bool ReadProcess(ref ThriftReader reader, out Process? process)
    {
        process = null;
        if (!reader.ReadStructBegin(out var saved))
        {
            return false;
        }

        string? serviceName = null;
        ImmutableArray<KeyValue> tags = default;
        while (true)
        {
            if (!reader.ReadFieldBegin(out var type, out var id))
            {
                return false;
            }

            if (type == ThriftType.Stop)
            {
                break;
            }

            bool ok;
            switch (id)
            {
                case 1 when type == ThriftType.String:
                    ok = reader.ReadString(out var name);
                    serviceName = name;
                    break;
                case 2 when type == ThriftType.List:
                    ok = ReadTags(ref reader, out tags);
                    break;
                default:
                    ok = reader.Skip(type);
                    break;
            }

            if (!ok)
            {
                return false;
            }
        }

        reader.ReadStructEnd(saved);
        if (serviceName is null)
        {
            return reader.Fail(ThriftDecodeErrorKind.MissingRequiredField, "Process.serviceName is missing");
        }

        process = new Process(serviceName, tags);
        return true;
    }

    private static bool BeginStructList(ref ThriftReader reader, string what, int minElementSize, out int count)
    {
        if (!reader.ReadListBegin(out var elementType, out count, minElementSize))
        {
            return false;
        }

        return count == 0 || elementType == ThriftType.Struct || reader.Fail(ThriftDecodeErrorKind.InvalidType, $"{what} is not a list of structs");
    }
}
