namespace Jaeger.LoadGenerator.Latency;

/// <summary>Percentiles of recorded durations, from the full sorted sample (exact, not bucketed). Thread-safe.</summary>
internal sealed class LatencyRecorder
{
    private readonly List<double> _millis = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _millis.Count;
            }
        }
    }

    public void Record(TimeSpan elapsed)
    {
        lock (_lock)
        {
            _millis.Add(elapsed.TotalMilliseconds);
        }
    }

    /// <summary>Adds every sample of <paramref name="other"/>.</summary>
    public void Merge(LatencyRecorder other)
    {
        double[] samples;
        lock (other._lock)
        {
            samples = [.. other._millis];
        }

        lock (_lock)
        {
            _millis.AddRange(samples);
        }
    }

    /// <summary>The value at quantile <paramref name="q"/> (nearest rank), in milliseconds; NaN without samples.</summary>
    public double Percentile(double q) => Summarize([q])[0];

    public double Max => Summarize([1.0])[0];

    /// <summary>Several quantiles from one sort.</summary>
    public double[] Summarize(IReadOnlyList<double> quantiles)
    {
        double[] sorted;
        lock (_lock)
        {
            sorted = [.. _millis];
        }

        Array.Sort(sorted);
        var result = new double[quantiles.Count];
        for (var i = 0; i < quantiles.Count; i++)
        {
            result[i] = sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(quantiles[i] * sorted.Length) - 1, 0, sorted.Length - 1)];
        }

        return result;
    }
}
