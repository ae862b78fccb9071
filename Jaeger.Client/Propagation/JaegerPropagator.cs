using System.Buffers.Binary;
using Jaeger.Client.Diagnostics;
using Jaeger.Model;

namespace Jaeger.Client.Propagation;

/// <summary>
/// Jaeger's native headers: <c>uber-trace-id: {trace}:{span}:{parent}:{flags}</c>, <c>uberctx-{key}</c> baggage,
/// <c>jaeger-debug-id</c> and <c>jaeger-baggage: k1=v1,k2=v2</c>. Values are URL-encoded when <c>urlEncode</c> is set (HTTP headers).
/// </summary>
internal sealed class JaegerPropagator(bool urlEncode, ClientMetrics metrics) : ITextMapPropagator
{
    private readonly bool _urlEncode = urlEncode;
    private readonly ClientMetrics _metrics = metrics;

    public const string TraceContextHeader = "uber-trace-id";
    public const string BaggagePrefix = "uberctx-";
    public const string DebugIdHeader = "jaeger-debug-id";
    public const string BaggageHeader = "jaeger-baggage";

    public void Inject(JaegerSpanContext context, ITextMap carrier)
    {
        carrier.Set(TraceContextHeader, context.GetUberTraceId(_urlEncode));
        foreach (var (key, value) in context.BaggageArray)
        {
            carrier.Set(BaggagePrefix + key, _urlEncode ? Uri.EscapeDataString(value) : value);
        }
    }

    public JaegerSpanContext? Extract(ITextMap carrier)
    {
        var state = new ExtractState(this);
        if (carrier is TextMapAdapter { Map: Dictionary<string, string> map })
        {
            // The dictionary's struct enumerator: no enumerator allocation for the common carrier.
            foreach (var (key, value) in map)
            {
                state.Visit(key, value);
            }
        }
        else
        {
            foreach (var (key, value) in carrier)
            {
                state.Visit(key, value);
            }
        }

        return state.Finish();
    }

    private struct ExtractState(JaegerPropagator owner)
    {
        private bool _found;
        private bool _malformed;
        private TraceId _traceId;
        private SpanId _spanId;
        private SpanId _parentId;
        private SpanFlags _flags;
        private string? _debugId;
        private KeyValuePair<string, string>[]? _baggage;

        public void Visit(string? key, string? value)
        {
            if (key is null || value is null)
            {
                return;
            }

            if (key.Equals(TraceContextHeader, StringComparison.OrdinalIgnoreCase))
            {
                if (TryParseContext(value, owner._urlEncode, out _traceId, out _spanId, out _parentId, out _flags))
                {
                    _found = true;
                }
                else
                {
                    _malformed = true;
                }
            }
            else if (key.StartsWith(BaggagePrefix, StringComparison.OrdinalIgnoreCase) && key.Length > BaggagePrefix.Length)
            {
                // HTTP header names are case-insensitive, so their baggage keys are compared lower-cased (as the other Jaeger clients do).
                var baggageKey = owner._urlEncode ? key[BaggagePrefix.Length..].ToLowerInvariant() : key[BaggagePrefix.Length..];
                _baggage = Baggage.With(_baggage ?? JaegerSpanContext.NoBaggage, baggageKey, owner.Decode(value));
            }
            else if (key.Equals(DebugIdHeader, StringComparison.OrdinalIgnoreCase))
            {
                _debugId = owner.Decode(value);
            }
            else if (key.Equals(BaggageHeader, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var item in owner.Decode(value).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var eq = item.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0)
                    {
                        _baggage = Baggage.With(_baggage ?? JaegerSpanContext.NoBaggage, item[..eq].Trim(), item[(eq + 1)..].Trim());
                    }
                }
            }
        }

