using System.Buffers.Binary;
using System.Globalization;
using Jaeger.Model;
using Jaeger.Storage.Embedded.Encoding;
using RocksDbSharp;

namespace Jaeger.Storage.Embedded;

/// <summary>Index entries, trace loads and searches.</summary>
public sealed partial class EmbeddedSpanStore : IProcessResolver
{
    /// <inheritdoc />
    Process IProcessResolver.Resolve(uint bucket, ulong hash)
    {
        if (_processCache.TryGetValue(hash, out var process))
        {
            return process;
        }

        Span<byte> key = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(key, bucket);
        key[4] = Keys.ProcessEntry;
        BinaryPrimitives.WriteUInt64BigEndian(key[5..], hash);
        var stored = Db.Db.Get(key, Db.Index);
        if (stored is null)
        {
            // The dictionary entry is written in the same batch as the span: missing only when the folder was damaged.
            return Process.Unknown;
        }

        process = SpanCodec.DecodeProcess(stored);
        if (_processCache.Count >= MaxProcessCache)
        {
            _processCache.Clear();
        }

        _processCache[hash] = process;
        return process;
    }

    /// <summary>The service and operation lists of a span's bucket, the first time the bucket sees them.</summary>
    private void WriteNameEntries(WriteBatch batch, RocksDbHandle db, ByteWriter key, uint bucket, Span span, string service, ref List<object>? marks)
    {
        if (Claim(_seenServices, (bucket, service), ref marks))
        {
            BeginKey(key, bucket, Keys.ServiceName, service);
            batch.Put(key.Written, ReadOnlySpan<byte>.Empty, db.Index);
        }

        var kind = span.SpanKind;
        var operation = span.OperationName;
        if (Claim(_seenOperations, (bucket, service, kind, operation), ref marks))
        {
            BeginKey(key, bucket, Keys.OperationName, service);
            key.WriteString(kind);
            key.WriteString(operation);
            batch.Put(key.Written, ReadOnlySpan<byte>.Empty, db.Index);
        }
    }

    /// <summary>
    /// The index entries of a run of one trace's spans in a batch (spans <paramref name="from"/> to <paramref name="to"/>,
    /// exclusive, starting from <paramref name="first"/> to <paramref name="last"/>): one entry per distinct service,
    /// operation, span tag or log field, and process tag, at the first start of the spans that have it, when the run is
    /// at most <see cref="Keys.MaxEntrySpreadMicros"/> wide; else the same per span. A run of ten spans writes about a
    /// fifth of the entries one per span and index would.
    /// </summary>
    private static void WriteRunEntries(WriteBatch batch, RocksDbHandle db, ByteWriter key, RunIndexer run, Process process, IList<Span> spans, int from, int to, long first, long last)
    {
        if (last - first <= Keys.MaxEntrySpreadMicros)
        {
            run.Reset();
            for (var i = from; i < to; i++)
            {
                run.AddSpan(spans[i], process);
            }

            run.Write(batch, db.Index, key, spans[from].TraceId);
            return;
        }

        for (var i = from; i < to; i++)
        {
            run.Reset();
            run.AddSpan(spans[i], process);
            run.Write(batch, db.Index, key, spans[i].TraceId);
        }
    }

    private static void BeginKey(ByteWriter key, uint bucket, byte kind, string service)
    {
        key.Reset();
        key.WriteUInt32BigEndian(bucket);
        key.WriteByte(kind);
        key.WriteString(service);
    }

    /// <summary>
    /// Collects the distinct index entries of a run of spans, each with the first and last start and the shortest and
    /// longest duration of the spans that have it; reused across runs.
    /// </summary>
    private sealed class RunIndexer : IDisposable
    {
        private readonly ByteWriter _bodies = new(1024);
        private readonly ByteWriter _scratch = new(256);
        private readonly List<Entry> _entries = [];
        private readonly Dictionary<ulong, int> _byHash = [];

        public void Reset()
        {
            _bodies.Reset();
            _entries.Clear();
            _byHash.Clear();
        }

