using Jaeger.Model;

namespace Jaeger.Client;

/// <summary>An immutable Jaeger span context: trace id, span id, parent id, flags and baggage.</summary>
public sealed class JaegerSpanContext : ISpanContext
{
    internal static readonly KeyValuePair<string, string>[] NoBaggage = [];

    private readonly KeyValuePair<string, string>[] _baggage;

    // Rarely set parts live in a side object, so the common context (one per extract) stays small.
    private Extras? _extras;

    // The last uber-trace-id value formatted for this (immutable) context: a span that calls several services
    // formats its header once.
    private string? _uberTraceId;

    /// <summary>Creates a context.</summary>
    public JaegerSpanContext(TraceId traceId, SpanId spanId, SpanId parentId, SpanFlags flags, IEnumerable<KeyValuePair<string, string>>? baggage = null)
        : this(traceId, spanId, parentId, flags, baggage is null ? NoBaggage : [.. baggage], null, null)
    {
    }

    internal JaegerSpanContext(TraceId traceId, SpanId spanId, SpanId parentId, SpanFlags flags, KeyValuePair<string, string>[] baggage, string? debugId, string? traceState)
    {
        TraceId = traceId;
        SpanId = spanId;
        ParentId = parentId;
        Flags = flags;
        _baggage = baggage;
        if (debugId is not null || traceState is not null)
        {
            _extras = new Extras { DebugId = debugId, TraceState = traceState };
        }
    }

    /// <summary>The trace id.</summary>
    public TraceId TraceId { get; }

    /// <summary>The span id.</summary>
    public SpanId SpanId { get; }

    /// <summary>The parent's span id, zero for a root.</summary>
    public SpanId ParentId { get; }

    /// <summary>Sampled and debug flags.</summary>
    public SpanFlags Flags { get; }

    /// <summary>True when the trace is sampled.</summary>
    public bool IsSampled => (Flags & SpanFlags.Sampled) != 0;

    /// <summary>True when sampling was forced for debugging.</summary>
    public bool IsDebug => (Flags & SpanFlags.Debug) != 0;

    /// <summary>The jaeger-debug-id of an extracted context that carried no trace, else null.</summary>
    public string? DebugId => _extras?.DebugId;

    /// <summary>The W3C tracestate that came with the context, passed on unchanged.</summary>
    public string? TraceState => _extras?.TraceState;

    /// <summary>True for a context that only asks for a debug trace (jaeger-debug-id without uber-trace-id).</summary>
    public bool IsDebugIdContainerOnly => TraceId.IsEmpty && DebugId is not null;

    internal KeyValuePair<string, string>[] BaggageArray => _baggage;

    string ISpanContext.TraceId => (_extras ??= new Extras()).TraceIdText ??= TraceId.ToString();

    string ISpanContext.SpanId => (_extras ??= new Extras()).SpanIdText ??= SpanId.ToString();

    /// <summary>A baggage item, or null.</summary>
    public string? GetBaggageItem(string key) => Baggage.Get(_baggage, key);

    /// <inheritdoc />
    public IEnumerable<KeyValuePair<string, string>> GetBaggageItems() => _baggage;

    /// <summary>The uber-trace-id value, colon- or %3A-separated; cached, the context being immutable.</summary>
    internal string GetUberTraceId(bool urlEncode)
    {
        var cached = _uberTraceId;
        if (cached is not null && (cached.Length == Propagation.JaegerPropagator.ContextLength(TraceId, Flags, urlEncode)))
        {
            return cached;
        }

        return _uberTraceId = Propagation.JaegerPropagator.FormatContext(TraceId, SpanId, ParentId, Flags, urlEncode);
    }

    /// <summary>"trace:span:parent:flags", as in uber-trace-id.</summary>
    public override string ToString() => GetUberTraceId(urlEncode: false);

    private sealed class Extras
    {
        public string? DebugId { get; init; }

        public string? TraceState { get; init; }

        public string? TraceIdText { get; set; }

        public string? SpanIdText { get; set; }
    }
}

internal static class Baggage
{
    public static string? Get(KeyValuePair<string, string>[] items, string key)
    {
        foreach (var item in items)
        {
            if (string.Equals(item.Key, key, StringComparison.Ordinal))
            {
                return item.Value;
            }
        }

        return null;
    }

    /// <summary>A copy with the key set (or removed when value is null).</summary>
    public static KeyValuePair<string, string>[] With(KeyValuePair<string, string>[] items, string key, string? value)
    {
        var index = Array.FindIndex(items, i => string.Equals(i.Key, key, StringComparison.Ordinal));
        if (value is null)
        {
            if (index < 0)
            {
                return items;
            }

            var removed = new KeyValuePair<string, string>[items.Length - 1];
            Array.Copy(items, 0, removed, 0, index);
            Array.Copy(items, index + 1, removed, index, items.Length - index - 1);
            return removed;
        }

        if (index >= 0)
        {
            var copy = (KeyValuePair<string, string>[])items.Clone();
            copy[index] = new(key, value);
            return copy;
        }

        var added = new KeyValuePair<string, string>[items.Length + 1];
        items.CopyTo(added, 0);
        added[^1] = new(key, value);
        return added;
    }

    public static KeyValuePair<string, string>[] Merge(KeyValuePair<string, string>[] into, KeyValuePair<string, string>[] more)
    {
        if (into.Length == 0)
        {
            return more;
        }

        foreach (var item in more)
        {
            into = With(into, item.Key, item.Value);
        }

        return into;
    }
}
