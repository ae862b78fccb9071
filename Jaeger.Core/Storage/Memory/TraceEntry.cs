using Jaeger.Model;

namespace Jaeger.Storage.Memory;

/// <summary>A stored trace: its spans as written, its time bounds, and the indexes that list it.</summary>
internal sealed class TraceEntry
{
    private TraceIndex[] _indexes = new TraceIndex[3];

    public TraceEntry(TraceId id, long sequence, long startMicros)
    {
        Id = id;
        Sequence = sequence;
        StartMicros = startMicros;
        LatestStartMicros = startMicros;
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

    private Span[] _spans = new Span[4];
    private ulong[] _signatures = new ulong[4];

    public int SpanCount { get; private set; }

    /// <summary>The spans as written.</summary>
    public ReadOnlySpan<Span> Spans => _spans.AsSpan(0, SpanCount);

    /// <summary>Each span's <see cref="SpanSignature"/>, at the same position.</summary>
    public ReadOnlySpan<ulong> Signatures => _signatures.AsSpan(0, SpanCount);

    public void AddSpan(Span span, ulong signature)
    {
        if (SpanCount == _spans.Length)
        {
            Array.Resize(ref _spans, _spans.Length * 2);
            Array.Resize(ref _signatures, _signatures.Length * 2);
        }

        _spans[SpanCount] = span;
        _signatures[SpanCount] = signature;
        SpanCount++;
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
