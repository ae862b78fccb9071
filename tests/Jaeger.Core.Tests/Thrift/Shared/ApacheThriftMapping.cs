using System.Collections.Immutable;
using Jaeger.Model;
using Thrift;
using Thrift.Protocol;
using Thrift.Protocol.Entities;
using Thrift.Protocol.Utilities;
using Thrift.Transport.Client;

namespace Jaeger.Core.Tests.Thrift;

/// <summary>
/// jaeger.thrift written and read field by field with ApacheThrift's own TProtocol implementations: the independent
/// peer that the cross-check tests and the benchmarks compare our codec with. No generated code.
/// </summary>
internal static class ApacheThriftMapping
{
    private static readonly TStruct BatchStruct = new("Batch");
    private static readonly TStruct ProcessStruct = new("Process");
    private static readonly TStruct SpanStruct = new("Span");
    private static readonly TStruct TagStruct = new("Tag");
    private static readonly TStruct LogStruct = new("Log");
    private static readonly TStruct SpanRefStruct = new("SpanRef");
    private static readonly TStruct StatsStruct = new("ClientStats");
    private static readonly TStruct ArgsStruct = new("emitBatch_args");

    /// <summary>When set (tests only), called inside every struct before its field stop, to add fields a reader must skip.</summary>
    [ThreadStatic]
    private static Func<TProtocol, CancellationToken, Task>? ExtraFields;

    public static TProtocol CreateProtocol(TMemoryBufferTransport transport, global::Jaeger.Thrift.ThriftProtocol protocol) =>
        protocol == global::Jaeger.Thrift.ThriftProtocol.Compact ? new TCompactProtocol(transport) : new TBinaryProtocol(transport);

    public static byte[] Encode(Batch batch, global::Jaeger.Thrift.ThriftProtocol protocol, bool emitBatch, long? parentSpanIdOverride = null, int sequenceId = 0, Func<TProtocol, CancellationToken, Task>? extraFields = null)
    {
        ExtraFields = extraFields;
        using var transport = new TMemoryBufferTransport(new TConfiguration());
        using var proto = CreateProtocol(transport, protocol);
        var task = emitBatch
            ? WriteEmitBatchAsync(proto, batch, sequenceId, CancellationToken.None, parentSpanIdOverride)
            : WriteBatchAsync(proto, batch, CancellationToken.None, parentSpanIdOverride);
        try
        {
            task.GetAwaiter().GetResult();
        }
        finally
        {
            ExtraFields = null;
        }

        return transport.GetBuffer();
    }

