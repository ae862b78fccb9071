using Jaeger.Model;

namespace Jaeger.Storage.Memory;

/// <summary>A stored trace: where its encoded spans are (<see cref="SpanEncoding"/>, <see cref="SpanSlabs"/>), their processes, its time bounds, and the indexes that list it.</summary>
internal sealed class TraceEntry
{
    private TraceIndex[] _indexes = new TraceIndex[4];
    private StoredProcess[] _processes = new StoredProcess[2];
    private StoredSpan[] _spans;

    /// <param name="id">The trace id.</param>
    /// <param name="sequence">The arrival order.</param>
    /// <param name="startMicros">The first span's start.</param>
    /// <param name="expectedSpans">How many spans to make room for (those of the trace in the write that creates it).</param>
    public TraceEntry(TraceId id, long sequence, long startMicros, int expectedSpans = 4)
    {
        _spans = new StoredSpan[Math.Max(expectedSpans, 1)];
        Id = id;
        Sequence = sequence;
        StartMicros = startMicros;
        LatestStartMicros = startMicros;
        BaseMicros = startMicros;
    }

    /// <summary>A probe used to position an enumeration; never stored.</summary>
    internal TraceEntry(long startMicros, long sequence)
        : this(default, sequence, startMicros, 1)
    {
    }

    public TraceId Id { get; }

    /// <summary>Arrival order; unique, so it breaks ties between traces that start at the same time.</summary>
    public long Sequence { get; }

    /// <summary>The earliest span start: the trace's start. An index sorts by it, so it changes only while the entry is out of every index.</summary>
    public long StartMicros { get; set; }

    /// <summary>The latest span start.</summary>
    public long LatestStartMicros { get; set; }

    /// <summary>The first span's start, fixed: encoded spans store their start relative to it.</summary>
    public long BaseMicros { get; }

    public int SpanCount { get; private set; }

    /// <summary>The spans' locations in the store's <see cref="SpanSlabs"/> and their signatures, in arrival order.</summary>
    public ReadOnlySpan<StoredSpan> Spans => _spans.AsSpan(0, SpanCount);

    /// <summary>The distinct processes of the spans; an encoded span holds an index into them.</summary>
    public ReadOnlySpan<StoredProcess> Processes => _processes.AsSpan(0, ProcessCount);

    public int ProcessCount { get; private set; }

    /// <summary>The sum of the encoded spans' lengths.</summary>
    public long EncodedBytes { get; private set; }

    public StoredProcess GetProcess(int index) => _processes[index];

    /// <summary>The index of <paramref name="process"/> among this trace's processes; added, and counted as a reference, when new.</summary>
    public int IndexOfProcess(StoredProcess process)
    {
        var processes = _processes;
        for (var i = 0; i < ProcessCount; i++)
        {
            if (ReferenceEquals(processes[i], process))
            {
                return i;
            }
        }

        if (ProcessCount == processes.Length)
        {
            Array.Resize(ref _processes, processes.Length * 2);
        }

        process.Traces++;
        _processes[ProcessCount] = process;
        return ProcessCount++;
    }

    /// <param name="location">Where the encoded span is, in the store's <see cref="SpanSlabs"/>.</param>
    /// <param name="length">The encoded span's length.</param>
    /// <param name="signature">The span's <see cref="SpanSignature"/>.</param>
    public void AddSpan(long location, int length, ulong signature)
    {
        if (SpanCount == _spans.Length)
        {
            Array.Resize(ref _spans, _spans.Length * 2);
        }

        _spans[SpanCount++] = new StoredSpan(signature, location);
        EncodedBytes += length;
    }

    public int IndexCount { get; private set; }

    public ReadOnlySpan<TraceIndex> Indexes => _indexes.AsSpan(0, IndexCount);

    public bool IsIndexedIn(TraceIndex index)
    {
        var indexes = _indexes;
        for (var i = 0; i < IndexCount; i++)
        {
            if (ReferenceEquals(indexes[i], index))
            {
                return true;
            }
        }

        return false;
    }

    public void AddIndex(TraceIndex index)
    {
        if (IndexCount == _indexes.Length)
        {
            Array.Resize(ref _indexes, _indexes.Length * 2);
        }

        _indexes[IndexCount++] = index;
        index.Traces.Add(this);
    }
}

/// <summary>A stored span as its trace entry lists it.</summary>
/// <param name="Signature">Its <see cref="SpanSignature"/>, tested before the span is read.</param>
/// <param name="Location">Where its encoded bytes are, in the store's <see cref="SpanSlabs"/>.</param>
internal readonly record struct StoredSpan(ulong Signature, long Location);
