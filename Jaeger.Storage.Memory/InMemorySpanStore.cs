using System.Diagnostics.Metrics;
using Jaeger.Model;

namespace Jaeger.Storage.Memory;

/// <summary>
/// Spans, traces and dependency links held in process memory: the storage of the all-in-one host and of tests.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe: one reader-writer lock lets searches run side by side while a write (one per
/// <see cref="WriteAsync"/> call, however many spans) runs alone. Spans are copied when written, into a dense
/// encoded form (appended into large shared arrays, <see cref="SpanSlabs"/>, so a stored span is no object of its own
/// for the garbage collector) with repeated strings (operation names, tag keys, low-cardinality values)
/// and processes kept once per store; every read decodes new model spans the caller may change, equal in content to
/// those written (a span's <see cref="Span.Process"/> is the first stored instance equal to its own).
/// </para>
/// <para>
/// Searches walk an index of traces ordered newest first (by trace start, the earliest span start): one for
/// all traces, one per service and one per operation of a service. A search stops at its limit, so it returns
/// the newest matching traces, not an arbitrary subset. A trace matches when one of its spans matches every
/// condition (Jaeger's rule); tags are looked up in span tags, process tags and log fields and compared as text.
/// </para>
/// <para>
/// With <see cref="InMemoryStorageOptions.MaxTraces"/> set, the trace that arrived first is removed whole when a new
/// one would exceed the bound. A service or operation whose every trace was removed is no longer listed; the span
/// kinds of an operation that still has traces are kept.
/// </para>
/// <para>
/// Dependencies are derived at read time (a child span whose parent belongs to another service is one call from the
/// parent's service to the child's) and summed with the links written through <see cref="WriteDependenciesAsync"/>.
/// </para>
/// <para>Register it with <c>services.AddJaegerInMemoryStorage()</c>, or create one directly (tests, tools).</para>
/// </remarks>
public sealed class InMemorySpanStore : ISpanWriter, ISpanReader, IDependencyReader, IDependencyWriter, ISamplingStore, ILeaseStore, IStorageMaintenance, IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<TraceId, TraceEntry> _traces = [];
    private readonly Dictionary<string, ServiceIndex> _services = new(StringComparer.Ordinal);
    private readonly TraceIndex _allTraces = new(null, null);
    private readonly Queue<TraceEntry>? _arrivalOrder;
    private readonly List<WrittenDependencies> _writtenDependencies = [];
    private readonly StringTable _strings;
    private readonly ProcessTable _processes = new();
    private readonly SpanEncoder _encoder = new();
    private readonly SpanSlabs _slabs = new();

    // The last operations written to, found by reference to the name instance (a decoder hands the spans of a request
    // the same one) before the service's dictionary is asked; forgotten whenever an operation stops being listed.
    private readonly (string? Name, OperationIndex? Index)[] _recentOperations = new (string?, OperationIndex?)[8];
    private int _nextRecentOperation;
    private readonly int _maxTraces;
    private readonly InMemoryStorageMetrics _metrics;
    private readonly InMemorySamplingStore _sampling;
    private readonly InMemoryLeaseStore _leases;
    private long _encodedBytes;
    private long _nextSequence;
    private long _spanCount;
    private int _traceCount;

    // The widest gap seen between a trace's first and last span start. A trace starting more than this before a
    // window's start has no span in the window, so a newest-first walk can stop there. It only grows.
    private ulong _maxStartSpread;

    /// <summary>Creates an empty store.</summary>
    /// <param name="options">The settings, copied now; null for the defaults.</param>
    /// <param name="meterFactory">Creates the <c>Jaeger.Storage.Memory</c> meter; null to create it directly.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <param name="time">The clock of the sampling store and the leases; null for the system clock.</param>
    public InMemorySpanStore(InMemoryStorageOptions? options = null, IMeterFactory? meterFactory = null, TimeProvider? time = null)
        : this(options, meterFactory, StringTable.DefaultMaxEntries, time)
    {
    }

    /// <summary>Creates an empty store whose string table holds at most <paramref name="maxInternedStrings"/> strings (tests).</summary>
    internal InMemorySpanStore(InMemoryStorageOptions? options, IMeterFactory? meterFactory, int maxInternedStrings, TimeProvider? time = null)
    {
        _sampling = new InMemorySamplingStore(time ?? TimeProvider.System);
        _leases = new InMemoryLeaseStore(time ?? TimeProvider.System);
        _strings = new StringTable(maxInternedStrings);
        options ??= new InMemoryStorageOptions();
        options.Validate();
        _maxTraces = options.MaxTraces;
        if (_maxTraces > 0)
        {
            _arrivalOrder = new Queue<TraceEntry>();
        }

        SpanMetrics = new InMemoryMetricsStore(options.MetricsRetention, time);
        _metrics = new InMemoryStorageMetrics(meterFactory, () => Volatile.Read(ref _traceCount), () => Interlocked.Read(ref _spanCount));
    }

    /// <summary>The collector's per-minute RED aggregates, kept beside the spans and purged with them.</summary>
    public InMemoryMetricsStore SpanMetrics { get; }

    /// <summary>The number of traces held now.</summary>
    public int TraceCount => Volatile.Read(ref _traceCount);

    /// <summary>The number of spans held now.</summary>
    public long SpanCount => Interlocked.Read(ref _spanCount);

    /// <summary>The strings interned so far; read under no lock, for tests and measurements of a quiet store.</summary>
    internal StringTable Strings => _strings;

    /// <summary>The distinct processes held; read under no lock, for tests and measurements of a quiet store.</summary>
    internal ProcessTable Processes => _processes;

    /// <summary>The sum of the encoded spans' lengths.</summary>
    internal long EncodedBytes => Interlocked.Read(ref _encodedBytes);

    /// <summary>The arrays the encoded spans are kept in; read under no lock, for tests and measurements of a quiet store.</summary>
    internal SpanSlabs Slabs => _slabs;

    /// <inheritdoc />
    public SearchCapabilities Capabilities => SearchCapabilities.All | SearchCapabilities.Filter;

    /// <inheritdoc />
    public StorageRetention Retention => new(MaxTraces: _maxTraces > 0 ? _maxTraces : null);

    /// <inheritdoc />
    public ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        cancellationToken.ThrowIfCancellationRequested();
        var spanCount = batches.CheckedSpanCount();

        int newTraces = 0, evicted = 0;
        long encodedBytes = 0;
        _lock.EnterWriteLock();
        try
        {
            Process? lastProcess = null;
            StoredProcess? storedProcess = null;
            ServiceIndex? lastService = null;
            for (var b = 0; b < batches.Count; b++)
            {
            var batch = batches[b];
            var spans = batch.Spans;
            for (var i = 0; i < spans.Count; i++)
            {
                var span = spans[i];
                var start = span.StartTimeMicros;
                if (!_traces.TryGetValue(span.TraceId, out var entry))
                {
                    entry = new TraceEntry(span.TraceId, _nextSequence++, start, SpansOfTraceFrom(spans, i));
                    _traces.Add(span.TraceId, entry);
                    entry.AddIndex(_allTraces);
                    newTraces++;
                    if (_arrivalOrder is not null)
                    {
                        _arrivalOrder.Enqueue(entry);
                        if (_traces.Count > _maxTraces)
                        {
                            RemoveTrace(_arrivalOrder.Dequeue());
                            evicted++;

                            // The removal may have dropped the cached service's index and stored process.
                            lastProcess = null;
                        }
                    }
                }
                else if (start < entry.StartMicros)
                {
                    MoveStart(entry, start);
                }
                else if (start > entry.LatestStartMicros)
                {
                    entry.LatestStartMicros = start;
                }

                var spread = unchecked((ulong)(entry.LatestStartMicros - entry.StartMicros));
                if (spread > _maxStartSpread)
                {
                    _maxStartSpread = spread;
                }

                // Spans of a batch share its process.
                if (!ReferenceEquals(batch.Process, lastProcess))
                {
                    lastProcess = batch.Process;
                    storedProcess = _processes.Find(batch.Process);
                    lastService = GetOrAddService(storedProcess.Process.ServiceName);
                }

                var processIndex = entry.IndexOfProcess(storedProcess!);
                var encoded = _encoder.Encode(span, entry.BaseMicros, processIndex, _strings, out var signature);
                entry.AddSpan(_slabs.Add(encoded), encoded.Length, signature | storedProcess!.Signature);
                encodedBytes += encoded.Length;

                if (!entry.IsIndexedIn(lastService!.Traces))
                {
                    entry.AddIndex(lastService.Traces);
                }

                var operation = FindOrAddOperation(lastService, span.OperationName);
                var kind = span.SpanKind;
                if (!ReferenceEquals(kind, operation.LastKind))
                {
                    operation.Kinds.Add(kind);
                    operation.LastKind = kind;
                }

                if (!entry.IsIndexedIn(operation.Traces))
                {
                    entry.AddIndex(operation.Traces);
                }
            }
            }

            Interlocked.Add(ref _spanCount, spanCount);
            Interlocked.Add(ref _encodedBytes, encodedBytes);
            Volatile.Write(ref _traceCount, _traces.Count);
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        _metrics.SpansStored.Add(spanCount);
        if (newTraces > 0)
        {
            _metrics.TracesStored.Add(newTraces);
        }

        if (evicted > 0)
        {
            _metrics.TracesEvicted.Add(evicted);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<Trace?> GetTraceAsync(TraceGetParameters query, CancellationToken cancellationToken = default)
    {
        // Every trace is one dictionary look-up away: the time window hint has nothing to narrow.
        cancellationToken.ThrowIfCancellationRequested();
        _lock.EnterReadLock();
        try
        {
            return new ValueTask<Trace?>(_traces.TryGetValue(query.TraceId, out var entry) ? Copy(entry) : null);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string[] services;
        _lock.EnterReadLock();
        try
        {
            services = [.. _services.Keys];
        }
        finally
        {
            _lock.ExitReadLock();
        }

        Array.Sort(services, StringComparer.Ordinal);
        return new ValueTask<IReadOnlyList<string>>(services);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default)
    {
        query.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var kind = query.SpanKindFilter;
        var operations = new List<Operation>();
        _lock.EnterReadLock();
        try
        {
            if (_services.TryGetValue(query.ServiceName, out var service))
            {
                foreach (var (name, operation) in service.Operations)
                {
                    foreach (var seenKind in operation.Kinds)
                    {
                        if (kind is null || string.Equals(kind, seenKind, StringComparison.Ordinal))
                        {
                            operations.Add(new Operation(name, seenKind));
                        }
                    }
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        operations.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Name, b.Name);
            return c != 0 ? c : string.CompareOrdinal(a.SpanKind, b.SpanKind);
        });
        return new ValueTask<IReadOnlyList<Operation>>(operations);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) =>
        new(Find(query, Copy, cancellationToken));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) =>
        new(Find(query, static entry => entry.Id, cancellationToken));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) =>
        new(Find(query, entry => TraceSummary.FromTrace(Copy(entry)), cancellationToken));

    /// <inheritdoc />
    public ValueTask PurgeAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _lock.EnterWriteLock();
        try
        {
            _traces.Clear();
            _services.Clear();
            _allTraces.Clear();
            _arrivalOrder?.Clear();
            _writtenDependencies.Clear();
            SpanMetrics.Clear();
            _strings.Clear();
            _processes.Clear();
            _slabs.Clear();
            Array.Clear(_recentOperations);
            Interlocked.Exchange(ref _encodedBytes, 0);
            Interlocked.Exchange(ref _spanCount, 0);
            Volatile.Write(ref _traceCount, 0);
            _maxStartSpread = 0;
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        _sampling.Clear();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask InsertThroughputAsync(IReadOnlyList<OperationThroughput> throughput, CancellationToken cancellationToken = default) =>
        _sampling.InsertThroughputAsync(throughput, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OperationThroughput>> GetThroughputAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default) =>
        _sampling.GetThroughputAsync(start, end, cancellationToken);

    /// <inheritdoc />
    public ValueTask InsertProbabilitiesAndQpsAsync(string hostname, ServiceOperationValues probabilities, ServiceOperationValues qps, CancellationToken cancellationToken = default) =>
        _sampling.InsertProbabilitiesAndQpsAsync(hostname, probabilities, qps, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ServiceOperationValues> GetLatestProbabilitiesAsync(CancellationToken cancellationToken = default) =>
        _sampling.GetLatestProbabilitiesAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> TryAcquireAsync(string resource, string owner, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        _leases.TryAcquireAsync(resource, owner, ttl, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> ForfeitAsync(string resource, string owner, CancellationToken cancellationToken = default) =>
        _leases.ForfeitAsync(resource, owner, cancellationToken);

    // Walks the narrowest index newest first and stops at the limit; one delegate call per matching trace only.
    private List<T> Find<T>(TraceQueryParameters query, Func<TraceEntry, T> select, CancellationToken cancellationToken)
    {
        var search = SpanSearch.Create(query);
        cancellationToken.ThrowIfCancellationRequested();
        var results = new List<T>(Math.Min(query.Limit, 256));
        _lock.EnterReadLock();
        try
        {
            var index = ChooseIndex(search);
            if (index is not null)
            {
                var stopBelow = SaturatingSubtract(search.MinStart, _maxStartSpread);
                foreach (var entry in index.Traces)
                {
                    if (entry.StartMicros > search.MaxStart || entry.LatestStartMicros < search.MinStart)
                    {
                        continue;
                    }

                    if (entry.StartMicros < stopBelow)
                    {
                        break;
                    }

                    if (search.MatchesAnySpan(entry, _slabs, _strings))
                    {
                        results.Add(select(entry));
                        if (results.Count == query.Limit)
                        {
                            break;
                        }
                    }
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        return results;
    }

    /// <inheritdoc />
    public ValueTask WriteDependenciesAsync(DateTimeOffset timestamp, IReadOnlyList<DependencyLink> links, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(links);
        cancellationToken.ThrowIfCancellationRequested();
        var copy = new DependencyLink[links.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            var link = links[i];
            if (link.Parent is null || link.Child is null)
            {
                throw new ArgumentException($"Link {i} has no parent or child service.", nameof(links));
            }

            copy[i] = link;
        }

        _lock.EnterWriteLock();
        try
        {
            _writtenDependencies.Add(new WrittenDependencies(Time.ToUnixMicros(timestamp), copy));
        }
        finally
        {
            _lock.ExitWriteLock();
        }

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
        _lock.EnterReadLock();
        try
        {
            AddDerivedDependencies(after, end, counts);
            foreach (var written in _writtenDependencies)
            {
                if (written.TimestampMicros <= after || written.TimestampMicros > end)
                {
                    continue;
                }

                foreach (var link in written.Links)
                {
                    var key = (link.Parent, link.Child);
                    counts[key] = counts.TryGetValue(key, out var sum)
                        ? (sum.Calls + link.CallCount, sum.Source)
                        : (link.CallCount, link.Source ?? "jaeger");
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

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

    /// <summary>Releases the lock and, when the store created it, the meter.</summary>
    public void Dispose()
    {
        _metrics.Dispose();
        _lock.Dispose();
    }

    /// <summary>The trace decoded into new model spans; called under the read lock.</summary>
    private Trace Copy(TraceEntry entry)
    {
        var spans = entry.Spans;
        var trace = new Trace();
        trace.Spans.Capacity = spans.Length;
        for (var i = 0; i < spans.Length; i++)
        {
            trace.Spans.Add(SpanEncoding.Decode(_slabs.Get(spans[i].Location), entry, _strings));
        }

        return trace;
    }

    /// <summary>
    /// How many spans of the trace of <c>spans[first]</c> follow one another from there: room for them in a new trace
    /// entry saves regrowing its list (senders usually send a trace's spans together).
    /// </summary>
    private static int SpansOfTraceFrom(IList<Span> spans, int first)
    {
        var traceId = spans[first].TraceId;
        var end = first + 1;
        while (end < spans.Count && spans[end].TraceId == traceId)
        {
            end++;
        }

        return end - first == 1 ? 4 : end - first;
    }

    /// <summary><paramref name="value"/> minus <paramref name="amount"/>, or <see cref="long.MinValue"/> when that would be lower.</summary>
    private static long SaturatingSubtract(long value, ulong amount)
    {
        var room = unchecked((ulong)(value - long.MinValue));
        return amount >= room ? long.MinValue : unchecked(value - (long)amount);
    }

    private TraceIndex? ChooseIndex(in SpanSearch search)
    {
        if (search.ServiceName is null)
        {
            return _allTraces;
        }

        if (!_services.TryGetValue(search.ServiceName, out var service))
        {
            return null;
        }

        if (search.OperationName is null)
        {
            return service.Traces;
        }

        return service.Operations.TryGetValue(search.OperationName, out var operation) ? operation.Traces : null;
    }

    private OperationIndex FindOrAddOperation(ServiceIndex service, string name)
    {
        var recent = _recentOperations;
        for (var i = 0; i < recent.Length; i++)
        {
            var (recentName, index) = recent[i];
            if (index is not null && ReferenceEquals(recentName, name) && ReferenceEquals(index.Service, service))
            {
                return index;
            }
        }

        if (!service.Operations.TryGetValue(name, out var operation))
        {
            operation = new OperationIndex(service, name);
            service.Operations.Add(name, operation);
        }

        recent[_nextRecentOperation] = (name, operation);
        _nextRecentOperation = (_nextRecentOperation + 1) % recent.Length;
        return operation;
    }

    private ServiceIndex GetOrAddService(string serviceName)
    {
        if (!_services.TryGetValue(serviceName, out var service))
        {
            service = new ServiceIndex(serviceName);
            _services.Add(serviceName, service);
        }

        return service;
    }

    /// <summary>Gives a trace an earlier start: out of every index, change the sort key, back in.</summary>
    private static void MoveStart(TraceEntry entry, long start)
    {
        var indexes = entry.Indexes;
        foreach (var index in indexes)
        {
            index.Traces.Remove(entry);
        }

        entry.StartMicros = start;
        foreach (var index in indexes)
        {
            index.Traces.Add(entry);
        }
    }

    private void RemoveTrace(TraceEntry entry)
    {
        _traces.Remove(entry.Id);
        Interlocked.Add(ref _spanCount, -entry.SpanCount);
        Interlocked.Add(ref _encodedBytes, -entry.EncodedBytes);
        foreach (var span in entry.Spans)
        {
            _slabs.Remove(span.Location);
        }

        foreach (var process in entry.Processes)
        {
            _processes.Release(process);
        }

        foreach (var index in entry.Indexes)
        {
            index.Traces.Remove(entry);
            if (index.Traces.Count > 0 || index.ServiceName is null)
            {
                continue;
            }

            // The last trace of a service or an operation is gone: stop listing it.
            if (!_services.TryGetValue(index.ServiceName, out var service))
            {
                continue;
            }

            Array.Clear(_recentOperations);

            if (index.OperationName is null)
            {
                if (ReferenceEquals(service.Traces, index))
                {
                    _services.Remove(index.ServiceName);
                }
            }
            else if (service.Operations.TryGetValue(index.OperationName, out var operation) && ReferenceEquals(operation.Traces, index))
            {
                service.Operations.Remove(index.OperationName);
            }
        }
    }

    private void AddDerivedDependencies(long after, long end, Dictionary<(string Parent, string Child), (ulong Calls, string Source)> counts)
    {
        var stopBelow = SaturatingSubtract(after, _maxStartSpread);
        Dictionary<SpanId, string>? services = null;
        foreach (var entry in _allTraces.Traces)
        {
            if (entry.StartMicros > end || entry.LatestStartMicros <= after)
            {
                continue;
            }

            if (entry.StartMicros < stopBelow)
            {
                break;
            }

            var spans = entry.Spans;
            if (spans.Length < 2)
            {
                continue;
            }

            services ??= [];
            services.Clear();
            for (var i = 0; i < spans.Length; i++)
            {
                var header = new EncodedSpanReader(_slabs.Get(spans[i].Location)).ReadHeader(entry.BaseMicros);
                services.TryAdd(new SpanId(header.SpanId), entry.GetProcess(header.ProcessIndex).Process.ServiceName);
            }

            for (var i = 0; i < spans.Length; i++)
            {
                var reader = new EncodedSpanReader(_slabs.Get(spans[i].Location));
                var header = reader.ReadHeader(entry.BaseMicros);
                if (header.StartMicros <= after || header.StartMicros > end)
                {
                    continue;
                }

                reader.ReadString();
                var parentId = new SpanId(reader.ReadParentSpanId());
                if (parentId.IsEmpty || !services.TryGetValue(parentId, out var parentService))
                {
                    continue;
                }

                var childService = entry.GetProcess(header.ProcessIndex).Process.ServiceName;
                if (string.Equals(parentService, childService, StringComparison.Ordinal))
                {
                    continue;
                }

                var key = (parentService, childService);
                counts[key] = counts.TryGetValue(key, out var sum) ? (sum.Calls + 1, sum.Source) : (1UL, "jaeger");
            }
        }
    }

    private readonly record struct WrittenDependencies(long TimestampMicros, DependencyLink[] Links);
}
