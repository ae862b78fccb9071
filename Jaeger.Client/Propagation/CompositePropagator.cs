using System.Buffers.Binary;
using System.Text;
using Jaeger.Client.Diagnostics;
using Jaeger.Model;

namespace Jaeger.Client.Propagation;

/// <summary>Injects with every propagator; extracts with the first that finds a valid context.</summary>
internal sealed class CompositePropagator(IReadOnlyList<ITextMapPropagator> propagators) : ITextMapPropagator
{
    public IReadOnlyList<ITextMapPropagator> Propagators => propagators;

    public void Inject(JaegerSpanContext context, ITextMap carrier)
    {
        foreach (var propagator in propagators)
        {
            propagator.Inject(context, carrier);
        }
    }

    public JaegerSpanContext? Extract(ITextMap carrier)
    {
        // A context with a trace wins; one that only carries a debug id or baggage is kept in case none comes.
        JaegerSpanContext? containerOnly = null;
        foreach (var propagator in propagators)
        {
            var context = propagator.Extract(carrier);
            if (context is null)
            {
                continue;
            }

            if (!context.TraceId.IsEmpty)
            {
                return context;
            }

            containerOnly ??= context;
        }

        return containerOnly;
    }
}

/// <summary>Jaeger's binary layout (as the Go and Java clients): trace id (16 bytes big-endian, high then low), span id, parent id, flags byte, int32 baggage count, then int32-length-prefixed UTF-8 keys and values.</summary>
internal sealed class BinaryPropagator(ClientMetrics metrics) : IBinaryPropagator
{
    private const int MaxBaggageItems = 1024;

    public void Inject(JaegerSpanContext context, IBinary carrier)
    {
        var stream = new MemoryStream();
        Span<byte> header = stackalloc byte[16 + 8 + 8 + 1 + 4];
        context.TraceId.WriteBytes(header);
        context.SpanId.WriteBytes(header[16..]);
        context.ParentId.WriteBytes(header[24..]);
        header[32] = (byte)context.Flags;
        BinaryPrimitives.WriteInt32BigEndian(header[33..], context.BaggageArray.Length);
        stream.Write(header);
        foreach (var (key, value) in context.BaggageArray)
        {
            WriteString(stream, key);
            WriteString(stream, value);
        }

        stream.Position = 0;
        carrier.Set(stream);
    }

    private static void WriteString(MemoryStream stream, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }

    public JaegerSpanContext? Extract(IBinary carrier)
    {
        var stream = carrier.Get();
        if (stream is null || stream.Length == 0)
        {
            return null;
        }

        var data = stream.ToArray().AsSpan();
        if (data.Length < 37)
        {
            metrics.DecodingError("binary");
            return null;
        }

        TraceId.TryReadBytes(data[..16], out var traceId);
        SpanId.TryReadBytes(data.Slice(16, 8), out var spanId);
        SpanId.TryReadBytes(data.Slice(24, 8), out var parentId);
        var flags = (SpanFlags)(data[32] & 0x3);
        var count = BinaryPrimitives.ReadInt32BigEndian(data[33..]);
        if (traceId.IsEmpty || spanId.IsEmpty || count < 0 || count > MaxBaggageItems)
        {
            metrics.DecodingError("binary");
            return null;
        }

        var rest = data[37..];
        var baggage = JaegerSpanContext.NoBaggage;
        for (var i = 0; i < count; i++)
        {
            if (!TryReadString(ref rest, out var key) || !TryReadString(ref rest, out var value))
            {
                metrics.DecodingError("binary");
                return null;
            }

            baggage = Baggage.With(baggage, key, value);
        }

        return new JaegerSpanContext(traceId, spanId, parentId, flags, baggage, null, null);
    }

    private static bool TryReadString(ref Span<byte> data, out string value)
    {
        value = string.Empty;
        if (data.Length < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(data);
        if (length < 0 || length > data.Length - 4)
        {
            return false;
        }

        value = Encoding.UTF8.GetString(data.Slice(4, length));
        data = data[(4 + length)..];
        return true;
    }
}
