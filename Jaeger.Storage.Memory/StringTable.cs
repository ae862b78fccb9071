namespace Jaeger.Storage.Memory;

/// <summary>
/// The strings many stored spans repeat (operation names, tag keys, low-cardinality values such as "GET" or
/// "server"), kept once and referred to by number from encoded spans.
/// </summary>
/// <remarks>
/// Bounded, because entries are never removed (an encoded span may refer to any of them) and input may be hostile:
/// at most <see cref="MaxEntries"/> strings of at most <see cref="MaxLength"/> characters, and at most
/// <see cref="MaxValuesPerKey"/> distinct values under one key, so a key whose values are unique per span (a request
/// id, a URL) stops being interned early instead of filling the table. A string the table refuses is stored inline in
/// the span instead: interning only saves memory, it never changes what a read returns. Not thread-safe: the store
/// changes it under its write lock.
/// </remarks>
internal sealed class StringTable
{
    public const int DefaultMaxEntries = 1 << 16;
    public const int MaxLength = 256;
    public const int MaxValuesPerKey = 256;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _strings = [];

    // Per string id: its SpanSignature.Text hash, computed once.
    private int[] _hashes = new int[16];

    // Per string id used as a key: how many distinct values were interned under it.
    private int[] _valuesPerKey = new int[16];

    public StringTable(int maxEntries = DefaultMaxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntries);
        MaxEntries = maxEntries;
    }

    public int MaxEntries { get; }

    public int Count => _strings.Count;

    /// <summary>Changes whenever the table is cleared, so those who remember ids know to forget them.</summary>
    public int Version { get; private set; }

    public string this[int id] => _strings[id];

    /// <summary>The <see cref="SpanSignature.Text"/> hash of the string <paramref name="id"/>.</summary>
    public int HashOf(int id) => _hashes[id];

    /// <summary>A name (operation, tag key): interned while the table has room. Returns -1 when not interned.</summary>
    public int Intern(string text)
    {
        if (_ids.TryGetValue(text, out var id))
        {
            return id;
        }

        return text.Length > MaxLength || _strings.Count >= MaxEntries ? -1 : Add(text);
    }

    /// <summary>A string value under an interned key: interned while that key has had few distinct values. Returns -1 when not interned.</summary>
    public int InternValue(int keyId, string value)
    {
        if (_ids.TryGetValue(value, out var id))
        {
            return id;
        }

        if (keyId < 0 || value.Length > MaxLength || _strings.Count >= MaxEntries || _valuesPerKey[keyId] >= MaxValuesPerKey)
        {
            return -1;
        }

        _valuesPerKey[keyId]++;
        return Add(value);
    }

    /// <summary>Forgets every string (the store holds no span any more).</summary>
    public void Clear()
    {
        _ids.Clear();
        _strings.Clear();
        Array.Clear(_valuesPerKey);
        Array.Clear(_hashes);
        Version++;
    }

    private int Add(string text)
    {
        var id = _strings.Count;
        _strings.Add(text);
        _ids.Add(text, id);
        if (id == _valuesPerKey.Length)
        {
            Array.Resize(ref _valuesPerKey, id * 2);
            Array.Resize(ref _hashes, id * 2);
        }

        _hashes[id] = SpanSignature.Text(text);

        return id;
    }
}
