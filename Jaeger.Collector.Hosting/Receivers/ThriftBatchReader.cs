using Jaeger.Model;
using Jaeger.Thrift;

namespace Jaeger.Collector.Receivers;

/// <summary>Decodes the body of <c>POST /api/traces</c>: one jaeger.thrift Batch in the binary protocol.</summary>
internal static class ThriftBatchReader
{
    public static bool TryRead(ReadOnlySpan<byte> body, out List<Span> spans, out string error)
    {
        if (!JaegerThriftSerializer.TryReadBatch(body, ThriftProtocol.Binary, out var batch, out var decodeError))
        {
            spans = [];
            error = $"{decodeError.Kind}: {decodeError.Message}";
            return false;
        }

        spans = batch.Spans as List<Span> ?? [.. batch.Spans];
        foreach (var span in spans)
        {
            if (ReferenceEquals(span.Process, Process.Unknown))
            {
                span.Process = batch.Process;
            }
        }

        error = string.Empty;
        return true;
    }
}
