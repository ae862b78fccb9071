using System.Globalization;

namespace Jaeger.Storage.Filtering;

/// <summary>Go's duration text ("1.5s", "250ms", "1h30m", "100us"), read into nanoseconds for filter literals.</summary>
internal static class FilterDuration
{
    public static bool TryParse(string text, out long nanoseconds)
    {
        nanoseconds = 0;
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.IsEmpty)
        {
            return false;
        }

        decimal total = 0;
        while (!s.IsEmpty)
        {
            var digits = 0;
            while (digits < s.Length && (char.IsAsciiDigit(s[digits]) || s[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !decimal.TryParse(s[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            s = s[digits..];
            var unitLength = 0;
            while (unitLength < s.Length && !char.IsAsciiDigit(s[unitLength]) && s[unitLength] != '.')
            {
                unitLength++;
            }

            decimal unit = s[..unitLength] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => 0m,
            };
            if (unit == 0m)
            {
                return false;
            }

            s = s[unitLength..];
            total += amount * unit;
            if (total > long.MaxValue)
            {
                return false;
            }
        }

        nanoseconds = (long)decimal.Round(negative ? -total : total);
        return true;
    }
}
