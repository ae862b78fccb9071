using System.Text;

namespace Jaeger.Collector.Receivers;

/// <summary>
/// Decodes short UTF-8 strings, handing back the same string instance for bytes seen recently on this thread:
/// attribute keys, span names and common values repeat across the spans of a request and across requests, so most
/// of them cost a hash and a compare instead of an allocation. A fixed table, overwritten on collision, bounds the
/// memory whatever the input.
/// </summary>
internal sealed class Utf8StringCache
{
    public const int MaxCachedLength = 32;

    private const int Size = 1024;

    [ThreadStatic]
    private static Utf8StringCache? t_current;

    private readonly byte[][] _bytes = new byte[Size][];
    private readonly string[] _strings = new string[Size];

    /// <summary>The calling thread's cache.</summary>
    public static Utf8StringCache Current => t_current ??= new Utf8StringCache();

    /// <summary>The string of <paramref name="utf8"/> (already checked to be valid UTF-8).</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxCachedLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var hash = default(HashCode);
        hash.AddBytes(utf8);
        var slot = hash.ToHashCode() & (Size - 1);
        var known = _bytes[slot];
        if (known is not null && utf8.SequenceEqual(known))
        {
            return _strings[slot];
        }

        var value = Encoding.UTF8.GetString(utf8);
        _bytes[slot] = utf8.ToArray();
        _strings[slot] = value;
        return value;
    }
}
