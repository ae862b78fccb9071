using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Jaeger.Model;
using Jaeger.Storage.Embedded.Encoding;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RocksDbSharp;

namespace Jaeger.Storage.Embedded;

/// <summary>
/// Spans, traces, dependency links and adaptive-sampling records on local disk, in a RocksDB database: the
/// persistent store of a single node (the role Badger plays in Jaeger), and the all-in-one's default.
/// </summary>
/// <remarks>
/// <para>
/// Every key starts with the hour of its start time (a bucket), so a trace in an hour is one range read, retention
/// drops whole hours (DeleteRange, then CompactRange gives the disk space back), and searches walk key-only index
/// entries newest first: by service, by service and operation, and by service and tag (span tags, process tags and
/// log fields). A search never scans spans: it walks the narrowest index in its time window and loads only the
/// traces its entries name, to check Jaeger's rule (one span meets every condition) and to order them by trace start.
/// </para>
/// <para>
/// Durability: each <see cref="WriteAsync"/> call is one atomic RocksDB write batch, appended to the write-ahead log
/// before the call returns. With <see cref="EmbeddedStorageOptions.SyncWrites"/> off (the default) the log reaches
/// the operating system, not the disk: a killed process loses nothing, a power loss may lose the last writes.
/// </para>
/// <para>One process at a time: RocksDB locks the folder, and a second opener gets a <see cref="StorageException"/> naming the holder.</para>
/// </remarks>
public sealed partial class EmbeddedSpanStore : ISpanWriter, ISpanReader, IDependencyReader, IDependencyWriter, ISamplingStore, ILeaseStore, IStorageMaintenance, IDisposable
{
    private const int MaxProcessCache = 10_000;
    private const byte Pending = 0;
    private const byte Confirmed = 1;

    private static readonly byte[] KeySpaceStart = [0x00];
    private static readonly byte[] KeySpaceEnd = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