        public readonly JaegerSpanContext? Finish()
        {
            if (_malformed)
            {
                owner._metrics.DecodingError("jaeger");
            }

            if (_found)
            {
                return new JaegerSpanContext(_traceId, _spanId, _parentId, _flags, _baggage ?? JaegerSpanContext.NoBaggage, null, null);
            }

            // jaeger-debug-id and/or baggage without a trace: a new root (a debug trace with a debug id) carries them
            // (the span builder starts it), as the other Jaeger clients do.
            return _debugId is not null || _baggage is not null
                ? new JaegerSpanContext(default, default, default, SpanFlags.None, _baggage ?? JaegerSpanContext.NoBaggage, _debugId, null)
                : null;
        }
    }

    private string Decode(string value) => _urlEncode && value.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(value) : value;

    /// <summary>Formats "{trace}:{span}:{parent}:{flags}" in one string allocation; colons become %3A when URL-encoding.</summary>
    public static string FormatContext(TraceId traceId, SpanId spanId, SpanId parentId, SpanFlags flags, bool urlEncode)
    {
        var flagValue = (int)flags & 0xFF;
        return string.Create(ContextLength(traceId, flags, urlEncode), (traceId, spanId, parentId, flagValue, urlEncode), static (chars, state) =>
        {
            var pos = 0;
            if (state.traceId.High != 0)
            {
                pos += WriteHex16(chars, state.traceId.High);
            }

            pos += WriteHex16(chars[pos..], state.traceId.Low);
            pos += WriteSeparator(chars[pos..], state.urlEncode);
            pos += WriteHex16(chars[pos..], state.spanId.Value);
            pos += WriteSeparator(chars[pos..], state.urlEncode);
            pos += WriteHex16(chars[pos..], state.parentId.Value);
            pos += WriteSeparator(chars[pos..], state.urlEncode);
            if (state.flagValue >= 16)
            {
                chars[pos++] = HexDigits[state.flagValue >> 4];
            }

            chars[pos] = HexDigits[state.flagValue & 0xF];
        });
    }

    /// <summary>The length of the formatted value (the two forms differ in length, which tells a cached value's form).</summary>
    public static int ContextLength(TraceId traceId, SpanFlags flags, bool urlEncode) =>
        traceId.HexLength + 16 + 16 + (((int)flags & 0xFF) < 16 ? 1 : 2) + (urlEncode ? 9 : 3);

    private const string HexDigits = "0123456789abcdef";

    private static int WriteHex16(Span<char> chars, ulong value)
    {
        // Big-endian bytes through the runtime's vectorized hex encoder.
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        Convert.TryToHexStringLower(bytes, chars, out _);
        return 16;
    }

    private static int WriteSeparator(Span<char> chars, bool urlEncode)
    {
        if (!urlEncode)
        {
            chars[0] = ':';
            return 1;
        }

        chars[0] = '%';
        chars[1] = '3';
        chars[2] = 'A';
        return 3;
    }

    /// <summary>
    /// Parses "{trace}:{span}:{parent}:{flags}" in one pass without allocating; accepts %3A separators when URL-encoded.
    /// Trace id 1 to 32 hex digits, span and parent ids 1 to 16, flags 1 or 2; the span id must not be zero.
    /// </summary>
    public static bool TryParseContext(ReadOnlySpan<char> value, bool urlEncoded, out TraceId traceId, out SpanId spanId, out SpanId parentId, out SpanFlags flags)
    {
        traceId = default;
        spanId = default;
        parentId = default;
        flags = SpanFlags.None;
        value = value.Trim();
        var pos = 0;
        ulong traceHigh = 0, traceLow = 0, unused = 0, span = 0, parent = 0, flagBits = 0;
        if (!ReadHex(value, ref pos, 32, ref traceHigh, ref traceLow) || !ReadSeparator(value, ref pos, urlEncoded)
            || !ReadHex(value, ref pos, 16, ref unused, ref span) || !ReadSeparator(value, ref pos, urlEncoded)
            || !ReadHex(value, ref pos, 16, ref unused, ref parent) || !ReadSeparator(value, ref pos, urlEncoded)
            || !ReadHex(value, ref pos, 2, ref unused, ref flagBits) || pos != value.Length
            || (traceHigh | traceLow) == 0 || span == 0)
        {
            return false;
        }

        traceId = new TraceId(traceHigh, traceLow);
        spanId = new SpanId(span);
        parentId = new SpanId(parent);
        flags = (SpanFlags)flagBits;
        return true;
    }

    /// <summary>Reads 1 to <paramref name="maxDigits"/> hex digits into a 128-bit high:low value (a table lookup per digit).</summary>
    private static bool ReadHex(ReadOnlySpan<char> value, ref int pos, int maxDigits, ref ulong high, ref ulong low)
    {
        var table = HexValues;
        var start = pos;
        var i = pos;
        for (; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= 128 || table[c] == 0xFF)
            {
                break;
            }

            high = (high << 4) | (low >> 60);
            low = (low << 4) | table[c];
        }

        pos = i;
        var digits = i - start;
        return digits > 0 && digits <= maxDigits;
    }

    private static bool ReadSeparator(ReadOnlySpan<char> value, ref int pos, bool urlEncoded)
    {
        if (pos < value.Length && value[pos] == ':')
        {
            pos++;
            return true;
        }

        if (urlEncoded && pos + 2 < value.Length && value[pos] == '%' && value[pos + 1] == '3' && (value[pos + 2] | 0x20) == 'a')
        {
            pos += 3;
            return true;
        }

        return false;
    }

    // Hex digit values of the ASCII characters, 0xFF for a character that is not a hex digit.
    private static ReadOnlySpan<byte> HexValues =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
}