        /// <summary>The span's service, operation, tags and log fields, and its process's tags.</summary>
        public void AddSpan(Span span, Process process)
        {
            var service = process.ServiceName;
            var start = span.StartTimeMicros;
            var duration = span.DurationMicros;
            Begin(Keys.ServiceIndex, service);
            Add(start, duration);

            Begin(Keys.OperationIndex, service);
            _scratch.WriteString(span.OperationName);
            Add(start, duration);

            AddTags(Keys.TagIndex, service, span.Tags, start, duration);
            foreach (var log in span.Logs)
            {
                AddTags(Keys.TagIndex, service, log.Fields, start, duration);
            }

            AddTags(Keys.ProcessTagIndex, service, process.Tags, start, duration);
        }

        /// <summary>Writes one key per collected entry: [bucket of its first start][body][suffix].</summary>
        public void Write(WriteBatch batch, ColumnFamilyHandle family, ByteWriter key, TraceId traceId)
        {
            var bodies = _bodies.Written;
            foreach (var entry in _entries)
            {
                key.Reset();
                key.WriteUInt32BigEndian(Keys.Bucket(entry.First));
                key.WriteBytes(bodies.Slice(entry.Offset, entry.Length));
                Keys.WriteEntrySuffix(key, entry.First, traceId, entry.Last - entry.First, entry.MinDuration, entry.MaxDuration);
                batch.Put(key.Written, ReadOnlySpan<byte>.Empty, family);
            }
        }

        public void Dispose()
        {
            _bodies.Dispose();
            _scratch.Dispose();
        }

        private void Begin(byte kind, string service)
        {
            _scratch.Reset();
            _scratch.WriteByte(kind);
            _scratch.WriteString(service);
        }

        private void AddTags(byte kind, string service, System.Collections.Immutable.ImmutableArray<KeyValue> tags, long start, long duration)
        {
            foreach (var tag in tags)
            {
                if (Keys.Utf8LengthAtMost(tag.Key, Keys.MaxIndexedTagBytes) < 0)
                {
                    continue;
                }

                Begin(kind, service);
                _scratch.WriteString(tag.Key);
                if (WriteTagText(_scratch, tag))
                {
                    Add(start, duration);
                }
            }
        }

        /// <summary>Adds the body in the scratch writer, or widens the entry that has the same body.</summary>
        private void Add(long start, long duration)
        {
            var body = _scratch.Written;
            var hash = SpanCodec.Hash64(body);
            var bodies = _bodies.Written;
            var head = _byHash.TryGetValue(hash, out var found) ? found : -1;
            for (var i = head; i >= 0; i = _entries[i].Next)
            {
                var entry = _entries[i];
                if (bodies.Slice(entry.Offset, entry.Length).SequenceEqual(body))
                {
                    _entries[i] = entry with
                    {
                        First = Math.Min(entry.First, start),
                        Last = Math.Max(entry.Last, start),
                        MinDuration = Math.Min(entry.MinDuration, duration),
                        MaxDuration = Math.Max(entry.MaxDuration, duration),
                    };
                    return;
                }
            }

            _byHash[hash] = _entries.Count;
            _entries.Add(new Entry(_bodies.Length, body.Length, start, start, duration, duration, head));
            _bodies.WriteBytes(body);
        }

        private readonly record struct Entry(int Offset, int Length, long First, long Last, long MinDuration, long MaxDuration, int Next);
    }

    /// <summary>The value as search text (as <see cref="KeyValue.ValueAsString"/>), length-prefixed; false when too long to index.</summary>
    private static bool WriteTagText(ByteWriter key, in KeyValue tag)
    {
        Span<byte> text = stackalloc byte[32];
        int length;
        switch (tag.Type)
        {
            case KeyValueType.String:
                var value = tag.StringValue;
                if (Keys.Utf8LengthAtMost(value, Keys.MaxIndexedTagBytes) < 0)
                {
                    return false;
                }

                key.WriteString(value);
                return true;
            case KeyValueType.Bool:
                key.WriteString(tag.BoolValue ? "true" : "false");
                return true;
            case KeyValueType.Int64:
                tag.Int64Value.TryFormat(text, out length, default, CultureInfo.InvariantCulture);
                break;
            case KeyValueType.Float64:
                if (!tag.Float64Value.TryFormat(text, out length, "R", CultureInfo.InvariantCulture))
                {
                    key.WriteString(tag.ValueAsString());
                    return true;
                }

                break;
            default:
                if (tag.BinaryValue.Length * 2 > Keys.MaxIndexedTagBytes)
                {
                    return false;
                }

                key.WriteString(tag.ValueAsString());
                return true;
        }

        key.WriteVarint((ulong)length);
        key.WriteBytes(text[..length]);
        return true;
    }

