using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Jaeger.Model;

namespace Jaeger.Thrift;

/// <summary>
/// Encodes and decodes jaeger.thrift batches and the agent's <c>emitBatch</c> message, in the Thrift binary and
/// compact protocols. Writers allocate nothing; readers treat their input as hostile and report failures as
/// <see cref="ThriftDecodeError"/> values instead of throwing.
/// </summary>
public static class JaegerThriftSerializer
{
    /// <summary>Writes a jaeger.thrift <c>Batch</c> struct (the body of an HTTP POST to /api/traces, binary protocol there).</summary>
    /// <param name="output">Receives the bytes.</param>
    /// <param name="batch">The batch; its <see cref="Batch.Process"/> is written once, each span's own process is ignored.</param>
    /// <param name="protocol">The Thrift protocol.</param>
    public static void WriteBatch(IBufferWriter<byte> output, Batch batch, ThriftProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(batch);
        var writer = new ThriftWriter(output, CheckProtocol(protocol));
        JaegerThriftEncoder.WriteBatch(ref writer, batch);
        writer.Flush();
    }

    /// <summary>Writes the oneway <c>Agent.emitBatch</c> message: the envelope, then the arguments struct holding the batch (what one UDP datagram holds).</summary>
    /// <param name="output">Receives the bytes.</param>
    /// <param name="batch">The batch.</param>
    /// <param name="protocol">Compact for UDP port 6831, binary for 6832.</param>
    /// <param name="sequenceId">The message sequence id.</param>
    public static void WriteEmitBatch(IBufferWriter<byte> output, Batch batch, ThriftProtocol protocol, int sequenceId = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(batch);
        var writer = new ThriftWriter(output, CheckProtocol(protocol));
        JaegerThriftEncoder.WriteEmitBatchMessage(ref writer, batch, sequenceId);
        writer.Flush();
    }

    /// <summary>The exact number of bytes <paramref name="span"/> takes as an element of a batch's span list.</summary>
    public static int GetSpanSize(Span span, ThriftProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(span);
        return JaegerThriftEncoder.SpanSize(span, CheckProtocol(protocol) == ThriftProtocol.Compact);
    }

    /// <summary>
    /// The exact size of the <c>emitBatch</c> message for <paramref name="batchWithoutSpans"/> minus its spans' own bytes:
    /// the envelope (sequence id 0), process, seqNo, stats and the span list header for the batch's current span count.
    /// A message then takes <c>GetEmitBatchOverhead + Σ GetSpanSize</c> bytes.
    /// </summary>
    /// <remarks>
    /// In the compact protocol two parts grow with their value: the span list header takes 1 byte for up to 14 spans,
    /// 2 bytes up to 127 and 3 bytes up to 16,383 (a varint count), and a sequence id of 128 or more, or negative,
    /// takes up to 4 bytes more than id 0. A caller packing a datagram from the overhead of an empty batch therefore
    /// keeps 6 bytes of slack, or calls again with the final batch (only its span count matters, not the spans).
    /// The binary protocol's headers have fixed widths, so there the sum is exact for any count and sequence id.
    /// </remarks>
    public static int GetEmitBatchOverhead(Batch batchWithoutSpans, ThriftProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(batchWithoutSpans);
        return JaegerThriftEncoder.EmitBatchOverhead(batchWithoutSpans, CheckProtocol(protocol) == ThriftProtocol.Compact);
    }

    /// <summary>Decodes a jaeger.thrift <c>Batch</c> struct. Bytes after the struct are ignored.</summary>
    /// <param name="input">The encoded batch.</param>
    /// <param name="protocol">The Thrift protocol.</param>
    /// <param name="batch">The batch; its spans share its <see cref="Batch.Process"/>. Null on failure.</param>
    /// <param name="error">Why decoding failed; default on success.</param>
    /// <param name="limits">Bounds for untrusted input; <see cref="ThriftReaderLimits.Default"/> when null.</param>
    /// <returns>True when the input held a valid batch.</returns>
    public static bool TryReadBatch(ReadOnlySpan<byte> input, ThriftProtocol protocol, [NotNullWhen(true)] out Batch? batch, out ThriftDecodeError error, ThriftReaderLimits? limits = null)
    {
        limits ??= ThriftReaderLimits.Default;
        if (!CheckInput(input, limits, out error))
        {
            batch = null;
            return false;
        }

        var reader = new ThriftReader(input, CheckProtocol(protocol), limits);
        var ok = JaegerThriftDecoder.ReadBatch(ref reader, out batch) && batch is not null;
        error = reader.Error;
        batch = ok ? batch : null;
        return ok;
    }

    /// <summary>Decodes an <c>Agent.emitBatch</c> message (oneway or call). Bytes after the message are ignored.</summary>
    /// <param name="input">The encoded message, for example one UDP datagram.</param>
    /// <param name="protocol">The Thrift protocol.</param>
    /// <param name="batch">The batch; its spans share its <see cref="Batch.Process"/>. Null on failure.</param>
    /// <param name="error">Why decoding failed; <see cref="ThriftDecodeErrorKind.UnexpectedMessage"/> for another method such as emitZipkinBatch.</param>
    /// <param name="limits">Bounds for untrusted input; <see cref="ThriftReaderLimits.Default"/> when null.</param>
    /// <returns>True when the input held a valid emitBatch message.</returns>
    public static bool TryReadEmitBatch(ReadOnlySpan<byte> input, ThriftProtocol protocol, [NotNullWhen(true)] out Batch? batch, out ThriftDecodeError error, ThriftReaderLimits? limits = null)
    {
        limits ??= ThriftReaderLimits.Default;
        if (!CheckInput(input, limits, out error))
        {
            batch = null;
            return false;
        }

        var reader = new ThriftReader(input, CheckProtocol(protocol), limits);
        var ok = JaegerThriftDecoder.ReadEmitBatchMessage(ref reader, out batch) && batch is not null;
        error = reader.Error;
        batch = ok ? batch : null;
        return ok;
    }

    private static bool CheckInput(ReadOnlySpan<byte> input, ThriftReaderLimits limits, out ThriftDecodeError error)
    {
        if (input.Length > limits.MaxInputLength)
        {
            error = new ThriftDecodeError(ThriftDecodeErrorKind.LimitExceeded, $"input of {input.Length} bytes exceeds the limit of {limits.MaxInputLength}");
            return false;
        }

        error = default;
        return true;
    }

    private static ThriftProtocol CheckProtocol(ThriftProtocol protocol) =>
        protocol is ThriftProtocol.Binary or ThriftProtocol.Compact
            ? protocol
            : throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Unknown Thrift protocol.");
}
