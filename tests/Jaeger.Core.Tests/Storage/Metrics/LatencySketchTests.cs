using FsCheck;
using FsCheck.Xunit;
using Jaeger.Storage.Metrics;

namespace Jaeger.Core.Tests.Storage.Metrics;

public sealed class LatencySketchTests
{
    private static readonly double[] Quantiles = [0, 0.5, 0.75, 0.9, 0.95, 0.99, 1];

    // The stated bound, plus room for rounding at a bucket's edge.
    private const double Tolerance = LatencySketch.RelativeAccuracy + 1e-9;

    [Property(MaxTest = 200)]
    public void AnyDurations_EveryQuantileIsWithinOnePercentOfTheExactValueAtItsRank(NonEmptyArray<PositiveInt> durations, NonNegativeInt zeros)
    {
        var values = new List<long>();
        foreach (var d in durations.Get)
        {
            // Spread over microseconds to hours: square the draw to reach large values too.
            values.Add((long)d.Get * d.Get);
        }

        for (var i = 0; i < zeros.Get % 5; i++)
        {
            values.Add(0);
        }

        AssertWithinBound(values);
    }

    [Fact]
    public void LogNormalLatencies_P50ToP99_AreWithinOnePercentOfExactQuantiles()
    {
        var random = new Random(1234);
        var values = new List<long>();
        for (var i = 0; i < 100_000; i++)
        {
            // Log-normal around 20 ms with a long tail, as request latencies are.
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            values.Add((long)Math.Exp(Math.Log(20_000) + normal));
        }

        AssertWithinBound(values);
    }

    [Property(MaxTest = 100)]
    public void MergedSketches_AnswerAsOneSketchOfAllDurations(NonEmptyArray<PositiveInt> left, NonEmptyArray<PositiveInt> right)
    {
        var a = new LatencySketch();
        var b = new LatencySketch();
        var all = new LatencySketch();
        foreach (var d in left.Get)
        {
            a.Add(d.Get);
            all.Add(d.Get);
        }

        foreach (var d in right.Get)
        {
            b.Add(d.Get * 1000L);
            all.Add(d.Get * 1000L);
        }

        a.Merge(b);
        Assert.Equal(all.Count, a.Count);
        Assert.Equal(all.SumMicros, a.SumMicros);
        foreach (var q in Quantiles)
        {
            Assert.Equal(all.Quantile(q), a.Quantile(q));
        }
    }

    [Fact]
    public void BucketsRoundTrip_AndClearForgetsEverything()
    {
        var sketch = new LatencySketch();
        foreach (var d in new long[] { 0, 1, 5, 900, 1_000_000, 3_600_000_000 })
        {
            sketch.Add(d);
        }

        var copy = LatencySketch.FromBuckets(sketch.ZeroCount, sketch.SumMicros, sketch.Buckets());
        Assert.Equal(6, copy.Count);
        Assert.Equal(sketch.Quantile(0.5), copy.Quantile(0.5));
        Assert.Equal(sketch.Quantile(1), copy.Quantile(1));
        Assert.Equal(0, copy.Quantile(0));

        sketch.Clear();
        Assert.Equal(0, sketch.Count);
        Assert.True(double.IsNaN(sketch.Quantile(0.5)));
        sketch.Add(42);
        Assert.InRange(sketch.Quantile(0.5), 42 * (1 - Tolerance), 42 * (1 + Tolerance));
    }

    [Fact]
    public void BadInput_IsRefused()
    {
        var sketch = new LatencySketch();
        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Quantile(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencySketch.FromBuckets(0, 0, [new(LatencySketch.MaxIndex + 1, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencySketch.FromBuckets(0, 0, [new(3, 0)]));
    }

    private static void AssertWithinBound(List<long> values)
    {
        var sketch = new LatencySketch();
        foreach (var v in values)
        {
            sketch.Add(v);
        }

        values.Sort();
        foreach (var q in Quantiles)
        {
            var exact = values[(int)Math.Floor(q * (values.Count - 1))];
            var estimate = sketch.Quantile(q);
            Assert.True(Math.Abs(estimate - exact) <= Tolerance * exact, $"q={q}: {estimate} is not within 1% of {exact}");
        }
    }
}