    public static (Batch Batch, List<long> ParentSpanIds, TMessage? Message) Decode(byte[] bytes, global::Jaeger.Thrift.ThriftProtocol protocol, bool emitBatch)
    {
        using var transport = new TMemoryBufferTransport(bytes, new TConfiguration());
        using var proto = CreateProtocol(transport, protocol);
        if (emitBatch)
        {
            var (message, b, p) = ReadEmitBatchAsync(proto, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            return (b, p, message);
        }

        var (batch, parents) = ReadBatchAsync(proto, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return (batch, parents, null);
    }

    /// <summary>A batch of one span with one tag of an arbitrary vType and a string value.</summary>
    public static byte[] EncodeSingleTagBatch(global::Jaeger.Thrift.ThriftProtocol protocol, string key, int vType)
    {
        using var transport = new TMemoryBufferTransport(new TConfiguration());
        using var p = CreateProtocol(transport, protocol);
        Run(async ct =>
        {
            await p.WriteStructBeginAsync(BatchStruct, ct);
            await p.WriteFieldBeginAsync(new TField("process", TType.Struct, 1), ct);
            await WriteProcessAsync(p, new Process("p"), ct);
            await p.WriteFieldBeginAsync(new TField("spans", TType.List, 2), ct);
            await p.WriteListBeginAsync(new TList(TType.Struct, 1), ct);
            await p.WriteStructBeginAsync(SpanStruct, ct);
            await I64Async(p, 1, 1, ct);
            await I64Async(p, 2, 0, ct);
            await I64Async(p, 3, 2, ct);
            await I64Async(p, 4, 0, ct);
            await p.WriteFieldBeginAsync(new TField("operationName", TType.String, 5), ct);
            await p.WriteStringAsync("op", ct);
            await I32Async(p, 7, 1, ct);
            await I64Async(p, 8, 10, ct);
            await I64Async(p, 9, 20, ct);
            await p.WriteFieldBeginAsync(new TField("tags", TType.List, 10), ct);
            await p.WriteListBeginAsync(new TList(TType.Struct, 1), ct);
            await p.WriteStructBeginAsync(TagStruct, ct);
            await p.WriteFieldBeginAsync(new TField("key", TType.String, 1), ct);
            await p.WriteStringAsync(key, ct);
            await I32Async(p, 2, vType, ct);
            await p.WriteFieldBeginAsync(new TField("vStr", TType.String, 3), ct);
            await p.WriteStringAsync("ignored", ct);
            await p.WriteFieldStopAsync(ct);
            await p.WriteStructEndAsync(ct);
            await p.WriteFieldStopAsync(ct);
            await p.WriteStructEndAsync(ct);
            await p.WriteFieldStopAsync(ct);
            await p.WriteStructEndAsync(ct);
        });
        return transport.GetBuffer();
    }

    public static async Task WriteEmitBatchAsync(TProtocol p, Batch batch, int sequenceId, CancellationToken ct, long? parentSpanIdOverride = null)
    {
        await p.WriteMessageBeginAsync(new TMessage("emitBatch", TMessageType.Oneway, sequenceId), ct);
        await p.WriteStructBeginAsync(ArgsStruct, ct);
        await p.WriteFieldBeginAsync(new TField("batch", TType.Struct, 1), ct);
        await WriteBatchAsync(p, batch, ct, parentSpanIdOverride);
        await p.WriteFieldEndAsync(ct);
        await WriteExtraAsync(p, ct);
        await p.WriteFieldStopAsync(ct);
        await p.WriteStructEndAsync(ct);
        await p.WriteMessageEndAsync(ct);
        await p.Transport.FlushAsync(ct);
    }

    public static async Task WriteBatchAsync(TProtocol p, Batch batch, CancellationToken ct, long? parentSpanIdOverride = null)
    {
        await p.WriteStructBeginAsync(BatchStruct, ct);
        await p.WriteFieldBeginAsync(new TField("process", TType.Struct, 1), ct);
        await WriteProcessAsync(p, batch.Process, ct);
        await p.WriteFieldEndAsync(ct);
        await p.WriteFieldBeginAsync(new TField("spans", TType.List, 2), ct);
        await p.WriteListBeginAsync(new TList(TType.Struct, batch.Spans.Count), ct);
        foreach (var span in batch.Spans)
        {
            await WriteSpanAsync(p, span, parentSpanIdOverride ?? (long)span.ParentSpanId.Value, ct);
        }

        await p.WriteListEndAsync(ct);
        await p.WriteFieldEndAsync(ct);
        if (batch.SeqNo is long seqNo)
        {
            await I64Async(p, 3, seqNo, ct);
        }

        if (batch.Stats is ClientStats stats)
        {
            await p.WriteFieldBeginAsync(new TField("stats", TType.Struct, 4), ct);
            await p.WriteStructBeginAsync(StatsStruct, ct);
            await I64Async(p, 1, stats.FullQueueDroppedSpans, ct);
            await I64Async(p, 2, stats.TooLargeDroppedSpans, ct);
            await I64Async(p, 3, stats.FailedToEmitSpans, ct);
            await WriteExtraAsync(p, ct);
            await p.WriteFieldStopAsync(ct);
            await p.WriteStructEndAsync(ct);
            await p.WriteFieldEndAsync(ct);
        }

        await WriteExtraAsync(p, ct);
        await p.WriteFieldStopAsync(ct);
        await p.WriteStructEndAsync(ct);
    }

    private static async Task WriteProcessAsync(TProtocol p, Process process, CancellationToken ct)
    {
        await p.WriteStructBeginAsync(ProcessStruct, ct);
        await p.WriteFieldBeginAsync(new TField("serviceName", TType.String, 1), ct);
        await p.WriteStringAsync(process.ServiceName, ct);
        await p.WriteFieldEndAsync(ct);
        await p.WriteFieldBeginAsync(new TField("tags", TType.List, 2), ct);
        await WriteTagsAsync(p, process.Tags, ct);
        await p.WriteFieldEndAsync(ct);
        await WriteExtraAsync(p, ct);
        await p.WriteFieldStopAsync(ct);
        await p.WriteStructEndAsync(ct);
    }

    private static async Task WriteSpanAsync(TProtocol p, Span span, long parentSpanId, CancellationToken ct)
    {
        await p.WriteStructBeginAsync(SpanStruct, ct);
        await I64Async(p, 1, (long)span.TraceId.Low, ct);
        await I64Async(p, 2, (long)span.TraceId.High, ct);
        await I64Async(p, 3, (long)span.SpanId.Value, ct);
        await I64Async(p, 4, parentSpanId, ct);
        await p.WriteFieldBeginAsync(new TField("operationName", TType.String, 5), ct);
        await p.WriteStringAsync(span.OperationName, ct);
        await p.WriteFieldEndAsync(ct);

        // Written even when empty, as generated code does for a non-null list: our reader must accept both forms.
        await p.WriteFieldBeginAsync(new TField("references", TType.List, 6), ct);
        await p.WriteListBeginAsync(new TList(TType.Struct, span.References.Length), ct);
        foreach (var reference in span.References)
        {
            await p.WriteStructBeginAsync(SpanRefStruct, ct);
            await I32Async(p, 1, (int)reference.RefType, ct);
            await I64Async(p, 2, (long)reference.TraceId.Low, ct);
            await I64Async(p, 3, (long)reference.TraceId.High, ct);
            await I64Async(p, 4, (long)reference.SpanId.Value, ct);
            await WriteExtraAsync(p, ct);
            await p.WriteFieldStopAsync(ct);
            await p.WriteStructEndAsync(ct);
        }

        await p.WriteListEndAsync(ct);
        await p.WriteFieldEndAsync(ct);
        await I32Async(p, 7, (int)span.Flags, ct);
        await I64Async(p, 8, span.StartTimeMicros, ct);
        await I64Async(p, 9, span.DurationMicros, ct);
        await p.WriteFieldBeginAsync(new TField("tags", TType.List, 10), ct);
        await WriteTagsAsync(p, span.Tags, ct);
        await p.WriteFieldEndAsync(ct);
        await p.WriteFieldBeginAsync(new TField("logs", TType.List, 11), ct);
        await p.WriteListBeginAsync(new TList(TType.Struct, span.Logs.Length), ct);
        foreach (var log in span.Logs)
        {
            await p.WriteStructBeginAsync(LogStruct, ct);
            await I64Async(p, 1, log.TimestampMicros, ct);
            await p.WriteFieldBeginAsync(new TField("fields", TType.List, 2), ct);
            await WriteTagsAsync(p, log.Fields, ct);
            await p.WriteFieldEndAsync(ct);
            await WriteExtraAsync(p, ct);
            await p.WriteFieldStopAsync(ct);
            await p.WriteStructEndAsync(ct);
        }

        await p.WriteListEndAsync(ct);
        await p.WriteFieldEndAsync(ct);
        await WriteExtraAsync(p, ct);
        await p.WriteFieldStopAsync(ct);
        await p.WriteStructEndAsync(ct);
    }

    private static async Task WriteTagsAsync(TProtocol p, ImmutableArray<KeyValue> tags, CancellationToken ct)
    {
        await p.WriteListBeginAsync(new TList(TType.Struct, tags.Length), ct);
        foreach (var tag in tags)
        {
            await p.WriteStructBeginAsync(TagStruct, ct);
            await p.WriteFieldBeginAsync(new TField("key", TType.String, 1), ct);
            await p.WriteStringAsync(tag.Key, ct);
            await p.WriteFieldEndAsync(ct);
            switch (tag.Type)
            {
                case KeyValueType.String:
                    await I32Async(p, 2, 0, ct);
                    await p.WriteFieldBeginAsync(new TField("vStr", TType.String, 3), ct);
                    await p.WriteStringAsync(tag.StringValue, ct);
                    break;
                case KeyValueType.Float64:
                    await I32Async(p, 2, 1, ct);
                    await p.WriteFieldBeginAsync(new TField("vDouble", TType.Double, 4), ct);
                    await p.WriteDoubleAsync(tag.Float64Value, ct);
                    break;
                case KeyValueType.Bool:
                    await I32Async(p, 2, 2, ct);
                    await p.WriteFieldBeginAsync(new TField("vBool", TType.Bool, 5), ct);
                    await p.WriteBoolAsync(tag.BoolValue, ct);
                    break;
                case KeyValueType.Int64:
                    await I32Async(p, 2, 3, ct);
                    await p.WriteFieldBeginAsync(new TField("vLong", TType.I64, 6), ct);
                    await p.WriteI64Async(tag.Int64Value, ct);
                    break;
                default:
                    await I32Async(p, 2, 4, ct);
                    await p.WriteFieldBeginAsync(new TField("vBinary", TType.String, 7), ct);
                    await p.WriteBinaryAsync(tag.BinaryValue.ToArray(), ct);
                    break;
            }

            await p.WriteFieldEndAsync(ct);
            await WriteExtraAsync(p, ct);
            await p.WriteFieldStopAsync(ct);
            await p.WriteStructEndAsync(ct);
        }

        await p.WriteListEndAsync(ct);
    }

    private static async Task I64Async(TProtocol p, short id, long value, CancellationToken ct)
    {
        await p.WriteFieldBeginAsync(new TField(null, TType.I64, id), ct);
        await p.WriteI64Async(value, ct);
        await p.WriteFieldEndAsync(ct);
    }

    private static async Task I32Async(TProtocol p, short id, int value, CancellationToken ct)
    {
        await p.WriteFieldBeginAsync(new TField(null, TType.I32, id), ct);
        await p.WriteI32Async(value, ct);
        await p.WriteFieldEndAsync(ct);
    }

    private static Task WriteExtraAsync(TProtocol p, CancellationToken ct) => ExtraFields is { } extra ? extra(p, ct) : Task.CompletedTask;

    // ---- Reading, with ApacheThrift's protocol and its TProtocolUtil.SkipAsync for unknown fields.

    public static async ValueTask<(TMessage Message, Batch Batch, List<long> ParentSpanIds)> ReadEmitBatchAsync(TProtocol p, CancellationToken ct)
    {
        var message = await p.ReadMessageBeginAsync(ct);
        await p.ReadStructBeginAsync(ct);
        Batch? batch = null;
        List<long>? parents = null;
        while (true)
        {
            var field = await p.ReadFieldBeginAsync(ct);
            if (field.Type == TType.Stop)
            {
                break;
            }

            if (field.ID == 1 && field.Type == TType.Struct)
            {
                (batch, parents) = await ReadBatchAsync(p, ct);
            }
            else
            {
                await TProtocolUtil.SkipAsync(p, field.Type, ct);
            }

            await p.ReadFieldEndAsync(ct);
        }

        await p.ReadStructEndAsync(ct);
        await p.ReadMessageEndAsync(ct);
        return (message, batch ?? throw new InvalidDataException("no batch"), parents!);
    }

    public static async ValueTask<(Batch Batch, List<long> ParentSpanIds)> ReadBatchAsync(TProtocol p, CancellationToken ct)
    {
        await p.ReadStructBeginAsync(ct);
        Process? process = null;
        var spans = new List<Span>();
        var parents = new List<long>();
        long? seqNo = null;
        ClientStats? stats = null;
        while (true)
        {
            var field = await p.ReadFieldBeginAsync(ct);
            if (field.Type == TType.Stop)
            {
                break;
            }

            switch (field.ID)
            {
                case 1:
                    process = await ReadProcessAsync(p, ct);
                    break;
                case 2:
                    var list = await p.ReadListBeginAsync(ct);
                    for (var i = 0; i < list.Count; i++)
                    {
                        var (span, parent) = await ReadSpanAsync(p, ct);
                        spans.Add(span);
                        parents.Add(parent);
                    }

                    await p.ReadListEndAsync(ct);
                    break;
                case 3:
                    seqNo = await p.ReadI64Async(ct);
                    break;
                case 4:
                    await p.ReadStructBeginAsync(ct);
                    long a = 0, b = 0, c = 0;
                    while (true)
                    {
                        var f = await p.ReadFieldBeginAsync(ct);
                        if (f.Type == TType.Stop)
                        {
                            break;
                        }

                        if (f.ID is < 1 or > 3)
                        {
                            await TProtocolUtil.SkipAsync(p, f.Type, ct);
                            await p.ReadFieldEndAsync(ct);
                            continue;
                        }

                        var v = await p.ReadI64Async(ct);
                        _ = f.ID switch { 1 => a = v, 2 => b = v, _ => c = v };
                        await p.ReadFieldEndAsync(ct);
                    }

                    await p.ReadStructEndAsync(ct);
                    stats = new ClientStats(a, b, c);
                    break;
                default:
                    await TProtocolUtil.SkipAsync(p, field.Type, ct);
                    break;
            }

            await p.ReadFieldEndAsync(ct);
        }

        await p.ReadStructEndAsync(ct);
        process ??= Process.Unknown;
        foreach (var span in spans)
        {
            span.Process = process;
        }

        return (new Batch(process, spans) { SeqNo = seqNo, Stats = stats }, parents);
    }

    private static async ValueTask<Process> ReadProcessAsync(TProtocol p, CancellationToken ct)
    {
        await p.ReadStructBeginAsync(ct);
        var name = string.Empty;
        var tags = ImmutableArray<KeyValue>.Empty;
        while (true)
        {
            var field = await p.ReadFieldBeginAsync(ct);
            if (field.Type == TType.Stop)
            {
                break;
            }

            switch (field.ID)
            {
                case 1:
                    name = await p.ReadStringAsync(ct);
                    break;
                case 2:
                    tags = await ReadTagsAsync(p, ct);
                    break;
                default:
                    await TProtocolUtil.SkipAsync(p, field.Type, ct);
                    break;
            }

            await p.ReadFieldEndAsync(ct);
        }

        await p.ReadStructEndAsync(ct);
        return new Process(name, tags);
    }

    private static async ValueTask<(Span Span, long ParentSpanId)> ReadSpanAsync(TProtocol p, CancellationToken ct)
    {
        await p.ReadStructBeginAsync(ct);
        var span = new Span();
        long low = 0, high = 0, parent = 0;
        while (true)
        {
            var field = await p.ReadFieldBeginAsync(ct);
            if (field.Type == TType.Stop)
            {
                break;
            }

            switch (field.ID)
            {
                case 1:
                    low = await p.ReadI64Async(ct);
                    break;
                case 2:
                    high = await p.ReadI64Async(ct);
                    break;
                case 3:
                    span.SpanId = new SpanId((ulong)await p.ReadI64Async(ct));
                    break;
                case 4:
                    parent = await p.ReadI64Async(ct);
                    break;
                case 5:
                    span.OperationName = await p.ReadStringAsync(ct);
                    break;
                case 6:
                    var list = await p.ReadListBeginAsync(ct);
                    var refs = ImmutableArray.CreateBuilder<SpanRef>(list.Count);
                    for (var i = 0; i < list.Count; i++)
                    {
                        await p.ReadStructBeginAsync(ct);
                        int refType = 0;
                        long rl = 0, rh = 0, rs = 0;
                        while (true)
                        {
                            var f = await p.ReadFieldBeginAsync(ct);
                            if (f.Type == TType.Stop)
                            {
                                break;
                            }

                            switch (f.ID)
                            {
                                case 1:
                                    refType = await p.ReadI32Async(ct);
                                    break;
                                case 2:
                                    rl = await p.ReadI64Async(ct);
                                    break;
                                case 3:
                                    rh = await p.ReadI64Async(ct);
                                    break;
                                case 4:
                                    rs = await p.ReadI64Async(ct);
                                    break;
                                default:
                                    await TProtocolUtil.SkipAsync(p, f.Type, ct);
                                    break;
                            }

                            await p.ReadFieldEndAsync(ct);
                        }

                        await p.ReadStructEndAsync(ct);
                        refs.Add(new SpanRef(new TraceId((ulong)rh, (ulong)rl), new SpanId((ulong)rs), (SpanRefType)refType));
                    }

                    await p.ReadListEndAsync(ct);
                    span.References = refs.MoveToImmutable();
                    break;
                case 7:
                    span.Flags = (SpanFlags)await p.ReadI32Async(ct);
                    break;
                case 8:
                    span.StartTimeMicros = await p.ReadI64Async(ct);
                    break;
                case 9:
                    span.DurationMicros = await p.ReadI64Async(ct);
                    break;
                case 10:
                    span.Tags = await ReadTagsAsync(p, ct);
                    break;
                case 11:
                    var logList = await p.ReadListBeginAsync(ct);
                    var logs = ImmutableArray.CreateBuilder<Log>(logList.Count);
                    for (var i = 0; i < logList.Count; i++)
                    {
                        await p.ReadStructBeginAsync(ct);
                        long timestamp = 0;
                        var fields = ImmutableArray<KeyValue>.Empty;
                        while (true)
                        {
                            var f = await p.ReadFieldBeginAsync(ct);
                            if (f.Type == TType.Stop)
                            {
                                break;
                            }

                            if (f.ID == 1)
                            {
                                timestamp = await p.ReadI64Async(ct);
                            }
                            else if (f.ID == 2)
                            {
                                fields = await ReadTagsAsync(p, ct);
                            }
                            else
                            {
                                await TProtocolUtil.SkipAsync(p, f.Type, ct);
                            }

                            await p.ReadFieldEndAsync(ct);
                        }

                        await p.ReadStructEndAsync(ct);
                        logs.Add(new Log(timestamp, fields));
                    }

                    await p.ReadListEndAsync(ct);
                    span.Logs = logs.MoveToImmutable();
                    break;
                default:
                    await TProtocolUtil.SkipAsync(p, field.Type, ct);
                    break;
            }

            await p.ReadFieldEndAsync(ct);
        }

        await p.ReadStructEndAsync(ct);
        span.TraceId = new TraceId((ulong)high, (ulong)low);
        return (span, parent);
    }

    private static async ValueTask<ImmutableArray<KeyValue>> ReadTagsAsync(TProtocol p, CancellationToken ct)
    {
        var list = await p.ReadListBeginAsync(ct);
        var tags = ImmutableArray.CreateBuilder<KeyValue>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            await p.ReadStructBeginAsync(ct);
            string key = string.Empty, str = string.Empty;
            int vType = 0;
            double d = 0;
            bool b = false;
            long l = 0;
            byte[] bin = [];
            while (true)
            {
                var f = await p.ReadFieldBeginAsync(ct);
                if (f.Type == TType.Stop)
                {
                    break;
                }

                switch (f.ID)
                {
                    case 1:
                        key = await p.ReadStringAsync(ct);
                        break;
                    case 2:
                        vType = await p.ReadI32Async(ct);
                        break;
                    case 3:
                        str = await p.ReadStringAsync(ct);
                        break;
                    case 4:
                        d = await p.ReadDoubleAsync(ct);
                        break;
                    case 5:
                        b = await p.ReadBoolAsync(ct);
                        break;
                    case 6:
                        l = await p.ReadI64Async(ct);
                        break;
                    case 7:
                        bin = await p.ReadBinaryAsync(ct);
                        break;
                    default:
                        await TProtocolUtil.SkipAsync(p, f.Type, ct);
                        break;
                }

                await p.ReadFieldEndAsync(ct);
            }

            await p.ReadStructEndAsync(ct);
            tags.Add(vType switch
            {
                0 => KeyValue.String(key, str),
                1 => KeyValue.Float64(key, d),
                2 => KeyValue.Bool(key, b),
                3 => KeyValue.Int64(key, l),
                4 => KeyValue.Binary(key, bin),
                _ => throw new InvalidDataException($"vType {vType}"),
            });
        }

        await p.ReadListEndAsync(ct);
        return tags.MoveToImmutable();
    }

    private static void Run(Func<CancellationToken, Task> action) => action(CancellationToken.None).GetAwaiter().GetResult();
}
