using Jaeger.Model;
using Jaeger.Storage.Elasticsearch.Documents;
using Jaeger.Storage.Elasticsearch.Indices;

namespace Jaeger.Storage.Elasticsearch.Writing;

/// <summary>
/// Writes spans as Jaeger's collector does: per span, the service document (<c>{serviceName, operationName}</c> with
/// its FNV-1a id, de-duplicated) to the service index of the span's start, then the span document (no id) to the span
/// index of its start. The archive writes span documents only, to the archive index.
/// </summary>
internal sealed class ElasticsearchSpanWriter : ISpanWriter
{
    private readonly BulkIndexer _bulk;
    private readonly IndexNames _names;
    private readonly SpanDocument _document;
    private readonly ServiceOperationCache _services;

    public ElasticsearchSpanWriter(BulkIndexer bulk, IndexNames names, SpanDocument document, ServiceOperationCache services)
    {
        _bulk = bulk;
        _names = names;
        _document = document;
        _services = services;
    }

    public async ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var segment = new BulkSegment();
        List<(string Index, string Id)>? written = null;
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            var spans = batch.Spans;
            for (var i = 0; i < spans.Count; i++)
            {
                var span = spans[i];
                var process = batch.Process;
                var start = span.StartTime;
                if (!_names.Archive)
                {
                    var serviceIndex = _names.WriteIndex(IndexKind.Service, start);
                    var id = ServiceOperationCache.Id(process.ServiceName, span.OperationName);
                    if (_services.ShouldWrite(serviceIndex, id))
                    {
                        (written ??= []).Add((serviceIndex, id));
                        var w = segment.BeginItem(BulkItemKind.Service, serviceIndex, id);
                        w.WriteStartObject();
                        w.WriteString("serviceName"u8, process.ServiceName);
                        w.WriteString("operationName"u8, span.OperationName);
                        w.WriteEndObject();
                        segment.EndItem();
                    }
                }

                _document.Write(segment.BeginItem(BulkItemKind.Span, _names.WriteIndex(IndexKind.Span, start), null), span, process);
                segment.EndItem();
            }
        }

        try
        {
            await _bulk.SubmitAsync(segment, cancellationToken).ConfigureAwait(false);
        }
        catch when (written is not null)
        {
            // The pairs may not be stored: let the next span write them again.
            foreach (var (index, id) in written)
            {
                _services.Forget(index, id);
            }

            throw;
        }
    }
}
