using Jaeger.Model;
using Jaeger.Thrift;

namespace Jaeger.Collector.Receivers;

/// <summary>Decodes the body of <c>POST /api/traces</c>: one jaeger.thrift Batch in the binary protocol (the decoder gives each span the batch's process).</summary>
internal static class ThriftBatchReader
{
    public static bool TryRead(ReadOnlySpan<byte> body, out Batch batch, out string error)
    {
        if (!JaegerThriftSerializer.TryReadBatch(body, ThriftProtocol.Binary, out var decoded, out var decodeError))
        {
            batch = null!;
            error = $"{decodeError.Kind}: {decodeError.Message}";
            return false;
        }

        batch = decoded;
        error = string.Empty;
        return true;
    }
}
