using System.Globalization;
using System.Text;

namespace Jaeger.Query.Api;

/// <summary>Go's <c>time.ParseDuration</c> and <c>Duration.String</c> (microsecond precision), plus "d" and "w" for look-backs.</summary>
internal static class GoDuration
{
    /// <summary>Parses "1.5ms", "2s", "100us", "1h30m", "-2s", "0"; <paramref name="allowDays"/> also accepts "2d" and "1w".</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string error, bool allowDays = false)
    {
        value = TimeSpan.Zero;
        error = $"time: invalid duration \"{text}\"";
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        var s = text.AsSpan();
        var negative = false;
        if (s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        double totalTicks = 0;
        while (!s.IsEmpty)
        {
            var i = 0;
            var digits = 0;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                if (s[i] != '.')
                {
                    digits++;
                }

                i++;
            }

            if (digits == 0 || !double.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            s = s[i..];
            var u = 0;
            while (u < s.Length && !char.IsAsciiDigit(s[u]) && s[u] != '.')
            {
                u++;
            }

            if (u == 0)
            {
                error = $"time: missing unit in duration \"{text}\"";
                return false;
            }

            double ticksPerUnit;
            switch (s[..u])
            {
                case "ns": ticksPerUnit = 0.01; break;
                case "us" or "µs" or "μs": ticksPerUnit = TimeSpan.TicksPerMicrosecond; break;
                case "ms": ticksPerUnit = TimeSpan.TicksPerMillisecond; break;
                case "s": ticksPerUnit = TimeSpan.TicksPerSecond; break;
                case "m": ticksPerUnit = TimeSpan.TicksPerMinute; break;
                case "h": ticksPerUnit = TimeSpan.TicksPerHour; break;
                case "d" when allowDays: ticksPerUnit = TimeSpan.TicksPerDay; break;
                case "w" when allowDays: ticksPerUnit = TimeSpan.TicksPerDay * 7; break;
                default:
                    error = $"time: unknown unit \"{s[..u].ToString()}\" in duration \"{text}\"";
                    return false;
            }

            totalTicks += number * ticksPerUnit;
            if (totalTicks > TimeSpan.MaxValue.Ticks)
            {
                error = $"time: invalid duration \"{text}\"";
                return false;
            }

            s = s[u..];
        }

        value = TimeSpan.FromTicks((long)Math.Round(negative ? -totalTicks : totalTicks));
        return true;
    }

    /// <summary>Formats as Go's <c>Duration.String</c>: "1.5s", "250ms", "12µs", "1h2m3s", "0s".</summary>
    public static string Format(TimeSpan duration)
    {
        var micros = duration.Ticks / TimeSpan.TicksPerMicrosecond;
        if (micros == 0)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        if (micros < 0)
        {
            sb.Append('-');
            micros = -micros;
        }

        if (micros < 1_000)
        {
            return sb.Append(micros.ToString(CultureInfo.InvariantCulture)).Append("µs").ToString();
        }

        if (micros < 1_000_000)
        {
            return sb.Append(Decimal(micros, 1_000)).Append("ms").ToString();
        }

        var hours = micros / 3_600_000_000;
        var minutes = micros / 60_000_000 % 60;
        var secondsMicros = micros % 60_000_000;
        if (hours > 0)
        {
            sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        return sb.Append(Decimal(secondsMicros, 1_000_000)).Append('s').ToString();
    }

    private static string Decimal(long value, long unit)
    {
        var whole = value / unit;
        var fraction = value % unit;
        if (fraction == 0)
        {
            return whole.ToString(CultureInfo.InvariantCulture);
        }

        var digits = unit == 1_000 ? 3 : 6;
        var text = fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
        return whole.ToString(CultureInfo.InvariantCulture) + "." + text;
    }
}
