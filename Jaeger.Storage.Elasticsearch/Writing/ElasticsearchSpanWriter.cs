using Jaeger.Model;

namespace Jaeger.Storage.Elasticsearch.Writing;

/// <summary>
/// Writes spans as Jaeger's collector does (see <see cref="SpanBulkEncoder"/>), through the bulk indexer.
/// </summary>
internal sealed class ElasticsearchSpanWriter : ISpanWriter
{
    private readonly BulkIndexer _bulk;
    private readonly SpanBulkEncoder _encoder;
    private readonly ServiceOperationCache _services;

    public ElasticsearchSpanWriter(BulkIndexer bulk, SpanBulkEncoder encoder, ServiceOperationCache services)
    {
        _bulk = bulk;
        _encoder = encoder;
        _services = services;
    }

    public async ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var segment = _encoder.Encode(batches, out var written);
        try
        {
            await _bulk.SubmitAsync(segment, cancellationToken).ConfigureAwait(false);
        }
        catch when (written is not null)
        {
            // The pairs may not be stored: let the next span write them again.
            foreach (var (index, service, operation) in written)
            {
                _services.Forget(index, service, operation);
            }

            throw;
        }
        finally
        {
            segment.ReleaseIfSettled();
        }
    }
}
