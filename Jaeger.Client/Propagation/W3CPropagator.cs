using System.Globalization;
using Jaeger.Client.Diagnostics;
using Jaeger.Model;

namespace Jaeger.Client.Propagation;

/// <summary>W3C Trace Context (<c>traceparent</c>, <c>tracestate</c>) and W3C Baggage (<c>baggage</c>).</summary>
internal sealed class W3CPropagator(ClientMetrics metrics) : ITextMapPropagator
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";
    public const string BaggageHeader = "baggage";

    public void Inject(JaegerSpanContext context, ITextMap carrier)
    {
        carrier.Set(TraceParentHeader, FormatTraceParent(context.TraceId, context.SpanId, context.IsSampled));
        if (!string.IsNullOrEmpty(context.TraceState))
        {
            carrier.Set(TraceStateHeader, context.TraceState);
        }

        if (context.BaggageArray.Length > 0)
        {
            carrier.Set(BaggageHeader, string.Join(',', context.BaggageArray.Select(b => Uri.EscapeDataString(b.Key) + "=" + Uri.EscapeDataString(b.Value))));
        }
    }

    public static string FormatTraceParent(TraceId traceId, SpanId spanId, bool sampled) =>
        string.Create(55, (traceId, spanId, sampled), static (chars, s) =>
        {
            "00-".CopyTo(chars);
            s.traceId.High.TryFormat(chars[3..], out _, "x16", CultureInfo.InvariantCulture);
            s.traceId.Low.TryFormat(chars[19..], out _, "x16", CultureInfo.InvariantCulture);
            chars[35] = '-';
            s.spanId.TryFormat(chars[36..], out _);
            chars[52] = '-';
            chars[53] = '0';
            chars[54] = s.sampled ? '1' : '0';
        });

    public JaegerSpanContext? Extract(ITextMap carrier)
    {
        string? traceParent = null;
        string? traceState = null;
        string? baggageHeader = null;
        foreach (var (key, value) in carrier)
        {
            if (key is null || value is null)
            {
                continue;
            }

            if (key.Equals(TraceParentHeader, StringComparison.OrdinalIgnoreCase))
            {
                traceParent = value;
            }
            else if (key.Equals(TraceStateHeader, StringComparison.OrdinalIgnoreCase))
            {
                traceState = traceState is null ? value : traceState + "," + value;
            }
            else if (key.Equals(BaggageHeader, StringComparison.OrdinalIgnoreCase))
            {
                baggageHeader = baggageHeader is null ? value : baggageHeader + "," + value;
            }
        }

        if (traceParent is null)
        {
            return null;
        }

        if (!TryParseTraceParent(traceParent, out var traceId, out var spanId, out var sampled))
        {
            metrics.DecodingError("w3c");
            return null;
        }

        var baggage = JaegerSpanContext.NoBaggage;
        if (baggageHeader is not null)
        {
            foreach (var member in baggageHeader.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var item = member;
                var semicolon = item.IndexOf(';', StringComparison.Ordinal);
                if (semicolon >= 0)
                {
                    item = item[..semicolon];
                }

                var eq = item.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    metrics.DecodingError("w3c-baggage");
                    continue;
                }

                baggage = Baggage.With(baggage, Uri.UnescapeDataString(item[..eq].Trim()), Uri.UnescapeDataString(item[(eq + 1)..].Trim()));
            }
        }

        return new JaegerSpanContext(traceId, spanId, default, sampled ? SpanFlags.Sampled : SpanFlags.None, baggage, null, traceState);
    }

    public static bool TryParseTraceParent(ReadOnlySpan<char> value, out TraceId traceId, out SpanId spanId, out bool sampled)
    {
        traceId = default;
        spanId = default;
        sampled = false;
        value = value.Trim();
        if (value.Length < 55 || value[2] != '-' || value[35] != '-' || value[52] != '-')
        {
            return false;
        }

        if (!byte.TryParse(value[..2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var version) || version == 0xFF
            || (version == 0 && value.Length != 55) || (value.Length > 55 && value[55] != '-'))
        {
            return false;
        }

        if (!IsLowerHex(value[3..35]) || !IsLowerHex(value[36..52]) || !IsLowerHex(value[53..55])
            || !TraceId.TryParse(value[3..35], out traceId) || traceId.IsEmpty
            || !SpanId.TryParse(value[36..52], out spanId) || spanId.IsEmpty)
        {
            traceId = default;
            spanId = default;
            return false;
        }

        var flags = byte.Parse(value[53..55], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        sampled = (flags & 1) != 0;
        return true;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> chars)
    {
        foreach (var c in chars)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}
