namespace Jaeger.Model;

/// <summary>Conversions between dates and Jaeger's microseconds since the Unix epoch.</summary>
public static class Time
{
    private static readonly long MinMicros = (DateTimeOffset.MinValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
    private static readonly long MaxMicros = (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>Microseconds since the Unix epoch for a date (truncated to the microsecond).</summary>
    public static long ToUnixMicros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>The date for microseconds since the Unix epoch; values beyond the calendar's range are clamped.</summary>
    public static DateTimeOffset FromUnixMicros(long micros)
    {
        micros = Math.Clamp(micros, MinMicros, MaxMicros);
        return DateTimeOffset.UnixEpoch.AddTicks(micros * TimeSpan.TicksPerMicrosecond);
    }

    /// <summary>Whole microseconds of a duration.</summary>
    public static long ToMicros(TimeSpan duration) => duration.Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>A duration of whole microseconds, clamped to what <see cref="TimeSpan"/> can hold.</summary>
    public static TimeSpan FromMicros(long micros) =>
        TimeSpan.FromTicks(Math.Clamp(micros, TimeSpan.MinValue.Ticks / TimeSpan.TicksPerMicrosecond, TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMicrosecond) * TimeSpan.TicksPerMicrosecond);
}
