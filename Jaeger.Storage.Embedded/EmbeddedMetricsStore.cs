using Jaeger.Storage.Embedded.Encoding;
using Jaeger.Storage.Metrics;
using RocksDbSharp;

namespace Jaeger.Storage.Embedded;

/// <summary>
/// The collector's per-minute RED aggregates, kept in the default column family under their own key prefix and
/// expired with the spans' <see cref="EmbeddedStorageOptions.Ttl"/>; read through <see cref="AggregateMetricsReader"/>.
/// </summary>
/// <remarks>
/// Key: <c>0x30</c>, the minute's UTC ticks (big-endian, so keys sort by minute), the service, the span kind and the
/// operation. Value: calls, errors, then the latency sketch (zero count, sum, and its non-empty buckets as index and
/// count), all varints. A write for a key already stored is merged into it (read, add, write, under one lock).
/// </remarks>
public sealed partial class EmbeddedSpanStore : IMetricsWriter, ISpanMetricsAggregateSource
{
    private const byte SpanMetricsPrefix = 0x30;
    private static readonly string[] SpanKindCodes = ["", "internal", "server", "client", "producer", "consumer"];
    private readonly Lock _spanMetricsLock = new();

    /// <inheritdoc />
    public ValueTask WriteMetricsAsync(IReadOnlyList<SpanMetricsAggregate> aggregates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(aggregates);
        cancellationToken.ThrowIfCancellationRequested();
        using var key = new ByteWriter(128);
        using var value = new ByteWriter(256);
        lock (_spanMetricsLock)
        {
            _gate.EnterReadLock();
            try
            {
                ThrowIfDisposed();
                var db = Db;
                using var batch = new WriteBatch();
                foreach (var aggregate in aggregates)
                {
                    ArgumentNullException.ThrowIfNull(aggregate, nameof(aggregates));
                    var kind = Array.IndexOf(SpanKindCodes, aggregate.SpanKind);
                    key.Reset();
                    MetricsKey(key, aggregate.Minute.UtcTicks);
                    key.WriteString(aggregate.Service);
                    key.WriteByte((byte)Math.Max(kind, 0));
                    key.WriteString(aggregate.Operation);
                    var merged = new SpanMetricsAggregate(aggregate.Service, aggregate.Operation, aggregate.SpanKind, aggregate.Minute);
                    merged.Merge(aggregate);
                    var stored = db.Db.Get(key.Written.ToArray(), db.Default);
                    if (stored is not null)
                    {
                        merged.Merge(DecodeMetrics(merged.Service, merged.Operation, merged.SpanKind, merged.Minute, stored));
                    }

                    value.Reset();
                    EncodeMetrics(value, merged);
                    batch.Put(key.Written, value.Written, db.Default);
                }

                if (_options.Ttl > TimeSpan.Zero)
                {
                    using var from = new ByteWriter(16);
                    using var to = new ByteWriter(16);
                    MetricsKey(from, 0);
                    MetricsKey(to, Math.Max(0, (_time.GetUtcNow() - _options.Ttl).UtcTicks));
                    batch.DeleteRange(from.Written.ToArray(), (ulong)from.Length, to.Written.ToArray(), (ulong)to.Length, db.Default);
                }

                db.Db.Write(batch, _writeOptions);
            }
            catch (RocksDbSharpException ex)
            {
                throw Failed(ex, "write", 0);
            }
            finally
            {
                _gate.ExitReadLock();
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SpanMetricsAggregate>> ReadAggregatesAsync(IReadOnlyList<string> services, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        cancellationToken.ThrowIfCancellationRequested();
        var wanted = new HashSet<string>(services, StringComparer.Ordinal);
        var result = new List<SpanMetricsAggregate>();
        var cutoff = _options.Ttl > TimeSpan.Zero ? _time.GetUtcNow() - _options.Ttl : DateTimeOffset.MinValue;
        using var start = new ByteWriter(16);
        MetricsKey(start, Math.Max(0, from.UtcTicks));
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            var db = Db;
            using var iterator = db.Db.NewIterator(db.Default, _totalOrderRead);
            iterator.Seek(start.Written.ToArray());
            while (iterator.Valid())
            {
                var key = new ByteReader(iterator.GetKeySpan());
                if (key.ReadByte() != SpanMetricsPrefix)
                {
                    break;
                }

                var minute = new DateTimeOffset((long)key.ReadUInt64BigEndian(), TimeSpan.Zero);
                if (minute >= to)
                {
                    break;
                }

                var service = key.ReadString();
                var kind = key.ReadByte();
                if (minute >= cutoff && wanted.Contains(service) && kind < SpanKindCodes.Length)
                {
                    result.Add(DecodeMetrics(service, key.ReadString(), SpanKindCodes[kind], minute, iterator.GetValueSpan()));
                }

                iterator.Next();
            }
        }
        catch (RocksDbSharpException ex)
        {
            throw Failed(ex, "read", 0);
        }
        finally
        {
            _gate.ExitReadLock();
        }

        return ValueTask.FromResult<IReadOnlyList<SpanMetricsAggregate>>(result);
    }

    /// <summary>The key range of span metrics, for purge.</summary>
    internal static (byte[] Start, byte[] End) SpanMetricsRange => ([SpanMetricsPrefix], [SpanMetricsPrefix + 1]);

    private static void MetricsKey(ByteWriter key, long ticks)
    {
        key.WriteByte(SpanMetricsPrefix);
        key.WriteUInt64BigEndian((ulong)ticks);
    }

    private static void EncodeMetrics(ByteWriter value, SpanMetricsAggregate aggregate)
    {
        value.WriteVarint((ulong)aggregate.Calls);
        value.WriteVarint((ulong)aggregate.Errors);
        var sketch = aggregate.Latency;
        value.WriteVarint((ulong)sketch.ZeroCount);
        value.WriteVarint((ulong)sketch.SumMicros);
        foreach (var (index, count) in sketch.Buckets())
        {
            value.WriteVarint((ulong)index);
            value.WriteVarint((ulong)count);
        }
    }

    private static SpanMetricsAggregate DecodeMetrics(string service, string operation, string kind, DateTimeOffset minute, ReadOnlySpan<byte> value)
    {
        var reader = new ByteReader(value);
        var calls = (long)reader.ReadVarint();
        var errors = (long)reader.ReadVarint();
        var zeros = (long)reader.ReadVarint();
        var sum = (long)reader.ReadVarint();
        var buckets = new List<KeyValuePair<int, long>>();
        while (!reader.AtEnd)
        {
            var index = (int)reader.ReadVarint();
            buckets.Add(new(index, (long)reader.ReadVarint()));
        }

        return new SpanMetricsAggregate(service, operation, kind, minute) { Calls = calls, Errors = errors, Latency = LatencySketch.FromBuckets(zeros, sum, buckets) };
    }
}
