using Jaeger.Model;
using Jaeger.Storage.Elasticsearch.Documents;
using Jaeger.Storage.Elasticsearch.Indices;

namespace Jaeger.Storage.Elasticsearch.Writing;

/// <summary>
/// Encodes spans as bulk items the way Jaeger's collector writes them: per span, the service document
/// (<c>{serviceName, operationName}</c> with its FNV-1a id, de-duplicated) to the service index of the span's start,
/// then the span document (no id) to the span index of its start. The archive encodes span documents only.
/// </summary>
/// <remarks>
/// The per-span path writes UTF-8 straight into the segment's buffer: no intermediate document objects, property
/// names as UTF-8 literals, index names cached per period (<see cref="IndexNames.WriteIndex"/>).
/// </remarks>
internal sealed class SpanBulkEncoder
{
    private readonly IndexNames _names;
    private readonly SpanDocument _document;
    private readonly ServiceOperationCache _services;

    public SpanBulkEncoder(IndexNames names, SpanDocument document, ServiceOperationCache services)
    {
        _names = names;
        _document = document;
        _services = services;
    }

    /// <summary>
    /// Encodes every span of <paramref name="batches"/> into a new segment. <paramref name="written"/> receives the
    /// service documents marked as written in the cache, so a failed write can forget them.
    /// </summary>
    public BulkSegment Encode(IReadOnlyList<Batch> batches, out List<(string Index, string Service, string Operation)>? written)
    {
        var segment = new BulkSegment();
        written = null;

        // Read once per call: the de-duplication's clock needs no finer grain than a write call.
        var now = _names.Archive ? 0 : _services.NowTicks();
        ServiceOperationCache.Operations? operations = null;
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            var process = batch.Process;
            var spans = batch.Spans;
            for (var i = 0; i < spans.Count; i++)
            {
                var span = spans[i];
                var start = span.StartTime;
                if (!_names.Archive)
                {
                    var serviceIndex = _names.WriteIndex(IndexKind.Service, start);
                    if (operations is null || operations.Index != serviceIndex || operations.Service != process.ServiceName)
                    {
                        // Once per batch mostly: its spans share the service and, but for a day's turn, the index.
                        operations = _services.For(serviceIndex, process.ServiceName);
                    }

                    if (_services.ShouldWrite(operations, span.OperationName, now, out var id))
                    {
                        (written ??= []).Add((serviceIndex, process.ServiceName, span.OperationName));
                        var w = segment.BeginItem(BulkItemKind.Service, serviceIndex, id);
                        w.WriteStartObject();
                        w.WriteString("serviceName"u8, process.ServiceName);
                        w.WriteString("operationName"u8, span.OperationName);
                        w.WriteEndObject();
                        segment.EndItem();
                    }
                }

                _document.Write(segment.BeginRawItem(BulkItemKind.Span, _names.WriteIndex(IndexKind.Span, start)), span, process);
                segment.EndRawItem();
            }
        }

        return segment;
    }
}
