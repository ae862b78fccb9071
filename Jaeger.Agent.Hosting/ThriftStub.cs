// TEMPORARY: stands in for the codec helper's Jaeger.Thrift API until wip/codec is merged; deleted on merge.
using System.Buffers;
using Jaeger.Model;

namespace Jaeger.Thrift;

internal enum ThriftProtocol { Binary, Compact }

internal enum ThriftDecodeErrorKind { None, Truncated, InvalidLength, LimitExceeded, DepthExceeded, InvalidType, MissingRequiredField, UnexpectedMessage, InvalidData }

internal readonly record struct ThriftDecodeError(ThriftDecodeErrorKind Kind, string Message);

internal sealed class ThriftReaderLimits;

internal static class JaegerThriftSerializer
{
    public static void WriteBatch(IBufferWriter<byte> output, Batch batch, ThriftProtocol protocol) => throw new NotSupportedException();

    public static bool TryReadEmitBatch(ReadOnlySpan<byte> input, ThriftProtocol protocol, out Batch? batch, out ThriftDecodeError error, ThriftReaderLimits? limits = null) =>
        throw new NotSupportedException();

    public static bool TryReadBatch(ReadOnlySpan<byte> input, ThriftProtocol protocol, out Batch? batch, out ThriftDecodeError error, ThriftReaderLimits? limits = null) =>
        throw new NotSupportedException();
}
