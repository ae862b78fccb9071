using System.Globalization;
using System.Numerics;
using System.Text;

namespace Jaeger.Storage.Cassandra.Tests.Spans;

/// <summary>
/// The reference for <c>GoFloat</c>: Go's <c>FormatFloat(v, 'g', 10, 64)</c> from the exact decimal expansion of the
/// double (BigInteger), rounded half-to-even. Slow and allocating, so the store uses the shortest-digits form; this
/// one checks it.
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
        var builder = new StringBuilder();
        if (negative)
        {
            builder.Append('-');
        }

        if (digits.Length == 0)
        {
            builder.Append('0');
            return builder.ToString();
        }

        var nd = digits.Length;
        var eprec = Precision;
        if (eprec > nd && nd >= dp)
        {
            eprec = nd;
        }

        var exp = dp - 1;
        if (exp < -4 || exp >= eprec)
        {
            var prec = Math.Min(Precision, nd) - 1;
            builder.Append(digits[0]);
            if (prec > 0)
            {
                builder.Append('.');
                for (var i = 1; i <= prec; i++)
                {
                    builder.Append(i < nd ? digits[i] : '0');
                }
            }

            builder.Append('e').Append(exp < 0 ? '-' : '+');
            var e = Math.Abs(exp);
            builder.Append(e < 10 ? "0" : string.Empty).Append(e.ToString(CultureInfo.InvariantCulture));
            return builder.ToString();
        }

        var fixedPrec = Precision > dp ? nd : Precision;
        var decimals = Math.Max(fixedPrec - dp, 0);
        if (dp > 0)
        {
            for (var i = 0; i < dp; i++)
            {
                builder.Append(i < nd ? digits[i] : '0');
            }
        }
        else
        {
            builder.Append('0');
        }

        if (decimals > 0)
        {
            builder.Append('.');
            for (var i = 0; i < decimals; i++)
            {
                var at = dp + i;
                builder.Append(at >= 0 && at < nd ? digits[at] : '0');
            }
        }

        return builder.ToString();
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
