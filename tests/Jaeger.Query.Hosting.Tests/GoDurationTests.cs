using Jaeger.Query.Api;

namespace Jaeger.Query.Hosting.Tests;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("1.5ms", 15_000)]
    [InlineData("2s", 20_000_000)]
    [InlineData("100us", 1_000)]
    [InlineData("100µs", 1_000)]
    [InlineData("1h30m", 54_000_000_000)]
    [InlineData("1m0.5s", 605_000_000)]
    [InlineData("0", 0)]
    [InlineData("-2s", -20_000_000)]
    [InlineData(".5s", 5_000_000)]
    [InlineData("300ns", 3)]
    public void Parses_go_durations(string text, long ticks)
    {
        Assert.True(GoDuration.TryParse(text, out var value, out _));
        Assert.Equal(ticks, value.Ticks);
    }

    [Theory]
    [InlineData("", "time: invalid duration \"\"")]
    [InlineData("10", "time: missing unit in duration \"10\"")]
    [InlineData("1d", "time: unknown unit \"d\" in duration \"1d\"")]
    [InlineData("ms", "time: invalid duration \"ms\"")]
    [InlineData("1.2.3s", "time: invalid duration \"1.2.3s\"")]
    [InlineData("1s ", "time: unknown unit \"s \" in duration \"1s \"")]
    public void Rejects_what_go_rejects_with_gos_message(string text, string message)
    {
        Assert.False(GoDuration.TryParse(text, out _, out var error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void Days_and_weeks_only_for_lookbacks()
    {
        Assert.True(GoDuration.TryParse("2d", out var days, out _, allowDays: true));
        Assert.Equal(TimeSpan.FromDays(2), days);
        Assert.True(GoDuration.TryParse("1w", out var week, out _, allowDays: true));
        Assert.Equal(TimeSpan.FromDays(7), week);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(12, "12µs")]
    [InlineData(540_000, "540ms")]
    [InlineData(1_500, "1.5ms")]
    [InlineData(1_500_000, "1.5s")]
    [InlineData(3_723_000_000, "1h2m3s")]
    [InlineData(-250_000, "-250ms")]
    public void Formats_as_go_does(long micros, string expected)
    {
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromTicks(micros * 10)));
    }
}
