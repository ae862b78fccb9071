using Jaeger.Storage.Cassandra.Spans;

namespace Jaeger.Storage.Cassandra.Tests.Spans;

/// <summary>Float tag values in the tag index are Go's strconv.FormatFloat(v, 'g', 10, 64), as Jaeger writes them.</summary>
public sealed class GoFloatTests
{
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-0.0, "-0")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.5, "0.5")]
    [InlineData(1.5, "1.5")]
    [InlineData(100.0, "100")]
    [InlineData(12345.678, "12345.678")]
    [InlineData(3.141592653589793, "3.141592654")]
    [InlineData(1e10, "1e+10")]
    [InlineData(123456789012.0, "1.23456789e+11")]
    [InlineData(1234567890.0, "1234567890")]
    [InlineData(1234567890.5, "1234567890")]
    [InlineData(1234567891.5, "1234567892")]
    [InlineData(9999999999.5, "1e+10")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(2.5e-7, "2.5e-07")]
    [InlineData(-42.25, "-42.25")]
    [InlineData(1.7976931348623157e308, "1.797693135e+308")]
    [InlineData(5e-324, "4.940656458e-324")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void FormatsAsGoDoes(double value, string expected)
    {
        Assert.Equal(expected, GoFloat.FormatG10(value));
    }

    [Fact]
    public void AgreesWithTheExactExpansionOnRandomDoublesSubnormalsAndTies()
    {
        var random = new Random(20261207);
        var values = new List<double>();
        Span<byte> bits = stackalloc byte[8];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(bits);
            values.Add(BitConverter.ToDouble(bits));
            values.Add(random.NextDouble() * Math.Pow(10, random.Next(-12, 16)));
            values.Add(BitConverter.Int64BitsToDouble(random.NextInt64(1, 1L << 52)));
        }

        // Exact ties at the 11th significant digit, both parities, and carries through nines.
        for (long k = 1_000_000_000; k < 1_000_000_000 + 2_000; k++)
        {
            values.Add((k * 10) + 5);
            values.Add(((k * 10) + 5) / 1024.0);
        }

        values.AddRange([99_999_999_995, 9_999_999_999.5, 0.30000000000000004, 1e21, 1e-5, 123_456_789_012_345_680, 2.2250738585072014E-308, double.Epsilon, double.MaxValue]);
        var checkedCount = 0;
        foreach (var value in values)
        {
            if (double.IsNaN(value) || double.IsInfinity(value))
            {
                continue;
            }

            Assert.True(GoFloatExact.FormatG10(value) == GoFloat.FormatG10(value), $"{value:R}: exact {GoFloatExact.FormatG10(value)}, ours {GoFloat.FormatG10(value)}");
            checkedCount++;
        }

        Assert.True(checkedCount > 60_000);
    }
}
