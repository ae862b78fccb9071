using Jaeger.Model;

namespace Jaeger.Client.Tracing;

/// <summary>
/// Span times from one clock read: wall-clock microseconds are derived from the monotonic timestamp and an anchor
/// (a wall-clock reading paired with a timestamp) that is renewed once a second, so a clock step shows up within a
/// second while a span start costs one read instead of two (each read is a system call on some virtual machines).
/// </summary>
internal sealed class SpanClock
{
    private readonly TimeProvider _time;
    private readonly long _ticksPerMicro;
    private readonly double _microsPerTick;
    private readonly long _renewTicks;
    private Anchor _anchor;

    public SpanClock(TimeProvider time)
    {
        _time = time;
        // Integer division where the frequency allows it (1 GHz on Linux, 10 MHz for FakeTimeProvider): exact.
        _ticksPerMicro = time.TimestampFrequency % 1_000_000 == 0 ? time.TimestampFrequency / 1_000_000 : 0;
        _microsPerTick = 1_000_000.0 / time.TimestampFrequency;
        _renewTicks = time.TimestampFrequency;
        _anchor = NewAnchor();
    }

    public long GetTimestamp() => _time.GetTimestamp();

    /// <summary>Wall-clock microseconds since the Unix epoch at <paramref name="timestamp"/> (a recent reading).</summary>
    public long ToUnixMicros(long timestamp)
    {
        var anchor = _anchor;
        var elapsed = timestamp - anchor.Timestamp;
        if (Math.Abs(elapsed) > _renewTicks)
        {
            _anchor = anchor = NewAnchor();
            elapsed = timestamp - anchor.Timestamp;
        }

        return anchor.UnixMicros + ToMicros(elapsed);
    }

    public long NowUnixMicros() => ToUnixMicros(_time.GetTimestamp());

    /// <summary>Microseconds between two readings.</summary>
    public long ElapsedMicros(long start, long end) => ToMicros(end - start);

    // The two usual frequencies divide by a constant (a multiply and a shift instead of a 64-bit division).
    private long ToMicros(long ticks) => _ticksPerMicro switch
    {
        1000 => ticks / 1000,
        10 => ticks / 10,
        0 => (long)(ticks * _microsPerTick),
        _ => ticks / _ticksPerMicro,
    };

    private Anchor NewAnchor()
    {
        var timestamp = _time.GetTimestamp();
        return new Anchor(timestamp, Time.ToUnixMicros(_time.GetUtcNow()));
    }

    private sealed record Anchor(long Timestamp, long UnixMicros);
}
