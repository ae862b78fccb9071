using Jaeger.Model;
using Jaeger.Storage.Embedded.Encoding;
using Microsoft.Extensions.Logging;
using RocksDbSharp;

namespace Jaeger.Storage.Embedded;

/// <summary>Retention: whole hours go when they expire or when the folder is over its budget, oldest first.</summary>
public sealed partial class EmbeddedSpanStore
{
    /// <summary>
    /// Removes the hours older than <see cref="EmbeddedStorageOptions.Ttl"/>, then the oldest hours while the folder
    /// holds more than <see cref="EmbeddedStorageOptions.MaxDiskBytes"/> (never the newest hour). Each removal is a
    /// DeleteRange followed by a CompactRange of that range, so the space comes back at once.
    /// </summary>
    /// <returns>The hours removed.</returns>
    internal int RunRetention()
    {
        lock (_retentionLock)
        {
            if (_disposed)
            {
                return 0;
            }

            var removed = 0;
            if (_options.Ttl > TimeSpan.Zero)
            {
                var cutoff = Time.ToUnixMicros(_time.GetUtcNow()) - Time.ToMicros(_options.Ttl);
                var cutoffBucket = Keys.Bucket(cutoff);

                // Hours before the cutoff's hour ended before the cutoff.
                if (cutoffBucket > 0)
                {
                    var lastExpired = cutoffBucket - 1;
                    var buckets = Buckets;
                    var expired = 0;
                    while (expired < buckets.Count && buckets[expired] <= lastExpired)
                    {
                        expired++;
                    }

                    if (expired > 0)
                    {
                        DeleteBuckets(buckets[0], lastExpired);
                        removed += expired;
                        LogExpired(_logger, expired, DataPath, _options.Ttl);
                    }
                }
            }

            if (_options.MaxDiskBytes > 0)
            {
                var size = DiskBytes();
                while (size > _options.MaxDiskBytes)
                {
                    var buckets = Buckets;
                    if (buckets.Count <= 1)
                    {
                        LogOverBudget(_logger, DataPath, size, _options.MaxDiskBytes);
                        break;
                    }

                    DeleteBuckets(buckets[0], buckets[0]);
                    removed++;
                    var after = DiskBytes();
                    LogBudgetRemoval(_logger, DataPath, size, after, _options.MaxDiskBytes);
                    size = after;
                }
            }

            if (removed > 0)
            {
                _metrics.HoursRemoved.Add(removed);
            }

            return removed;
        }
    }

    private void RetentionTick()
    {
        try
        {
            RunRetention();
        }
        catch (ObjectDisposedException)
        {
            // Closed while the timer fired.
        }
        catch (Exception ex) when (ex is StorageException or RocksDbSharpException or IOException)
        {
            LogRetentionFailed(_logger, DataPath, ex);
        }
    }

    /// <summary>Deletes the buckets from <paramref name="from"/> to <paramref name="to"/> (inclusive) and compacts their range.</summary>
    private void DeleteBuckets(uint from, uint to)
    {
        var start = Keys.BucketStart(from);
        var end = Keys.AfterBucket(to);
        _gate.EnterWriteLock();
        try
        {
            var db = Db;
            using (var batch = new WriteBatch())
            {
                batch.DeleteRange(start, (ulong)start.Length, end, (ulong)end.Length, db.Spans);
                batch.DeleteRange(start, (ulong)start.Length, end, (ulong)end.Length, db.Index);
                db.Db.Write(batch, _writeOptions);
            }

            lock (_bucketsLock)
            {
                _buckets.RemoveWhere(b => b >= from && b <= to);
            }

            foreach (var key in _seenServices.Keys)
            {
                if (key.Bucket >= from && key.Bucket <= to)
                {
                    _seenServices.TryRemove(key, out _);
                }
            }

            foreach (var key in _seenOperations.Keys)
            {
                if (key.Bucket >= from && key.Bucket <= to)
                {
                    _seenOperations.TryRemove(key, out _);
                }
            }

            foreach (var key in _seenProcesses.Keys)
            {
                if (key.Bucket >= from && key.Bucket <= to)
                {
                    _seenProcesses.TryRemove(key, out _);
                }
            }
        }
        catch (RocksDbSharpException ex)
        {
            throw Failed(ex, "retention", 0);
        }
        finally
        {
            _gate.ExitWriteLock();
        }

        // Compaction drops the deleted range's files; reads and writes go on meanwhile.
        _gate.EnterReadLock();
        try
        {
            var db = Db;
            db.Db.CompactRange(start, end, db.Spans);
            db.Db.CompactRange(start, end, db.Index);
        }
        catch (RocksDbSharpException ex)
        {
            throw Failed(ex, "retention", 0);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Embedded store: removed {Hours} hours older than the TTL {Ttl} from {Path}.")]
    private static partial void LogExpired(ILogger logger, int hours, string path, TimeSpan ttl);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Embedded store: removed the oldest hour from {Path} to stay within its disk budget ({Before} -> {After} bytes, budget {Budget}).")]
    private static partial void LogBudgetRemoval(ILogger logger, string path, long before, long after, long budget);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Embedded store: {Path} holds {Size} bytes, over its budget of {Budget}, with only the newest hour left; raise Jaeger:Storage:Embedded:MaxDiskBytes.")]
    private static partial void LogOverBudget(ILogger logger, string path, long size, long budget);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Embedded store: retention failed in {Path}; it runs again at the next interval.")]
    private static partial void LogRetentionFailed(ILogger logger, string path, Exception exception);
}
