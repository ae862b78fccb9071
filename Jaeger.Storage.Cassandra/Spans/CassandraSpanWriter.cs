using System.Diagnostics.Metrics;
using Jaeger.Model;

namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>
/// Jaeger's span writer on Cassandra: per span the traces row, the service and operation names (once per cache
/// TTL), service and service+operation index rows, and, unless the span has the firehose flag, a tag index row per
/// unique indexable tag and two duration index rows (operation "" and the real one, bucket = start rounded to the
/// hour). The inserts are prepared once; a call encodes every statement of its spans into one pooled buffer
/// (<see cref="SpanStatementEncoder"/>), then sends them all at once, pipelined over the pool; the pool's bounded
/// stream ids make a call wait when the cluster is slow.
/// </summary>
internal sealed class CassandraSpanWriter : ISpanWriter
{
    private readonly CassandraStore _store;
    private readonly SpanStatementEncoder _encoder;
    private SpanInsertStatements? _statements;

    public CassandraSpanWriter(CassandraStore store, Meter? meter = null)
    {
        _store = store;
        var skipped = meter?.CreateCounter<long>("jaeger.storage.cassandra.tag_index_skipped", description: "Tags not indexed: too long, not UTF-8, or a JSON object (as Jaeger)");
        _encoder = new SpanStatementEncoder(store, skipped);
    }

    public async ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var statements = _statements ?? await PrepareAsync(cancellationToken).ConfigureAwait(false);
        using var encoded = new EncodedStatements();
        Encode(batches, _store.NowMicros(), statements, encoded);

        var pending = new Task[encoded.Count];
        for (var i = 0; i < pending.Length; i++)
        {
            pending[i] = SendAsync(encoded, i, cancellationToken);
        }

        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (Exception) when (Array.Find(pending, t => t.IsFaulted) is { } failed)
        {
            var first = failed.Exception!.InnerException!;
            throw first as StorageException ?? new StorageException("write_failed", first.Message, isTransient: true, first);
        }
    }

    /// <summary>Binds and encodes every statement of <paramref name="batches"/> into <paramref name="into"/>; nothing is sent. Names marked written by a call that fails here are forgotten again.</summary>
    internal void Encode(IReadOnlyList<Batch> batches, long timestamp, SpanInsertStatements statements, EncodedStatements into)
    {
        var first = into.Count;
        try
        {
            for (var b = 0; b < batches.Count; b++)
            {
                var spans = batches[b].Spans;
                for (var s = 0; s < spans.Count; s++)
                {
                    _encoder.Encode(spans[s], timestamp, statements, into);
                }
            }
        }
        catch
        {
            for (var i = first; i < into.Count; i++)
            {
                _encoder.Forget(into[i].Name);
            }

            throw;
        }
    }

    /// <summary>Jaeger's duration bucket: the span start rounded to the nearest hour, halfway rounding up.</summary>
    internal static DateTimeOffset DurationBucket(long startMicros) => DateTimeOffset.FromUnixTimeMilliseconds(DurationBucketMillis(startMicros));

    /// <summary><see cref="DurationBucket"/> in milliseconds since the epoch (the timestamp column's value).</summary>
    internal static long DurationBucketMillis(long startMicros)
    {
        const long hour = 3_600_000_000L;
        var floor = Math.DivRem(startMicros, hour, out var rest);
        if (rest < 0)
        {
            floor--;
            rest += hour;
        }

        return (floor + (rest * 2 >= hour ? 1 : 0)) * hour / 1000;
    }

    private async Task<SpanInsertStatements> PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            return _statements = await SpanInsertStatements.PrepareAsync(_store, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (CassandraStore.Translate(e) is { } storage)
        {
            throw storage;
        }
    }

    private async Task SendAsync(EncodedStatements encoded, int index, CancellationToken cancellationToken)
    {
        var statement = encoded[index];
        try
        {
            await _store.ExecuteEncodedAsync(statement.Statement, encoded.Parameters(index), statement.Token, cancellationToken).ConfigureAwait(false);
        }
        catch when (statement.Name.Service is not null)
        {
            _encoder.Forget(statement.Name);
            throw;
        }
    }
}
