using System.Globalization;
using System.Numerics;
using Jaeger.Storage.Cassandra.Spans;

namespace Jaeger.Storage.Cassandra.Tests.Spans;

/// <summary>
/// The reference for <c>GoFloat</c>'s digits: the exact decimal expansion of the double (BigInteger), rounded
/// half-to-even to 10 digits as Go's <c>FormatFloat(v, 'g', 10, 64)</c> does, laid out by <c>GoFloat.Layout</c>. Slow
/// and allocating, so the store derives its digits from the shortest round-trip form; this one checks them.
/// </summary>
internal static class GoFloatExact
{
    private const int Precision = 10;

    public static string FormatG10(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        var negative = double.IsNegative(value);
        var (digits, dp) = ExactDigits(Math.Abs(value));
        (digits, dp) = Round(digits, dp, Precision);
        Span<char> text = stackalloc char[GoFloat.MaxLength];
        return new string(text[..GoFloat.Layout(digits, dp, negative, text)]);
    }

    /// <summary>The exact decimal digits of a finite non-negative double and the decimal point position (value = 0.digits × 10^dp).</summary>
    private static (string Digits, int Dp) ExactDigits(double value)
    {
        if (value == 0)
        {
            return (string.Empty, 0);
        }

        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        exponent -= 1075;
        string digits;
        int dp;
        if (exponent >= 0)
        {
            digits = (new BigInteger(mantissa) << exponent).ToString(CultureInfo.InvariantCulture);
            dp = digits.Length;
        }
        else
        {
            digits = (new BigInteger(mantissa) * BigInteger.Pow(5, -exponent)).ToString(CultureInfo.InvariantCulture);
            dp = digits.Length + exponent;
        }

        return (digits.TrimEnd('0'), dp);
    }

    private static (string Digits, int Dp) Round(string digits, int dp, int keep)
    {
        if (digits.Length <= keep)
        {
            return (digits, dp);
        }

        var roundUp = digits[keep] > '5' || (digits[keep] == '5' && (digits.Length > keep + 1 || (digits[keep - 1] - '0') % 2 == 1));
        var kept = digits[..keep].ToCharArray();
        if (roundUp)
        {
            var i = keep - 1;
            while (i >= 0 && kept[i] == '9')
            {
                kept[i] = '0';
                i--;
            }

            if (i < 0)
            {
                return (("1" + new string(kept)).TrimEnd('0'), dp + 1);
            }

            kept[i]++;
        }

        return (new string(kept).TrimEnd('0'), dp);
    }
}