    /// <summary>Every span of a trace in the buckets from <paramref name="from"/> to <paramref name="to"/>; null when there is none. Call under the gate.</summary>
    private List<Span>? LoadSpans(TraceId traceId, uint from, uint to, IReadOnlyList<uint>? buckets = null)
    {
        List<Span>? spans = null;
        var db = Db;
        Iterator? iterator = null;
        try
        {
            foreach (var bucket in buckets ?? Buckets)
            {
                if (bucket < from || bucket > to)
                {
                    continue;
                }

                iterator ??= db.Db.NewIterator(db.Spans, _prefixRead);
                var prefix = Keys.TracePrefix(bucket, traceId);
                for (iterator.Seek(prefix); iterator.Valid(); iterator.Next())
                {
                    var key = iterator.GetKeySpan();
                    if (key.Length != Keys.SpanKeyLength || !key.StartsWith(prefix))
                    {
                        break;
                    }

                    (spans ??= []).Add(SpanCodec.DecodeSpan(key, iterator.GetValueSpan(), this));
                }
            }
        }
        finally
        {
            iterator?.Dispose();
        }

        return spans;
    }

    private void ReadServices(uint bucket, ICollection<string> services)
    {
        var prefix = Keys.RecordPrefix(bucket, Keys.ServiceName);
        using var iterator = Db.Db.NewIterator(Db.Index, _totalOrderRead);
        for (iterator.Seek(prefix); iterator.Valid(); iterator.Next())
        {
            var key = iterator.GetKeySpan();
            if (!key.StartsWith(prefix))
            {
                break;
            }

            var reader = new ByteReader(key[prefix.Length..]);
            services.Add(reader.ReadString());
        }
    }

