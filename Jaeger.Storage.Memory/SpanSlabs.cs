namespace Jaeger.Storage.Memory;

/// <summary>
/// Where the in-memory store keeps its encoded spans: appended one after another into large byte arrays (slabs)
/// instead of one array per span, so a stored span is no object the garbage collector has to mark or copy.
/// </summary>
/// <remarks>
/// <para>
/// A span is found by its location, a <see cref="long"/>: the slab's number in the high 32 bits, the offset in the
/// low 32. At the offset a varint gives the encoded length; the bytes follow. Slabs start at
/// <see cref="FirstSlabBytes"/> and double up to <see cref="MaxSlabBytes"/>, which is above the large-object
/// threshold: full-size slabs live on the large object heap, where the collector never moves them. A span longer
/// than a full slab gets a slab of its own.
/// </para>
/// <para>
/// Each slab counts its live spans; when the last one is removed (its trace evicted), the slab is dropped and one
/// full-size array is kept for the next slab, so a full store that evicts as it writes allocates no new slabs. With
/// eviction first in, first out by trace arrival, a slab's spans belong to traces that arrived before it was
/// filled, so slabs empty in about the order they were written; a span written long after its trace arrived keeps
/// its slab until that trace goes.
/// </para>
/// <para>Not thread-safe: the store writes under its write lock and reads under its read lock.</para>
/// </remarks>
internal sealed class SpanSlabs
{
    /// <summary>The size of the first slab (small stores stay small).</summary>
    public const int FirstSlabBytes = 4 * 1024;

    /// <summary>The size slabs grow to: above the 85,000-byte large-object threshold.</summary>
    public const int MaxSlabBytes = 1024 * 1024;

    private Slab?[] _slabs = new Slab?[4];
    private readonly Stack<int> _freeNumbers = new();
    private int _usedNumbers;
    private Slab? _current;
    private int _nextSize = FirstSlabBytes;
    private byte[]? _spare;

    /// <summary>The slabs held now.</summary>
    public int SlabCount { get; private set; }

    /// <summary>The bytes of the slabs held now (their capacity, used or not).</summary>
    public long SlabBytes { get; private set; }

    /// <summary>Copies <paramref name="encoded"/> in; returns its location.</summary>
    public long Add(ReadOnlySpan<byte> encoded)
    {
        var need = VarintLength((uint)encoded.Length) + encoded.Length;
        var slab = _current;
        if (slab is null || slab.Data.Length - slab.Used < need)
        {
            if (need > MaxSlabBytes)
            {
                // Alone in a slab of its own size; the current slab goes on taking the spans that follow.
                slab = NewSlab(need);
            }
            else
            {
                Retire(_current);
                var size = _nextSize;
                while (size < need)
                {
                    size *= 2;
                }

                slab = _current = NewSlab(Math.Min(size, MaxSlabBytes));
                _nextSize = Math.Min(MaxSlabBytes, size * 2);
            }
        }

        var offset = slab.Used;
        var data = slab.Data;
        var position = offset;
        var length = (uint)encoded.Length;
        while (length >= 0x80)
        {
            data[position++] = (byte)(length | 0x80);
            length >>= 7;
        }

        data[position++] = (byte)length;
        encoded.CopyTo(data.AsSpan(position));
        slab.Used = position + encoded.Length;
        slab.LiveSpans++;
        return ((long)slab.Number << 32) | (uint)offset;
    }

    /// <summary>The encoded span at <paramref name="location"/>.</summary>
    public ReadOnlySpan<byte> Get(long location)
    {
        var data = _slabs[(int)(location >> 32)]!.Data;
        var position = (int)(uint)location;
        var length = 0;
        var shift = 0;
        while (true)
        {
            var b = data[position++];
            length |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }

            shift += 7;
        }

        return data.AsSpan(position, length);
    }

    /// <summary>Forgets the span at <paramref name="location"/>; its slab goes with its last span (unless new spans are still going into it).</summary>
    public void Remove(long location)
    {
        var slab = _slabs[(int)(location >> 32)]!;
        if (--slab.LiveSpans == 0 && !ReferenceEquals(slab, _current))
        {
            Free(slab);
        }
    }

    /// <summary>Forgets every span and slab.</summary>
    public void Clear()
    {
        Array.Clear(_slabs);
        _freeNumbers.Clear();
        _usedNumbers = 0;
        _current = null;
        _nextSize = FirstSlabBytes;
        _spare = null;
        SlabCount = 0;
        SlabBytes = 0;
    }

    private static int VarintLength(uint value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }

        return length;
    }

    /// <summary>The slab new spans stopped going into: dropped at once when none of its spans is left.</summary>
    private void Retire(Slab? slab)
    {
        if (slab is not null && slab.LiveSpans == 0)
        {
            Free(slab);
        }
    }

    private Slab NewSlab(int size)
    {
        byte[] data;
        if (size == MaxSlabBytes && _spare is not null)
        {
            data = _spare;
            _spare = null;
        }
        else
        {
            // Every byte is written before it is read: no need to clear.
            data = GC.AllocateUninitializedArray<byte>(size);
        }

        int number;
        if (!_freeNumbers.TryPop(out number))
        {
            number = _usedNumbers++;
            if (number == _slabs.Length)
            {
                Array.Resize(ref _slabs, _slabs.Length * 2);
            }
        }

        var slab = new Slab(number, data);
        _slabs[number] = slab;
        SlabCount++;
        SlabBytes += data.Length;
        return slab;
    }

    private void Free(Slab slab)
    {
        _slabs[slab.Number] = null;
        _freeNumbers.Push(slab.Number);
        SlabCount--;
        SlabBytes -= slab.Data.Length;
        if (slab.Data.Length == MaxSlabBytes)
        {
            _spare = slab.Data;
        }
    }

    private sealed class Slab
    {
        public Slab(int number, byte[] data)
        {
            Number = number;
            Data = data;
        }

        public int Number { get; }

        public byte[] Data { get; }

        public int Used { get; set; }

        public int LiveSpans { get; set; }
    }
}
