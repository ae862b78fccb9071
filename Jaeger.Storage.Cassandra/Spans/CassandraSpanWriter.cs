using System.Diagnostics.Metrics;
using Jaeger.Model;

namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>
/// Jaeger's span writer on Cassandra: per span the traces row, the service and operation names (once per cache
/// TTL), service and service+operation index rows, and, unless the span has the firehose flag, a tag index row per
/// unique indexable tag and two duration index rows (operation "" and the real one, bucket = start rounded to the
/// hour). All statements of a call are prepared once and sent at once, pipelined over the pool; the pool's bounded
/// stream ids make a call wait when the cluster is slow.
/// </summary>
internal sealed class CassandraSpanWriter : ISpanWriter
{
    private const int MaxIndexedLength = 256;
    private readonly CassandraStore _store;
    private readonly HashSet<string>? _blacklist;
    private readonly HashSet<string>? _whitelist;
    private readonly Counter<long>? _tagIndexSkipped;

    public CassandraSpanWriter(CassandraStore store, Meter? meter = null)
    {
        _store = store;
        var index = store.Options.Index;
        _blacklist = Keys(index.TagBlacklist);
        _whitelist = Keys(index.TagWhitelist);
        _tagIndexSkipped = meter?.CreateCounter<long>("jaeger.storage.cassandra.tag_index_skipped", description: "Tags not indexed: too long, not UTF-8, or a JSON object (as Jaeger)");
    }

    public async ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var pending = new List<Task>();
        var timestamp = _store.NowMicros();
        foreach (var batch in batches)
        {
            foreach (var span in batch.Spans)
            {
                WriteSpan(span, timestamp, pending, cancellationToken);
            }
        }

        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (Exception) when (pending.Any(t => t.IsFaulted))
        {
            var first = pending.First(t => t.IsFaulted).Exception!.InnerException!;
            throw first as StorageException ?? new StorageException("write_failed", first.Message, isTransient: true, first);
        }
    }

    /// <summary>Tag index rows of a span as (key, value text), unique, after the tag filter and Jaeger's size and content rules.</summary>
    internal IEnumerable<(string Key, string Value)> TagIndexEntries(Span span)
    {
        var index = _store.Options.Index;
        var seen = new HashSet<(string, string)>();
        IEnumerable<KeyValue> Candidates()
        {
            if (index.ProcessTags)
            {
                foreach (var tag in span.Process.Tags.IsDefault ? [] : span.Process.Tags)
                {
                    yield return tag;
                }
            }

            if (index.Tags)
            {
                foreach (var tag in span.Tags)
                {
                    yield return tag;
                }
            }

            if (index.Logs)
            {
                foreach (var log in span.Logs)
                {
                    foreach (var field in log.Fields)
                    {
                        yield return field;
                    }
                }
            }
        }

        foreach (var tag in Candidates())
        {
            if (tag.Type == KeyValueType.Binary || (_blacklist?.Contains(tag.Key) ?? false) || (_whitelist is not null && !_whitelist.Contains(tag.Key)))
            {
                continue;
            }

            var value = SpanRows.TagValueText(tag);
            if (!seen.Add((tag.Key, value)))
            {
                continue;
            }

            if (!ShouldIndex(tag.Key, value))
            {
                _tagIndexSkipped?.Add(1);
                continue;
            }

            yield return (tag.Key, value);
        }
    }

    /// <summary>Jaeger's duration bucket: the span start rounded to the nearest hour, halfway rounding up.</summary>
    internal static DateTimeOffset DurationBucket(long startMicros)
    {
        const long hour = 3_600_000_000L;
        var floor = Math.DivRem(startMicros, hour, out var rest);
        if (rest < 0)
        {
            floor--;
            rest += hour;
        }

        var rounded = (floor + (rest * 2 >= hour ? 1 : 0)) * hour;
        return DateTimeOffset.FromUnixTimeMilliseconds(rounded / 1000);
    }

    private static bool ShouldIndex(string key, string value) =>
        System.Text.Encoding.UTF8.GetByteCount(key) < MaxIndexedLength
        && System.Text.Encoding.UTF8.GetByteCount(value) < MaxIndexedLength
        && !IsJsonObject(value);

    private static bool IsJsonObject(string value)
    {
        if (!value.StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(value);
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private void WriteSpan(Span span, long timestamp, List<Task> pending, CancellationToken cancellationToken)
    {
        var traceId = SpanRows.TraceIdBytes(span.TraceId);
        var spanHash = SpanRows.SpanHash(span);
        var service = span.Process.ServiceName;
        pending.Add(Execute(CassandraStatements.InsertSpan, _store.Rows.TraceRow(span, traceId, spanHash)));

        var serviceKey = "s|" + service;
        if (FirstWriteWithinTtl(serviceKey))
        {
            pending.Add(ForgetOnFailure(serviceKey, Execute(CassandraStatements.InsertServiceName, [service])));
        }

        var kind = span.SpanKind;
        var operationKey = $"o|{service}|{kind}|{span.OperationName}";
        if (FirstWriteWithinTtl(operationKey))
        {
            pending.Add(ForgetOnFailure(operationKey, Execute(CassandraStatements.InsertOperationName, [service, kind, span.OperationName])));
        }

        var bucket = (int)((ulong)spanHash % 10);
        pending.Add(Execute(CassandraStatements.InsertServiceNameIndex, [service, bucket, span.StartTimeMicros, traceId]));
        pending.Add(Execute(CassandraStatements.InsertServiceOperationIndex, [service, span.OperationName, span.StartTimeMicros, traceId]));

        if ((span.Flags & SpanFlags.Firehose) != 0)
        {
            return;
        }

        var spanId = unchecked((long)span.SpanId.Value);
        foreach (var (key, value) in TagIndexEntries(span))
        {
            pending.Add(Execute(CassandraStatements.InsertTagIndex, [traceId, spanId, service, span.StartTimeMicros, key, value]));
        }

        var hourBucket = DurationBucket(span.StartTimeMicros);
        pending.Add(Execute(CassandraStatements.InsertDurationIndex, [service, string.Empty, hourBucket, span.DurationMicros, span.StartTimeMicros, traceId]));
        pending.Add(Execute(CassandraStatements.InsertDurationIndex, [service, span.OperationName, hourBucket, span.DurationMicros, span.StartTimeMicros, traceId]));

        Task Execute(string query, object?[] values) => _store.ExecuteAsync(query, values, cancellationToken, timestamp: timestamp);
    }

    /// <summary>A name whose write failed is written again by the next span that carries it.</summary>
    private async Task ForgetOnFailure(string key, Task write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch
        {
            _store.WrittenNames.TryRemove(key, out _);
            throw;
        }
    }

    private bool FirstWriteWithinTtl(string key)
    {
        var now = _store.Time.GetTimestamp();
        var ttl = (long)(_store.Options.WriteCacheTtl.TotalSeconds * _store.Time.TimestampFrequency);
        if (_store.WrittenNames.TryGetValue(key, out var expires) && expires > now)
        {
            return false;
        }

        _store.WrittenNames[key] = now + ttl;
        return true;
    }

    private static HashSet<string>? Keys(string? list) =>
        string.IsNullOrWhiteSpace(list) ? null : new HashSet<string>(list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
}