    // Walks the chosen index of each bucket of the window, newest first, merging the streams of several services when
    // the query names none. Each new trace an entry names is loaded once and checked; a matching trace waits in
    // `pending` until no trace still unseen can start later (every unseen trace has a span at or before the current
    // entry, so its start is at or before it): the result is exact and newest first by trace start.
    private List<T> Find<T>(TraceQueryParameters query, Func<TraceId, List<Span>, T> select, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        SearchCapabilityCheck.ThrowIfUnsupported(query, Capabilities);
        query.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var matcher = new SpanMatcher(query);
        var limit = query.Limit;
        var results = new List<T>(Math.Min(limit, 256));
        var (kind, first, second) = (Keys.ServiceIndex, (string?)null, (string?)null);
        var seen = new HashSet<TraceId>();
        var pending = new PriorityQueue<(TraceId Id, List<Span> Spans), (long Start, TraceId Id)>(NewestFirst.Instance);
        var fromBucket = matcher.MinStart == long.MinValue ? 0 : Keys.Bucket(matcher.MinStart);
        var toBucket = matcher.MaxStart == long.MaxValue ? uint.MaxValue : Keys.Bucket(matcher.MaxStart);
        _gate.EnterReadLock();
        try
        {
            var db = Db;
            var buckets = Buckets;
            (kind, first, second) = ChooseIndex(matcher, db, buckets, fromBucket, toBucket);
            if (matcher.MinStart != long.MinValue)
            {
                // An entry stands at the first start of its spans: one for a span in the window may be up to the
                // widest spread before it.
                fromBucket = Keys.Bucket(SaturatingSubtract(matcher.MinStart, Keys.MaxEntrySpreadMicros));
            }

            var services = new List<string>();
            var streams = new List<IndexStream>();
            for (var b = buckets.Count - 1; b >= 0; b--)
            {
                var bucket = buckets[b];
                if (bucket < fromBucket || bucket > toBucket)
                {
                    continue;
                }

                cancellationToken.ThrowIfCancellationRequested();
                services.Clear();
                if (matcher.ServiceName is { } named)
                {
                    services.Add(named);
                }
                else
                {
                    ReadServices(bucket, services);
                }

                try
                {
                    foreach (var service in services)
                    {
                        AddStream(streams, new IndexStream(db, _totalOrderRead, Keys.RecordPrefix(bucket, kind, service, first, second), matcher));
                        if (kind == Keys.TagIndex)
                        {
                            // The tag may be a process tag.
                            AddStream(streams, new IndexStream(db, _totalOrderRead, Keys.RecordPrefix(bucket, Keys.ProcessTagIndex, service, first, second), matcher));
                        }
                    }

                    var walked = 0;
                    while (streams.Count > 0)
                    {
                        if ((++walked & 1023) == 0)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                        }

                        var at = 0;
                        for (var i = 1; i < streams.Count; i++)
                        {
                            if (streams[i].Start > streams[at].Start)
                            {
                                at = i;
                            }
                        }

                        var current = streams[at];
                        var (start, traceId) = (current.Start, current.TraceId);
                        current.MoveNext();
                        if (!current.Valid)
                        {
                            current.Dispose();
                            streams.RemoveAt(at);
                        }

                        if (Emit(pending, start, results, limit, select))
                        {
                            return results;
                        }

                        if (!seen.Add(traceId))
                        {
                            continue;
                        }

                        var spans = LoadSpans(traceId, 0, uint.MaxValue, buckets);
                        if (spans is not null && matcher.MatchesAnySpan(spans))
                        {
                            pending.Enqueue((traceId, spans), (TraceStart(spans), traceId));
                        }
                    }
                }
                finally
                {
                    foreach (var stream in streams)
                    {
                        stream.Dispose();
                    }

                    streams.Clear();
                }
            }

            Emit(pending, long.MinValue, results, limit, select);
            return results;
        }
        catch (RocksDbSharpException ex)
        {
            throw Failed(ex, "search", 0);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    private static void AddStream(List<IndexStream> streams, IndexStream stream)
    {
        if (stream.Valid)
        {
            streams.Add(stream);
        }
        else
        {
            stream.Dispose();
        }
    }

    private static long SaturatingSubtract(long value, long amount) => value < long.MinValue + amount ? long.MinValue : value - amount;

    /// <summary>Moves pending traces that start at or after <paramref name="start"/> to the results; true once the limit is reached.</summary>
    private static bool Emit<T>(PriorityQueue<(TraceId Id, List<Span> Spans), (long Start, TraceId Id)> pending, long start, List<T> results, int limit, Func<TraceId, List<Span>, T> select)
    {
        while (pending.TryPeek(out var trace, out var order) && order.Start >= start)
        {
            pending.Dequeue();
            results.Add(select(trace.Id, trace.Spans));
            if (results.Count >= limit)
            {
                return true;
            }
        }

        return false;
    }

    private static long TraceStart(List<Span> spans)
    {
        var min = long.MaxValue;
        foreach (var span in spans)
        {
            min = Math.Min(min, span.StartTimeMicros);
        }

        return min;
    }

    /// <summary>
    /// The narrowest index for the query: of the indexed tags and the operation, the one whose entries take the fewest
    /// bytes in the newest hours of the window (RocksDB's approximate sizes, memtables included), else the service.
    /// Without a service name the first indexed tag, else the operation, is taken unmeasured.
    /// </summary>
    private static (byte Kind, string? First, string? Second) ChooseIndex(SpanMatcher matcher, RocksDbHandle db, IReadOnlyList<uint> buckets, uint fromBucket, uint toBucket)
    {
        (byte Kind, string? First, string? Second)? best = null;
        var bestSize = ulong.MaxValue;
        var service = matcher.ServiceName;
        foreach (var (key, text) in matcher.Tags)
        {
            if (!Keys.IsIndexable(key, text))
            {
                continue;
            }

            if (service is null)
            {
                return (Keys.TagIndex, key, text);
            }

            var size = EstimateSize(db, buckets, fromBucket, toBucket, Keys.TagIndex, service, key, text) +
                EstimateSize(db, buckets, fromBucket, toBucket, Keys.ProcessTagIndex, service, key, text);
            if (best is null || size < bestSize)
            {
                (best, bestSize) = ((Keys.TagIndex, key, text), size);
            }
        }

        if (matcher.OperationName is { } operation)
        {
            if (best is null || service is null || EstimateSize(db, buckets, fromBucket, toBucket, Keys.OperationIndex, service, operation, null) < bestSize)
            {
                best = (Keys.OperationIndex, operation, null);
            }
        }

        return best ?? (Keys.ServiceIndex, null, null);
    }

    /// <summary>The approximate bytes of an index range in the two newest hours of the window.</summary>
    private static ulong EstimateSize(RocksDbHandle db, IReadOnlyList<uint> buckets, uint fromBucket, uint toBucket, byte kind, string service, string first, string? second)
    {
        ulong total = 0;
        var measured = 0;
        for (var b = buckets.Count - 1; b >= 0 && measured < 2; b--)
        {
            var bucket = buckets[b];
            if (bucket < fromBucket || bucket > toBucket)
            {
                continue;
            }

            measured++;
            var start = Keys.RecordPrefix(bucket, kind, service, first, second);
            total += ApproximateSize(db, start, Keys.PrefixEnd(start));
        }

        return total;
    }

    private static unsafe ulong ApproximateSize(RocksDbHandle db, byte[] start, byte[] limit)
    {
        const byte IncludeMemtablesAndFiles = 3;
        fixed (byte* startBytes = start, limitBytes = limit)
        {
            var startPointer = (IntPtr)startBytes;
            var limitPointer = (IntPtr)limitBytes;
            var startLength = (UIntPtr)start.Length;
            var limitLength = (UIntPtr)limit.Length;
            ulong size = 0;
            Native.Instance.rocksdb_approximate_sizes_cf_with_flags(
                db.Db.Handle, db.Index.Handle, 1, (IntPtr)(&startPointer), (IntPtr)(&startLength), (IntPtr)(&limitPointer), (IntPtr)(&limitLength), IncludeMemtablesAndFiles, (IntPtr)(&size), out var error);
            if (error != IntPtr.Zero)
            {
                // An estimate only: a failure leaves the choice to the order of preference.
                Native.Instance.rocksdb_free(error);
                return ulong.MaxValue / 4;
            }

            return size;
        }
    }

    private void AddBucket(uint bucket)
    {
        lock (_bucketsLock)
        {
            _buckets.Add(bucket);
        }
    }

    /// <summary>Finds the buckets that hold data by skipping from one bucket's first key to the next's.</summary>
    private void LoadBuckets()
    {
        var db = Db;
        foreach (var family in new[] { db.Spans, db.Index })
        {
            using var iterator = db.Db.NewIterator(family, _totalOrderRead);
            iterator.SeekToFirst();
            while (iterator.Valid())
            {
                var key = iterator.GetKeySpan();
                if (key.Length < 4)
                {
                    iterator.Next();
                    continue;
                }

                var bucket = BinaryPrimitives.ReadUInt32BigEndian(key);
                AddBucket(bucket);
                if (bucket == uint.MaxValue)
                {
                    break;
                }

                iterator.Seek(Keys.BucketStart(bucket + 1));
            }
        }
    }

    private void PutTimedRecord(byte kind, long micros, ReadOnlySpan<byte> value)
    {
        var bucket = Keys.Bucket(micros);
        Span<byte> key = stackalloc byte[21];
        BinaryPrimitives.WriteUInt32BigEndian(key, bucket);
        key[4] = kind;
        BinaryPrimitives.WriteUInt64BigEndian(key[5..], Keys.OrderedMicros(micros));
        BinaryPrimitives.WriteInt64BigEndian(key[13..], Random.Shared.NextInt64());
        _gate.EnterReadLock();
        try
        {
            AddBucket(bucket);
            Db.Db.Put(key, value, Db.Index, _writeOptions);
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

    /// <summary>Reads the records of one kind timestamped from <paramref name="from"/> to <paramref name="to"/>, both inclusive.</summary>
    private void ReadTimedRecords(byte kind, long from, long to, Action<long, byte[]> read)
    {
        if (from > to)
        {
            return;
        }

        _gate.EnterReadLock();
        try
        {
            var db = Db;
            var fromBucket = Keys.Bucket(from);
            var toBucket = Keys.Bucket(to);
            foreach (var bucket in Buckets)
            {
                if (bucket < fromBucket || bucket > toBucket)
                {
                    continue;
                }

                var prefix = Keys.RecordPrefix(bucket, kind);
                var seek = new byte[prefix.Length + 8];
                prefix.CopyTo(seek, 0);
                BinaryPrimitives.WriteUInt64BigEndian(seek.AsSpan(prefix.Length), Keys.OrderedMicros(from));
                using var iterator = db.Db.NewIterator(db.Index, _totalOrderRead);
                for (iterator.Seek(seek); iterator.Valid(); iterator.Next())
                {
                    var key = iterator.GetKeySpan();
                    if (!key.StartsWith(prefix) || key.Length < prefix.Length + 8)
                    {
                        break;
                    }

                    var micros = (long)(BinaryPrimitives.ReadUInt64BigEndian(key[prefix.Length..]) ^ 0x8000_0000_0000_0000UL);
                    if (micros > to)
                    {
                        break;
                    }

                    read(micros, iterator.Value());
                }
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
    }

    /// <summary>Newest first by trace start, then by trace id (descending), for a stable order of equal starts.</summary>
    private sealed class NewestFirst : IComparer<(long Start, TraceId Id)>
    {
        public static readonly NewestFirst Instance = new();

        public int Compare((long Start, TraceId Id) x, (long Start, TraceId Id) y)
        {
            var c = y.Start.CompareTo(x.Start);
            return c != 0 ? c : y.Id.CompareTo(x.Id);
        }
    }

    /// <summary>
    /// One index range, read newest first by the entries' first start: the entries under a prefix whose spans may match
    /// the query's window and durations (their starts overlap the window, their duration range meets the query's).
    /// </summary>
    private sealed class IndexStream : IDisposable
    {
        private readonly Iterator _iterator;
        private readonly byte[] _prefix;
        private readonly SpanMatcher _matcher;
        private readonly long _lowestFirst;

        public IndexStream(RocksDbHandle db, ReadOptions read, byte[] prefix, SpanMatcher matcher)
        {
            _prefix = prefix;
            _matcher = matcher;
            _lowestFirst = SaturatingSubtract(matcher.MinStart, Keys.MaxEntrySpreadMicros);
            var seek = new byte[prefix.Length + 8];
            prefix.CopyTo(seek, 0);
            BinaryPrimitives.WriteUInt64BigEndian(seek.AsSpan(prefix.Length), Keys.InvertStart(matcher.MaxStart));
            _iterator = db.Db.NewIterator(db.Index, read);
            _iterator.Seek(seek);
            Read();
        }

        public bool Valid { get; private set; }

        /// <summary>The first start of the spans the current entry stands for.</summary>
        public long Start { get; private set; }

        public TraceId TraceId { get; private set; }

        public void MoveNext()
        {
            _iterator.Next();
            Read();
        }

        public void Dispose() => _iterator.Dispose();

        private void Read()
        {
            for (; _iterator.Valid(); _iterator.Next())
            {
                var key = _iterator.GetKeySpan();
                if (!key.StartsWith(_prefix))
                {
                    break;
                }

                if (!Keys.TryReadEntrySuffix(key[_prefix.Length..], out var entry))
                {
                    continue;
                }

                if (entry.FirstMicros < _lowestFirst)
                {
                    break;
                }

                if (entry.LastMicros < _matcher.MinStart || entry.MaxDurationMicros < _matcher.MinDuration || entry.MinDurationMicros > _matcher.MaxDuration)
                {
                    continue;
                }

                (Start, TraceId, Valid) = (entry.FirstMicros, entry.TraceId, true);
                return;
            }

            Valid = false;
        }
    }
}
