using System.Text;

namespace Jaeger.Text;

/// <summary>
/// Decodes short UTF-8 strings, handing back the same string instance for bytes seen recently on this thread:
/// attribute keys, span names and common values repeat across the spans of a request and across requests, so most
/// of them cost a hash and a compare instead of an allocation. A fixed table of two-entry sets bounds the memory
/// whatever the input: two strings that share a set both stay (the older of a set's two goes on a third), and the
/// hash is fixed (not seeded per process), so which strings share a set is the same on every run. Decoders of every
/// wire format and storage encoding use it (Thrift, OTLP protobuf, the embedded store's records).
/// </summary>
public sealed class Utf8StringCache
{
    /// <summary>Longer strings are decoded every time: they rarely repeat and would crowd out the short ones.</summary>
    public const int MaxCachedLength = 32;

    private const int Size = 1024;

    [ThreadStatic]
    private static Utf8StringCache? t_current;

    private readonly byte[][] _bytes = new byte[Size][];
    private readonly string[] _strings = new string[Size];

    /// <summary>The calling thread's cache.</summary>
    public static Utf8StringCache Current => t_current ??= new Utf8StringCache();

    /// <summary>The string of <paramref name="utf8"/>; invalid UTF-8 becomes U+FFFD, as <see cref="Encoding.UTF8"/> decodes it.</summary>
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

        var slot = (int)(Hash(utf8) & (Size - 1)) & ~1;
        var known = _bytes[slot];
        if (known is not null && utf8.SequenceEqual(known))
        {
            return _strings[slot];
        }

        var other = _bytes[slot + 1];
        if (other is not null && utf8.SequenceEqual(other))
        {
            return _strings[slot + 1];
        }

        // The newest goes first in its set; the one it displaces moves to the second place, whose string goes.
        var value = Encoding.UTF8.GetString(utf8);
        _bytes[slot + 1] = known!;
        _strings[slot + 1] = _strings[slot];
        _bytes[slot] = utf8.ToArray();
        _strings[slot] = value;
        return value;
    }

    /// <summary>FNV-1a over the bytes (at most <see cref="MaxCachedLength"/> of them).</summary>
    private static uint Hash(ReadOnlySpan<byte> utf8)
    {
        var hash = 2166136261u;
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash ^ (hash >> 15);
    }
}
