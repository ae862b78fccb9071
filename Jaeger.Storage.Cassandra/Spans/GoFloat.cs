using System.Globalization;

namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>
/// Go's <c>strconv.FormatFloat(v, 'g', 10, 64)</c>, which Jaeger uses for float tags in the tag index: 10
/// significant digits rounded half-to-even on the exact binary value, trailing zeros dropped, exponent form
/// (<c>1.5e+10</c>, <c>1e-05</c>) when the exponent is below -4 or at least the digits kept.
/// </summary>
/// <remarks>
/// Written into a caller's buffer without allocating. The digits come from .NET's shortest round-trip form ("R"),
/// rounded to 10 digits: for a normal double the round-trip interval is far narrower than half a unit of the 10th
/// digit, so rounding the shortest digits gives the exact value's rounding, and an exact tie at the 11th digit shows
/// as shortest digits ending in that 5 (rounded half-to-even here, as Go does). Subnormals have too few bits for
/// that argument; their exact expansions are hundreds of digits long and never tie, so .NET's correctly rounded
/// "E9" serves them.
/// </remarks>
internal static class GoFloat
{
    /// <summary>Room for the longest result ("-1.234567891e-308" is 17 characters).</summary>
    public const int MaxLength = 24;

    private const int Precision = 10;

    /// <summary>The smallest normal double, 2^-1022.</summary>
    private const double MinNormal = 2.2250738585072014E-308;

    public static string FormatG10(double value)
    {
        Span<char> buffer = stackalloc char[MaxLength];
        return new string(buffer[..FormatG10(value, buffer)]);
    }

    /// <summary>Writes the text into <paramref name="destination"/> (at least <see cref="MaxLength"/> characters) and returns its length.</summary>
    public static int FormatG10(double value, Span<char> destination)
    {
        if (double.IsNaN(value))
        {
            "NaN".CopyTo(destination);
            return 3;
        }

        if (double.IsInfinity(value))
        {
            (value > 0 ? "+Inf" : "-Inf").CopyTo(destination);
            return 4;
        }

        Span<char> digits = stackalloc char[40];
        var (nd, dp) = Digits(Math.Abs(value), digits);
        (nd, dp) = Round(digits, nd, dp);
        return Layout(digits[..nd], dp, double.IsNegative(value), destination);
    }

    /// <summary>
    /// Go's %g layout of significant digits (at most 10, no trailing zeros; value = 0.digits × 10^dp): exponent form
    /// when the exponent is below -4 or at least the digits kept, else fixed. Returns the length written.
    /// </summary>
    public static int Layout(ReadOnlySpan<char> digits, int dp, bool negative, Span<char> destination)
    {
        var pos = 0;
        if (negative)
        {
            destination[pos++] = '-';
        }

        var nd = digits.Length;
        if (nd == 0)
        {
            destination[pos++] = '0';
            return pos;
        }

        var eprec = Precision;
        if (eprec > nd && nd >= dp)
        {
            eprec = nd;
        }

        var exp = dp - 1;
        if (exp < -4 || exp >= eprec)
        {
            var prec = Math.Min(Precision, nd) - 1;
            destination[pos++] = digits[0];
            if (prec > 0)
            {
                destination[pos++] = '.';
                for (var i = 1; i <= prec; i++)
                {
                    destination[pos++] = i < nd ? digits[i] : '0';
                }
            }

            destination[pos++] = 'e';
            destination[pos++] = exp < 0 ? '-' : '+';
            var e = Math.Abs(exp);
            if (e < 10)
            {
                destination[pos++] = '0';
            }

            e.TryFormat(destination[pos..], out var written, default, CultureInfo.InvariantCulture);
            return pos + written;
        }

        var fixedPrec = Precision > dp ? nd : Precision;
        var decimals = Math.Max(fixedPrec - dp, 0);
        if (dp > 0)
        {
            for (var i = 0; i < dp; i++)
            {
                destination[pos++] = i < nd ? digits[i] : '0';
            }
        }
        else
        {
            destination[pos++] = '0';
        }

        if (decimals > 0)
        {
            destination[pos++] = '.';
            for (var i = 0; i < decimals; i++)
            {
                var at = dp + i;
                destination[pos++] = at >= 0 && at < nd ? digits[at] : '0';
            }
        }

        return pos;
    }

    /// <summary>Significant digits of a finite non-negative double and the decimal point position (value = 0.digits × 10^dp), no leading or trailing zeros.</summary>
    private static (int Count, int Dp) Digits(double value, Span<char> digits)
    {
        Span<char> text = stackalloc char[40];
        value.TryFormat(text, out var length, value < MinNormal ? "E9" : "R", CultureInfo.InvariantCulture);
        var count = 0;
        var integerDigits = 0;
        var seenPoint = false;
        var i = 0;
        for (; i < length && text[i] is not ('E' or 'e'); i++)
        {
            if (text[i] == '.')
            {
                seenPoint = true;
                continue;
            }

            integerDigits += seenPoint ? 0 : 1;
            digits[count++] = text[i];
        }

        var exponent = i < length ? int.Parse(text[(i + 1)..length], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var dp = integerDigits + exponent;
        var leading = 0;
        while (leading < count && digits[leading] == '0')
        {
            leading++;
        }

        if (leading == count)
        {
            return (0, 0);
        }

        digits[leading..count].CopyTo(digits);
        count -= leading;
        dp -= leading;
        while (digits[count - 1] == '0')
        {
            count--;
        }

        return (count, dp);
    }

    /// <summary>Keeps <see cref="Precision"/> digits, half-to-even, trailing zeros dropped.</summary>
    private static (int Count, int Dp) Round(Span<char> digits, int count, int dp)
    {
        if (count <= Precision)
        {
            return (count, dp);
        }

        var next = digits[Precision];
        var roundUp = next > '5' || (next == '5' && (count > Precision + 1 || (digits[Precision - 1] - '0') % 2 == 1));
        count = Precision;
        if (roundUp)
        {
            var i = count - 1;
            while (i >= 0 && digits[i] == '9')
            {
                i--;
            }

            if (i < 0)
            {
                digits[0] = '1';
                return (1, dp + 1);
            }

            digits[i]++;
            count = i + 1;
        }

        while (count > 0 && digits[count - 1] == '0')
        {
            count--;
        }

        return (count, dp);
    }
}
