using Jaeger.Model;

namespace Jaeger.Storage.Memory;

/// <summary>A stored trace: its spans encoded (<see cref="SpanEncoding"/>), their processes, its time bounds, and the indexes that list it.</summary>
internal sealed class TraceEntry
{
    private TraceIndex[] _indexes = new TraceIndex[3];
    private StoredProcess[] _processes = new StoredProcess[2];
    private byte[][] _spans = new byte[4][];
    private ulong[] _signatures = new ulong[4];

    public TraceEntry(TraceId id, long sequence, long startMicros)
    {
        Id = id;
        Sequence = sequence;
        StartMicros = startMicros;
        LatestStartMicros = startMicros;
        BaseMicros = startMicros;
    }

    /// <summary>A probe used to position an enumeration; never stored.</summary>
    internal TraceEntry(long startMicros, long sequence)
        : this(default, sequence, startMicros)
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

    /// <summary>The encoded spans, in arrival order.</summary>
    public ReadOnlySpan<byte[]> Spans => _spans.AsSpan(0, SpanCount);

    /// <summary>The distinct processes of the spans; an encoded span holds an index into them.</summary>
    public ReadOnlySpan<StoredProcess> Processes => _processes.AsSpan(0, ProcessCount);

    public int ProcessCount { get; private set; }

    /// <summary>The sum of the encoded spans' lengths.</summary>
    public long EncodedBytes { get; private set; }

    /// <summary>Each span's <see cref="SpanSignature"/>, at the same position.</summary>
    public ReadOnlySpan<ulong> Signatures => _signatures.AsSpan(0, SpanCount);

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

    public void AddSpan(byte[] span, ulong signature)
    {
        if (SpanCount == _spans.Length)
        {
            Array.Resize(ref _spans, _spans.Length * 2);
            Array.Resize(ref _signatures, _signatures.Length * 2);
        }

        _spans[SpanCount] = span;
        _signatures[SpanCount] = signature;
        SpanCount++;
        EncodedBytes += span.Length;
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
