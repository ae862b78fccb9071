namespace Jaeger.Model;

/// <summary>Hex parsing that accepts 1 to 16 digits of either case and nothing else (no sign, no prefix, no spaces).</summary>
internal static class HexParser
{
    public static bool TryParseUInt64(ReadOnlySpan<char> hex, out ulong value)
    {
        value = 0;
        if (hex.IsEmpty || hex.Length > 16)
        {
            return false;
        }

        ulong result = 0;
        foreach (var c in hex)
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }

            result = (result << 4) | (uint)digit;
        }

        value = result;
        return true;
    }
}
