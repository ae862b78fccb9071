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
}
