using Jaeger.Client.Diagnostics;
using Jaeger.Model;

namespace Jaeger.Client.Propagation;

/// <summary>
/// Zipkin B3: multi-header (<c>X-B3-TraceId</c>, <c>X-B3-SpanId</c>, <c>X-B3-ParentSpanId</c>, <c>X-B3-Sampled</c>,
/// <c>X-B3-Flags</c>) and the single <c>b3</c> header. Baggage travels as <c>baggage-{key}</c> headers, as in the Jaeger
/// clients' Zipkin propagators.
/// </summary>
internal sealed class B3Propagator(ClientMetrics metrics, bool injectSingleHeader = false) : ITextMapPropagator
{
    public const string TraceIdHeader = "X-B3-TraceId";
    public const string SpanIdHeader = "X-B3-SpanId";
    public const string ParentSpanIdHeader = "X-B3-ParentSpanId";
    public const string SampledHeader = "X-B3-Sampled";
    public const string FlagsHeader = "X-B3-Flags";
    public const string SingleHeader = "b3";
    public const string BaggagePrefix = "baggage-";

    public void Inject(JaegerSpanContext context, ITextMap carrier)
    {
        foreach (var (key, value) in context.BaggageArray)
        {
            carrier.Set(BaggagePrefix + key, value);
        }

        if (injectSingleHeader)
        {
            var sampling = context.IsDebug ? "d" : context.IsSampled ? "1" : "0";
            var value = $"{context.TraceId}-{context.SpanId}-{sampling}";
            carrier.Set(SingleHeader, context.ParentId.IsEmpty ? value : $"{value}-{context.ParentId}");
            return;
        }

        carrier.Set(TraceIdHeader, context.TraceId.ToString());
        carrier.Set(SpanIdHeader, context.SpanId.ToString());
        if (!context.ParentId.IsEmpty)
        {
            carrier.Set(ParentSpanIdHeader, context.ParentId.ToString());
        }

        if (context.IsDebug)
        {
            carrier.Set(FlagsHeader, "1");
        }
        else
        {
            carrier.Set(SampledHeader, context.IsSampled ? "1" : "0");
        }
    }

    public JaegerSpanContext? Extract(ITextMap carrier)
    {
        string? traceIdText = null, spanIdText = null, parentText = null, sampledText = null, flagsText = null, single = null;
        KeyValuePair<string, string>[]? baggage = null;
        foreach (var (key, value) in carrier)
        {
            if (key is null || value is null)
            {
                continue;
            }

            if (key.Equals(TraceIdHeader, StringComparison.OrdinalIgnoreCase))
            {
                traceIdText = value;
            }
            else if (key.Equals(SpanIdHeader, StringComparison.OrdinalIgnoreCase))
            {
                spanIdText = value;
            }
            else if (key.Equals(ParentSpanIdHeader, StringComparison.OrdinalIgnoreCase))
            {
                parentText = value;
            }
            else if (key.Equals(SampledHeader, StringComparison.OrdinalIgnoreCase))
            {
                sampledText = value;
            }
            else if (key.Equals(FlagsHeader, StringComparison.OrdinalIgnoreCase))
            {
                flagsText = value;
            }
            else if (key.Equals(SingleHeader, StringComparison.OrdinalIgnoreCase))
            {
                single = value;
            }
            else if (key.Length > BaggagePrefix.Length && key.StartsWith(BaggagePrefix, StringComparison.OrdinalIgnoreCase))
            {
                // Header names are case-insensitive, so baggage keys are read lower-cased.
                baggage = Baggage.With(baggage ?? JaegerSpanContext.NoBaggage, key[BaggagePrefix.Length..].ToLowerInvariant(), value);
            }
        }

        if (single is not null)
        {
            var parts = single.Trim().Split('-');
            if (parts.Length >= 2 && parts.Length <= 4)
            {
                traceIdText = parts[0];
                spanIdText = parts[1];
                sampledText = parts.Length > 2 ? parts[2] : null;
                parentText = parts.Length > 3 ? parts[3] : null;
                if (sampledText == "d")
                {
                    flagsText = "1";
                }
            }
            else if (parts.Length != 1)
            {
                metrics.DecodingError("b3");
                return null;
            }
            else
            {
                // A lone sampling decision ("0") carries no context to join.
                return null;
            }
        }

        if (traceIdText is null && spanIdText is null)
        {
            return null;
        }

        if (traceIdText is null || spanIdText is null || traceIdText.Length is not (16 or 32) || !TraceId.TryParse(traceIdText, out var traceId)
            || traceId.IsEmpty || !SpanId.TryParse(spanIdText, out var spanId) || spanId.IsEmpty)
        {
            metrics.DecodingError("b3");
            return null;
        }

        var parentId = default(SpanId);
        if (parentText is not null && !SpanId.TryParse(parentText, out parentId))
        {
            metrics.DecodingError("b3");
            return null;
        }

        var flags = SpanFlags.None;
        if (sampledText is "1" or "true" or "d")
        {
            flags |= SpanFlags.Sampled;
        }

        if (flagsText == "1")
        {
            flags |= SpanFlags.Sampled | SpanFlags.Debug;
        }

        return new JaegerSpanContext(traceId, spanId, parentId, flags, baggage ?? JaegerSpanContext.NoBaggage, null, null);
    }
}
