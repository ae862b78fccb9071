namespace Jaeger.Storage.Metrics;

/// <summary>
/// A mergeable sketch of span durations with a bounded relative error: every quantile it answers is within
/// <see cref="RelativeAccuracy"/> (1%) of the exact value at that rank.
/// </summary>
/// <remarks>
/// <para>
/// Durations in microseconds fall into logarithmic buckets: bucket <c>i</c> holds the values in
/// <c>(γ^(i-1), γ^i]</c> with <c>γ = (1 + α) / (1 - α)</c>, and answers with <c>2γ^i / (γ + 1)</c>, which is within
/// <c>α</c> of every value of the bucket. A quantile <c>q</c> of <c>n</c> values answers for the value of rank
/// <c>⌊q(n - 1)⌋</c> of the sorted values (0-based), so the answer is within <c>α</c> of that value; a duration of 0
/// is kept exactly. This is the guarantee of DDSketch-style sketches, and merging two sketches adds their bucket
/// counts, so a merged sketch keeps it.
/// </para>
/// <para>
/// Counts live in one array over the range of buckets seen (about 115 buckets per factor of ten), grown on demand
/// and reused after <see cref="Clear"/>, so adding a duration allocates nothing once the range is known. Not thread
/// safe: callers lock.
/// </para>
/// </remarks>
public sealed class LatencySketch
{
    /// <summary>The bound on the relative error of <see cref="Quantile"/>: 0.01.</summary>
    public const double RelativeAccuracy = 0.01;

    // Bucket indexes are bounded: durations above γ^MaxIndex (about 3e19 µs) share the last bucket.
    internal const int MaxIndex = 2300;

    private static readonly double Gamma = (1 + RelativeAccuracy) / (1 - RelativeAccuracy);
    private static readonly double LogGamma = Math.Log(Gamma);

    private long[] _counts = [];
    private int _offset;
    private int _lowest = int.MaxValue;
    private int _highest = int.MinValue;

    /// <summary>The number of durations added.</summary>
    public long Count { get; private set; }

    /// <summary>The number of zero durations added.</summary>
    public long ZeroCount { get; private set; }

    /// <summary>The sum of the durations added, in microseconds.</summary>
    public long SumMicros { get; private set; }

    /// <summary>Adds one duration in microseconds; negative durations count as 0.</summary>
    public void Add(long durationMicros) => Add(durationMicros, 1);

    /// <summary>Adds <paramref name="count"/> durations of <paramref name="durationMicros"/> each.</summary>
    public void Add(long durationMicros, long count)
    {
        if (count <= 0)
        {
            return;
        }

        Count += count;
        if (durationMicros <= 0)
        {
            ZeroCount += count;
            return;
        }

        SumMicros += durationMicros * count;
        AddToBucket(IndexOf(durationMicros), count);
    }

    /// <summary>Adds every duration of <paramref name="other"/> to this sketch.</summary>
    public void Merge(LatencySketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Count += other.Count;
        ZeroCount += other.ZeroCount;
        SumMicros += other.SumMicros;
        for (var i = other._lowest; i <= other._highest; i++)
        {
            var n = other._counts[i - other._offset];
            if (n != 0)
            {
                AddToBucket(i, n);
            }
        }
    }

    /// <summary>
    /// The duration, in microseconds, at quantile <paramref name="q"/>: within <see cref="RelativeAccuracy"/> of the
    /// value of rank <c>⌊q(n - 1)⌋</c> among the <c>n</c> sorted durations; NaN when the sketch is empty.
    /// </summary>
    /// <param name="q">From 0 to 1.</param>
    public double Quantile(double q)
    {
        if (q is < 0 or > 1 || double.IsNaN(q))
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "The quantile must be between 0 and 1.");
        }

        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Floor(q * (Count - 1));
        if (rank < ZeroCount)
        {
            return 0;
        }

        var seen = ZeroCount;
        for (var i = _lowest; i <= _highest; i++)
        {
            seen += _counts[i - _offset];
            if (seen > rank)
            {
                return ValueOf(i);
            }
        }

        return ValueOf(_highest);
    }

    /// <summary>Forgets every duration; keeps the memory for reuse.</summary>
    public void Clear()
    {
        if (_lowest <= _highest)
        {
            Array.Clear(_counts, _lowest - _offset, _highest - _lowest + 1);
        }

        _lowest = int.MaxValue;
        _highest = int.MinValue;
        Count = 0;
        ZeroCount = 0;
        SumMicros = 0;
    }

    /// <summary>A copy that shares nothing with this sketch.</summary>
    public LatencySketch Clone()
    {
        var copy = new LatencySketch();
        copy.Merge(this);
        return copy;
    }

    /// <summary>The non-empty buckets, lowest first: the bucket index and its count (for storage).</summary>
    public IEnumerable<KeyValuePair<int, long>> Buckets()
    {
        for (var i = _lowest; i <= _highest; i++)
        {
            var n = _counts[i - _offset];
            if (n != 0)
            {
                yield return new(i, n);
            }
        }
    }

    /// <summary>Restores a sketch from what <see cref="Buckets"/>, <see cref="ZeroCount"/> and <see cref="SumMicros"/> gave.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bucket index or count is out of range.</exception>
    public static LatencySketch FromBuckets(long zeroCount, long sumMicros, IEnumerable<KeyValuePair<int, long>> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentOutOfRangeException.ThrowIfNegative(zeroCount);
        var sketch = new LatencySketch { ZeroCount = zeroCount, Count = zeroCount, SumMicros = sumMicros };
        foreach (var (index, count) in buckets)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(buckets));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(index, MaxIndex, nameof(buckets));
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count, nameof(buckets));
            sketch.Count += count;
            sketch.AddToBucket(index, count);
        }

        return sketch;
    }

    /// <summary>The bucket of a positive duration.</summary>
    internal static int IndexOf(long durationMicros) =>
        durationMicros <= 1 ? 0 : Math.Min(MaxIndex, (int)Math.Ceiling(Math.Log(durationMicros) / LogGamma));

    /// <summary>The value a bucket answers with.</summary>
    internal static double ValueOf(int index) => index == 0 ? 1 : 2 * Math.Pow(Gamma, index) / (Gamma + 1);

    private void AddToBucket(int index, long count)
    {
        if (index < _lowest || index > _highest)
        {
            Grow(Math.Min(index, _lowest), Math.Max(index, _highest));
        }

        _counts[index - _offset] += count;
    }

    private void Grow(int low, int high)
    {
        if (low >= _offset && high < _offset + _counts.Length)
        {
            _lowest = low;
            _highest = high;
            return;
        }

        // Room for some more buckets either side, so a range that creeps does not grow on every new bucket.
        var newLow = Math.Max(0, low - 16);
        var newHigh = Math.Min(MaxIndex, high + 16);
        var counts = new long[newHigh - newLow + 1];
        if (_lowest <= _highest)
        {
            Array.Copy(_counts, _lowest - _offset, counts, _lowest - newLow, _highest - _lowest + 1);
        }

        _counts = counts;
        _offset = newLow;
        _lowest = low;
        _highest = high;
    }
}