    // Reads and writes share the gate; purge, retention's deletes, reopening and disposing take it alone.
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.NoRecursion);
    private readonly EmbeddedStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EmbeddedStorageMetrics _metrics;
    private readonly WriteOptions _writeOptions;
    private readonly ReadOptions _prefixRead;
    private readonly ReadOptions _totalOrderRead;
    private readonly SortedSet<uint> _buckets = [];
    private readonly Lock _bucketsLock = new();
    private readonly ConcurrentDictionary<(uint Bucket, string Service), byte> _seenServices = new();
    private readonly ConcurrentDictionary<(uint Bucket, string Service, string Kind, string Operation), byte> _seenOperations = new();
    private readonly ConcurrentDictionary<(uint Bucket, ulong Hash), byte> _seenProcesses = new();
    private readonly ConcurrentDictionary<ulong, Process> _processCache = new();
    private readonly Lock _leaseLock = new();
    private readonly Dictionary<string, (string Owner, DateTimeOffset Expires)> _leases = new(StringComparer.Ordinal);
    private readonly ITimer? _retentionTimer;
    private readonly Lock _retentionLock = new();
    private RocksDbHandle? _db;
    private volatile bool _needsReopen;
    private bool _disposed;

    /// <summary>Opens (or creates) the store in <see cref="EmbeddedStorageOptions.Path"/>.</summary>
    /// <param name="options">The settings, copied now; null for the defaults.</param>
    /// <param name="meterFactory">Creates the <c>Jaeger.Storage.Embedded</c> meter; null to create it directly.</param>
    /// <param name="time">The clock of retention, sampling records and leases; null for the system clock.</param>
    /// <param name="logger">Logs opening, retention and write failures; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="StorageException">The folder is held by another process, foreign, damaged, or cannot be created.</exception>
    public EmbeddedSpanStore(EmbeddedStorageOptions? options = null, IMeterFactory? meterFactory = null, TimeProvider? time = null, ILogger<EmbeddedSpanStore>? logger = null)
        : this(options, meterFactory, time, logger, EmbeddedStorageOptions.DefaultPath, startRetention: true)
    {
    }

    internal EmbeddedSpanStore(EmbeddedStorageOptions? options, IMeterFactory? meterFactory, TimeProvider? time, ILogger? logger, string defaultPath, bool startRetention)
    {
        _options = (options ?? new EmbeddedStorageOptions()).Clone();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        DataPath = Path.GetFullPath(string.IsNullOrWhiteSpace(_options.Path) ? defaultPath : _options.Path);
        _writeOptions = new WriteOptions().SetSync(_options.SyncWrites);
        _prefixRead = new ReadOptions().SetPrefixSameAsStart(true);
        _totalOrderRead = new ReadOptions().SetTotalOrderSeek(true);
        _db = Open(DataPath, _options);
        try
        {
            LoadBuckets();
        }
        catch
        {
            _db.Dispose();
            throw;
        }

        _metrics = new EmbeddedStorageMetrics(meterFactory, this);
        LogOpened(_logger, DataPath, _buckets.Count);
        if (startRetention)
        {
            _retentionTimer = _time.CreateTimer(static state => ((EmbeddedSpanStore)state!).RetentionTick(), this, TimeSpan.Zero, _options.RetentionInterval);
        }
    }

    /// <summary>The data folder, as a full path.</summary>
    public string DataPath { get; }

    /// <inheritdoc />
    public SearchCapabilities Capabilities => SearchCapabilities.All | SearchCapabilities.Filter;

    /// <inheritdoc />
    public StorageRetention Retention => new(
        MaxAge: _options.Ttl > TimeSpan.Zero ? _options.Ttl : null,
        MaxBytes: _options.MaxDiskBytes > 0 ? _options.MaxDiskBytes : null);

    /// <summary>The hours (buckets) that hold data now, oldest first.</summary>
    internal IReadOnlyList<uint> Buckets
    {
        get
        {
            lock (_bucketsLock)
            {
                return [.. _buckets];
            }
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        cancellationToken.ThrowIfCancellationRequested();
        var spanCount = batches.CheckedSpanCount();

        if (spanCount == 0)
        {
            return ValueTask.CompletedTask;
        }

        ReopenIfNeeded(spanCount);

        // Marks of lists and dictionary entries this call adds; taken back when the write fails.
        List<object>? marks = null;
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            var db = Db;
            using var writeBatch = new WriteBatch();
            using var key = new ByteWriter(128);
            using var value = new ByteWriter(1024);
            using var processBytes = new ByteWriter(256);
            using var run = new RunIndexer();
            var lastBucket = uint.MaxValue;
            var anyBucket = false;
            for (var b = 0; b < batches.Count; b++)
            {
                var batch = batches[b];
                var process = batch.Process;
                processBytes.Reset();
                SpanCodec.EncodeProcess(processBytes, process);
                var processHash = SpanCodec.Hash64(processBytes.Written);
                var spans = batch.Spans;
                var runFrom = 0;
                long runFirst = 0, runLast = 0;
                for (var i = 0; i < spans.Count; i++)
                {
                    var span = spans[i];

                    // A run of consecutive spans of one trace shares its index entries.
                    if (i == 0 || span.TraceId != spans[i - 1].TraceId)
                    {
                        if (i > 0)
                        {
                            WriteRunEntries(writeBatch, db, key, run, process, spans, runFrom, i, runFirst, runLast);
                        }

                        (runFrom, runFirst, runLast) = (i, span.StartTimeMicros, span.StartTimeMicros);
                    }
                    else
                    {
                        runFirst = Math.Min(runFirst, span.StartTimeMicros);
                        runLast = Math.Max(runLast, span.StartTimeMicros);
                    }

                    var bucket = Keys.Bucket(span.StartTimeMicros);
                    if (!anyBucket || bucket != lastBucket)
                    {
                        lastBucket = bucket;
                        anyBucket = true;
                        AddBucket(bucket);
                    }

                    if (Claim(_seenProcesses, (bucket, processHash), ref marks))
                    {
                        key.Reset();
                        key.WriteUInt32BigEndian(bucket);
                        key.WriteByte(Keys.ProcessEntry);
                        key.WriteUInt64BigEndian(processHash);
                        writeBatch.Put(key.Written, processBytes.Written, db.Index);
                    }

                    value.Reset();
                    SpanCodec.EncodeSpan(value, span, processHash, Keys.BucketStartMicros(bucket));
                    key.Reset();
                    key.WriteUInt32BigEndian(bucket);
                    Keys.WriteTraceId(key, span.TraceId);
                    key.WriteUInt64BigEndian(span.SpanId.Value);
                    key.WriteUInt32BigEndian(SpanCodec.Hash32(value.Written));
                    writeBatch.Put(key.Written, value.Written, db.Spans);

                    WriteNameEntries(writeBatch, db, key, bucket, span, process.ServiceName, ref marks);
                }

                if (spans.Count > 0)
                {
                    WriteRunEntries(writeBatch, db, key, run, process, spans, runFrom, spans.Count, runFirst, runLast);
                }
            }

            db.Db.Write(writeBatch, _writeOptions);
        }
        catch (RocksDbSharpException ex)
        {
            TakeBack(marks);
            throw Failed(ex, "write", spanCount);
        }
        catch
        {
            TakeBack(marks);
            throw;
        }
        finally
        {
            _gate.ExitReadLock();
        }

        Confirm(marks);
        _metrics.SpansStored.Add(spanCount);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<Trace?> GetTraceAsync(TraceGetParameters query, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var from = query.StartTime is { } start ? Keys.Bucket(Time.ToUnixMicros(start)) : 0;
        var to = query.EndTime is { } end ? Keys.Bucket(Time.ToUnixMicros(end)) : uint.MaxValue;
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            var spans = LoadSpans(query.TraceId, from, to);
            return new ValueTask<Trace?>(spans is null ? null : new Trace(spans));
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

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var services = new SortedSet<string>(StringComparer.Ordinal);
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            foreach (var bucket in Buckets)
            {
                ReadServices(bucket, services);
            }
        }
        finally
        {
            _gate.ExitReadLock();
        }

        return new ValueTask<IReadOnlyList<string>>([.. services]);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default)
    {
        query.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var kind = query.SpanKindFilter;
        var found = new HashSet<Operation>();
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            foreach (var bucket in Buckets)
            {
                var prefix = Keys.RecordPrefix(bucket, Keys.OperationName, query.ServiceName, kind);
                using var iterator = Db.Db.NewIterator(Db.Index, _totalOrderRead);
                for (iterator.Seek(prefix); iterator.Valid(); iterator.Next())
                {
                    var entry = iterator.GetKeySpan();
                    if (!entry.StartsWith(prefix))
                    {
                        break;
                    }

                    var reader = new ByteReader(entry[5..]);
                    reader.ReadLengthPrefixed();
                    var spanKind = reader.ReadString();
                    found.Add(new Operation(reader.ReadString(), spanKind));
                }
            }
        }
        finally
        {
            _gate.ExitReadLock();
        }

        var operations = found.ToList();
        operations.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Name, b.Name);
            return c != 0 ? c : string.CompareOrdinal(a.SpanKind, b.SpanKind);
        });
        return new ValueTask<IReadOnlyList<Operation>>(operations);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) =>
        new(Find(query, static (id, spans) => new Trace(spans), cancellationToken));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) =>
        new(Find(query, static (id, spans) => id, cancellationToken));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) =>
        new(Find(query, static (id, spans) => TraceSummary.FromTrace(new Trace(spans)), cancellationToken));

    /// <inheritdoc />
    public ValueTask WriteDependenciesAsync(DateTimeOffset timestamp, IReadOnlyList<DependencyLink> links, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(links);
        cancellationToken.ThrowIfCancellationRequested();
        using var value = new ByteWriter(256);
        value.WriteVarint((ulong)links.Count);
        for (var i = 0; i < links.Count; i++)
        {
            var link = links[i];
            if (link.Parent is null || link.Child is null)
            {
                throw new ArgumentException($"Link {i} has no parent or child service.", nameof(links));
            }

            value.WriteString(link.Parent);
            value.WriteString(link.Child);
            value.WriteVarint(link.CallCount);
            value.WriteString(link.Source ?? "jaeger");
        }

        PutTimedRecord(Keys.Dependencies, Time.ToUnixMicros(timestamp), value.Written);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DependencyLink>> GetDependenciesAsync(DateTimeOffset endTime, TimeSpan lookback, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lookback, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var end = Time.ToUnixMicros(endTime);
        var after = end - Time.ToMicros(lookback);
        var counts = new Dictionary<(string Parent, string Child), (ulong Calls, string Source)>();
        ReadTimedRecords(Keys.Dependencies, after + 1, end, (_, value) =>
        {
            var reader = new ByteReader(value);
            var count = reader.ReadCount(value.Length);
            for (var i = 0; i < count; i++)
            {
                var parent = reader.ReadString();
                var child = reader.ReadString();
                var calls = reader.ReadVarint();
                var source = reader.ReadString();
                counts[(parent, child)] = counts.TryGetValue((parent, child), out var sum) ? (sum.Calls + calls, sum.Source) : (calls, source);
            }
        });

        var links = new List<DependencyLink>(counts.Count);
        foreach (var ((parent, child), (calls, source)) in counts)
        {
            links.Add(new DependencyLink(parent, child, calls, source));
        }

        links.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Parent, b.Parent);
            return c != 0 ? c : string.CompareOrdinal(a.Child, b.Child);
        });
        return new ValueTask<IReadOnlyList<DependencyLink>>(links);
    }

    /// <inheritdoc />
    public ValueTask InsertThroughputAsync(IReadOnlyList<OperationThroughput> throughput, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(throughput);
        cancellationToken.ThrowIfCancellationRequested();
        using var value = new ByteWriter(256);
        value.WriteVarint((ulong)throughput.Count);
        foreach (var item in throughput)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(throughput));
            value.WriteString(item.Service ?? string.Empty);
            value.WriteString(item.Operation ?? string.Empty);
            value.WriteZigZag(item.Count);
            var probabilities = item.Probabilities ?? [];
            value.WriteVarint((ulong)probabilities.Count);
            foreach (var p in probabilities)
            {
                value.WriteUInt64BigEndian((ulong)BitConverter.DoubleToInt64Bits(p));
            }
        }

        PutTimedRecord(Keys.Throughput, Time.ToUnixMicros(_time.GetUtcNow()), value.Written);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OperationThroughput>> GetThroughputAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var found = new List<OperationThroughput>();
        var to = Time.ToUnixMicros(end) - 1;
        ReadTimedRecords(Keys.Throughput, Time.ToUnixMicros(start), to, (_, value) =>
        {
            var reader = new ByteReader(value);
            var count = reader.ReadCount(value.Length);
            for (var i = 0; i < count; i++)
            {
                var service = reader.ReadString();
                var operation = reader.ReadString();
                var calls = reader.ReadZigZag();
                var n = reader.ReadCount(value.Length);
                var probabilities = new double[n];
                for (var p = 0; p < n; p++)
                {
                    probabilities[p] = BitConverter.Int64BitsToDouble((long)reader.ReadUInt64BigEndian());
                }

                found.Add(new OperationThroughput(service, operation, calls, probabilities));
            }
        });
        return new ValueTask<IReadOnlyList<OperationThroughput>>(found);
    }

    /// <inheritdoc />
    public ValueTask InsertProbabilitiesAndQpsAsync(string hostname, ServiceOperationValues probabilities, ServiceOperationValues qps, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(qps);
        cancellationToken.ThrowIfCancellationRequested();
        using var value = new ByteWriter(256);
        value.WriteString(hostname);
        WriteValues(value, probabilities);
        WriteValues(value, qps);
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            Db.Db.Put([Keys.LatestProbabilities], value.Written, Db.Default, _writeOptions);
        }
        catch (RocksDbSharpException ex)
        {
            throw Failed(ex, "write", 0);
        }
        finally
        {
            _gate.ExitReadLock();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<ServiceOperationValues> GetLatestProbabilitiesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        byte[]? stored;
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            stored = Db.Db.Get([Keys.LatestProbabilities], Db.Default);
        }
        finally
        {
            _gate.ExitReadLock();
        }

        var values = new ServiceOperationValues();
        if (stored is not null)
        {
            var reader = new ByteReader(stored);
            reader.ReadString();
            var services = reader.ReadCount(stored.Length);
            for (var s = 0; s < services; s++)
            {
                var service = reader.ReadString();
                var operations = reader.ReadCount(stored.Length);
                for (var o = 0; o < operations; o++)
                {
                    var operation = reader.ReadString();
                    values.Set(service, operation, BitConverter.Int64BitsToDouble((long)reader.ReadUInt64BigEndian()));
                }
            }
        }

        return new ValueTask<ServiceOperationValues>(values);
    }

    /// <inheritdoc />
    /// <remarks>Leases live in this process: the data folder is opened by one process at a time, so that is everyone who shares the store.</remarks>
    public ValueTask<bool> TryAcquireAsync(string resource, string owner, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        lock (_leaseLock)
        {
            if (_leases.TryGetValue(resource, out var lease) && lease.Expires > now && !string.Equals(lease.Owner, owner, StringComparison.Ordinal))
            {
                return new ValueTask<bool>(false);
            }

            _leases[resource] = (owner, now + ttl);
            return new ValueTask<bool>(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ForfeitAsync(string resource, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_leaseLock)
        {
            if (_leases.TryGetValue(resource, out var lease) && string.Equals(lease.Owner, owner, StringComparison.Ordinal) && lease.Expires > _time.GetUtcNow())
            {
                _leases.Remove(resource);
                return new ValueTask<bool>(true);
            }

            return new ValueTask<bool>(false);
        }
    }

    /// <inheritdoc />
    public ValueTask PurgeAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _gate.EnterWriteLock();
        try
        {
            ThrowIfDisposed();
            using (var batch = new WriteBatch())
            {
                batch.DeleteRange(KeySpaceStart, (ulong)KeySpaceStart.Length, KeySpaceEnd, (ulong)KeySpaceEnd.Length, Db.Spans);
                batch.DeleteRange(KeySpaceStart, (ulong)KeySpaceStart.Length, KeySpaceEnd, (ulong)KeySpaceEnd.Length, Db.Index);
                batch.Delete([Keys.LatestProbabilities], Db.Default);
                batch.DeleteRange(SpanMetricsRange.Start, 1, SpanMetricsRange.End, 1, Db.Default);
                Db.Db.Write(batch, _writeOptions);
            }

            lock (_bucketsLock)
            {
                _buckets.Clear();
            }

            _seenServices.Clear();
            _seenOperations.Clear();
            _seenProcesses.Clear();
            _processCache.Clear();
            lock (_leaseLock)
            {
                _leases.Clear();
            }

            Db.Db.CompactRange(KeySpaceStart, KeySpaceEnd, Db.Spans);
            Db.Db.CompactRange(KeySpaceStart, KeySpaceEnd, Db.Index);
        }
        catch (RocksDbSharpException ex)
        {
            throw Failed(ex, "purge", 0);
        }
        finally
        {
            _gate.ExitWriteLock();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Stops retention and closes the database; the folder can then be opened again.</summary>
    public void Dispose()
    {
        _retentionTimer?.Dispose();

        // A retention pass that is running finishes first.
        lock (_retentionLock)
        {
            _gate.EnterWriteLock();
            try
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _db?.Dispose();
                _db = null;
            }
            finally
            {
                _gate.ExitWriteLock();
            }
        }

        _metrics.Dispose();
        LogClosed(_logger, DataPath);
    }

    /// <summary>The bytes of every file in the data folder now (SST files, write-ahead logs, manifest, logs).</summary>
    internal long DiskBytes()
    {
        long total = 0;
        try
        {
            foreach (var file in new DirectoryInfo(DataPath).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                total += file.Length;
            }
        }
        catch (IOException)
        {
            // A file removed while listing (a compaction finished): the next measurement counts right.
        }

        return total;
    }

    /// <summary>Writes the memtables to SST files (tests and measurements).</summary>
    internal void Flush()
    {
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            var flush = new FlushOptions().SetWaitForFlush(true);
            Db.Db.Flush(flush);
            Native.Instance.rocksdb_flush_cf(Db.Db.Handle, flush.Handle, Db.Spans.Handle);
            Native.Instance.rocksdb_flush_cf(Db.Db.Handle, flush.Handle, Db.Index.Handle);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>Bytes the block cache holds now (measurements).</summary>
    internal ulong BlockCacheUsage
    {
        get
        {
            _gate.EnterReadLock();
            try
            {
                return Db.CacheUsage;
            }
            finally
            {
                _gate.ExitReadLock();
            }
        }
    }

    /// <summary>Compacts every column family fully (measurements).</summary>
    internal void CompactAll()
    {
        _gate.EnterReadLock();
        try
        {
            var db = Db;
            db.Db.CompactRange(KeySpaceStart, KeySpaceEnd, db.Spans);
            db.Db.CompactRange(KeySpaceStart, KeySpaceEnd, db.Index);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>An integer RocksDB property summed over the column families (measurements).</summary>
    internal long Property(string name)
    {
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            return Db.SumProperty(name);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    private static RocksDbHandle Open(string path, EmbeddedStorageOptions options)
    {
        try
        {
            DataFolder.Prepare(path);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageException("access_denied", $"The embedded store cannot use its data folder {path}: {ex.Message} Set Jaeger:Storage:Embedded:Path to a folder this process may write.", isTransient: false, ex);
        }
        catch (IOException ex)
        {
            throw new StorageException(IsNoSpace(ex.Message) ? "disk_full" : "io", $"The embedded store cannot prepare its data folder {path}: {ex.Message}", isTransient: false, ex);
        }

        RocksDbHandle handle;
        try
        {
            handle = new RocksDbHandle(path, options);
        }
        catch (RocksDbSharpException ex) when (ex.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            throw new StorageException(
                "locked",
                $"The embedded store's data folder {path} is in use by another process ({DataFolder.DescribeOwner(path)}), which holds its LOCK file. " +
                "One process at a time may open a data folder: stop the other one, or set Jaeger:Storage:Embedded:Path to another folder. " +
                $"RocksDB said: {ex.Message}",
                isTransient: false,
                ex);
        }
        catch (RocksDbSharpException ex)
        {
            throw new StorageException(
                IsNoSpace(ex.Message) ? "disk_full" : "corrupt",
                $"The embedded store could not open its data folder {path}: {ex.Message}. The folder was left as it is; if it is damaged, move it away or restore it from a backup.",
                isTransient: false,
                ex);
        }

        try
        {
            DataFolder.WriteOwner(path);
        }
        catch (IOException)
        {
            // Naming the holder is a courtesy for a second opener's message; the store works without it.
        }

        return handle;
    }

    private static bool IsNoSpace(string message) =>
        message.Contains("No space left", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("NoSpace", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("ENOSPC", StringComparison.Ordinal) ||
        message.Contains("out of space", StringComparison.OrdinalIgnoreCase);

    private static void WriteValues(ByteWriter writer, ServiceOperationValues values)
    {
        writer.WriteVarint((ulong)values.Count);
        foreach (var (service, operations) in values)
        {
            writer.WriteString(service);
            writer.WriteVarint((ulong)operations.Count);
            foreach (var (operation, value) in operations)
            {
                writer.WriteString(operation);
                writer.WriteUInt64BigEndian((ulong)BitConverter.DoubleToInt64Bits(value));
            }
        }
    }

    /// <summary>
    /// True when a write must put the record a mark stands for (a process, service or operation entry of an hour): it
    /// is not yet known to be stored. A mark this call adds is pending until its write succeeds (then confirmed) or
    /// fails (then removed); while another call's mark is pending, this call puts the record too, so a failure of that
    /// call never leaves this one's spans without it.
    /// </summary>
    private static bool Claim<TMark>(ConcurrentDictionary<TMark, byte> seen, TMark mark, ref List<object>? marks)
        where TMark : notnull
    {
        if (seen.TryGetValue(mark, out var state) && state == Confirmed)
        {
            return false;
        }

        if (seen.TryAdd(mark, Pending))
        {
            (marks ??= []).Add(mark);
        }

        return true;
    }

    private void Confirm(List<object>? marks)
    {
        if (marks is null)
        {
            return;
        }

        foreach (var mark in marks)
        {
            switch (mark)
            {
                case ValueTuple<uint, ulong> process:
                    _seenProcesses.TryUpdate(process, Confirmed, Pending);
                    break;
                case ValueTuple<uint, string> service:
                    _seenServices.TryUpdate(service, Confirmed, Pending);
                    break;
                case ValueTuple<uint, string, string, string> operation:
                    _seenOperations.TryUpdate(operation, Confirmed, Pending);
                    break;
            }
        }
    }

    private void TakeBack(List<object>? marks)
    {
        if (marks is null)
        {
            return;
        }

        foreach (var mark in marks)
        {
            switch (mark)
            {
                case ValueTuple<uint, ulong> process:
                    _seenProcesses.TryRemove(KeyValuePair.Create(process, Pending));
                    break;
                case ValueTuple<uint, string> service:
                    _seenServices.TryRemove(KeyValuePair.Create(service, Pending));
                    break;
                case ValueTuple<uint, string, string, string> operation:
                    _seenOperations.TryRemove(KeyValuePair.Create(operation, Pending));
                    break;
            }
        }
    }

    /// <summary>A RocksDB failure as the storage contract reports it; a failed write makes the next one reopen the database.</summary>
    private StorageException Failed(RocksDbSharpException ex, string operation, int spans)
    {
        string reason;
        bool transient;
        if (IsNoSpace(ex.Message))
        {
            (reason, transient) = ("disk_full", true);
        }
        else if (ex.Message.Contains("Corruption", StringComparison.OrdinalIgnoreCase))
        {
            (reason, transient) = ("corrupt", false);
        }
        else
        {
            (reason, transient) = ("io", true);
        }

        if (operation == "write")
        {
            // RocksDB stops accepting writes after a failed log write until it is reopened.
            _needsReopen = true;
            _metrics.WriteFailures.Add(spans, new KeyValuePair<string, object?>("reason", reason));
        }

        LogFailed(_logger, operation, reason, DataPath, ex.Message);
        var what = operation == "write" ? $"store {spans} spans" : operation;
        return new StorageException(reason, $"The embedded store in {DataPath} could not {what}: {ex.Message}", transient, ex);
    }

    /// <summary>After a failed write: closes and reopens the database, so writes resume once the cause (a full disk) is gone.</summary>
    private void ReopenIfNeeded(int spans)
    {
        if (!_needsReopen)
        {
            return;
        }

        _gate.EnterWriteLock();
        try
        {
            ThrowIfDisposed();
            if (!_needsReopen)
            {
                return;
            }

            _db?.Dispose();
            _db = null;
            try
            {
                _db = new RocksDbHandle(DataPath, _options);
                _needsReopen = false;
                LogReopened(_logger, DataPath);
            }
            catch (RocksDbSharpException ex)
            {
                // Left closed: the next write tries again; reads fail meanwhile (transient) rather than touch a closed database.
                throw Failed(ex, "write", spans);
            }
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>The open database; throws a transient failure while it is closed after a failed reopen (a full disk).</summary>
    internal RocksDbHandle Db
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _db ?? throw new StorageException("disk_full", $"The embedded store in {DataPath} is closed after a failed write (is the disk full?); it reopens on the next write once space is back.", isTransient: true);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Embedded store opened in {Path} ({Hours} hours of data).")]
    private static partial void LogOpened(ILogger logger, string path, int hours);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Embedded store in {Path} closed.")]
    private static partial void LogClosed(ILogger logger, string path);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Embedded store: {Operation} failed ({Reason}) in {Path}: {Error}")]
    private static partial void LogFailed(ILogger logger, string operation, string reason, string path, string error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Embedded store in {Path} reopened after a failed write; writes resume.")]
    private static partial void LogReopened(ILogger logger, string path);
}
