using System.Collections;
using System.Diagnostics;
using Jaeger.Client.Propagation;
using Microsoft.Extensions.Primitives;

namespace Jaeger.Client.Bridge;

/// <summary>
/// The runtime's propagator (ASP.NET Core reads incoming requests with it, HttpClient writes outgoing calls with it),
/// speaking the tracer's configured formats (<c>JAEGER_PROPAGATION</c>: jaeger, w3c, b3) through the client's own
/// propagators. Incoming: the trace context and baggage of the first configured format found (<c>uber-trace-id</c> with
/// <c>uberctx-*</c> and <c>jaeger-baggage</c>; <c>traceparent</c> with <c>baggage</c>; B3), else the runtime's own
/// W3C reading, so a W3C caller is honoured whatever is configured. Outgoing: the activity's context and baggage in
/// every configured format.
/// </summary>
internal sealed class JaegerContextPropagator(DistributedContextPropagator fallback, ITextMapPropagator formats) : DistributedContextPropagator
{
    // The fixed header names of every format; uberctx-{key} headers are found by walking a header collection.
    private static readonly string[] KnownHeaders =
    [
        JaegerPropagator.TraceContextHeader, JaegerPropagator.DebugIdHeader, JaegerPropagator.BaggageHeader,
        W3CPropagator.TraceParentHeader, W3CPropagator.TraceStateHeader, W3CPropagator.BaggageHeader,
        B3Propagator.TraceIdHeader, B3Propagator.SpanIdHeader, B3Propagator.ParentSpanIdHeader, B3Propagator.SampledHeader,
        B3Propagator.FlagsHeader, B3Propagator.SingleHeader,
    ];

    // ASP.NET Core asks for the trace context and then, on the same thread, for the baggage of the same headers:
    // the second question reuses the first reading, so a malformed header is counted once.
    [ThreadStatic]
    private static object? t_lastCarrier;

    [ThreadStatic]
    private static JaegerSpanContext? t_lastContext;

    private readonly IReadOnlyCollection<string> _fields = [.. fallback.Fields.Union(KnownHeaders, StringComparer.OrdinalIgnoreCase)];

    public override IReadOnlyCollection<string> Fields => _fields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (activity is null || setter is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            fallback.Inject(activity, carrier, setter);
            return;
        }

        formats.Inject(ActivityBridge.ContextOf(activity), new SetterCarrier(carrier, setter));
    }

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        var extracted = Extract(carrier, getter);
        t_lastCarrier = carrier;
        t_lastContext = extracted;
        if (extracted is { TraceId.IsEmpty: false } context)
        {
            traceId = W3CPropagator.FormatTraceParent(context.TraceId, context.SpanId, context.IsSampled);
            traceState = context.TraceState;
            return;
        }

        fallback.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);
    }

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter)
    {
        JaegerSpanContext? extracted;
        if (carrier is not null && ReferenceEquals(carrier, t_lastCarrier))
        {
            extracted = t_lastContext;
            t_lastCarrier = null;
            t_lastContext = null;
        }
        else
        {
            extracted = Extract(carrier, getter);
        }

        if (extracted is { } context && context.BaggageArray.Length > 0)
        {
            var result = new KeyValuePair<string, string?>[context.BaggageArray.Length];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = new(context.BaggageArray[i].Key, context.BaggageArray[i].Value);
            }

            return result;
        }

        return fallback.ExtractBaggage(carrier, getter);
    }

    private JaegerSpanContext? Extract(object? carrier, PropagatorGetterCallback? getter) =>
        carrier is null ? null : formats.Extract(new GetterCarrier(carrier, getter));

    /// <summary>Writes through the runtime's setter; reading is not used by injection.</summary>
    private sealed class SetterCarrier(object? carrier, PropagatorSetterCallback setter) : ITextMap
    {
        public void Set(string key, string value) => setter(carrier, key, value);

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Enumerable.Empty<KeyValuePair<string, string>>().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// Reads a request's headers: every header when the carrier is a header collection (ASP.NET Core's
    /// <c>IHeaderDictionary</c>, <c>HttpHeaders</c>, a string map), which finds <c>uberctx-*</c>; otherwise the known
    /// header names through the runtime's getter.
    /// </summary>
    private sealed class GetterCarrier(object carrier, PropagatorGetterCallback? getter) : ITextMap
    {
        public void Set(string key, string value) => throw new NotSupportedException("an incoming request is read, not written");

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
        {
            switch (carrier)
            {
                case IEnumerable<KeyValuePair<string, StringValues>> headers:
                    foreach (var (key, values) in headers)
                    {
                        foreach (var value in values)
                        {
                            if (value is not null)
                            {
                                yield return new(key, value);
                            }
                        }
                    }

                    yield break;
                case IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers:
                    foreach (var (key, values) in headers)
                    {
                        foreach (var value in values)
                        {
                            yield return new(key, value);
                        }
                    }

                    yield break;
                case IEnumerable<KeyValuePair<string, string>> map:
                    foreach (var entry in map)
                    {
                        yield return entry;
                    }

                    yield break;
            }

            if (getter is null)
            {
                yield break;
            }

            foreach (var name in KnownHeaders)
            {
                getter(carrier, name, out var value, out var values);
                if (value is not null)
                {
                    yield return new(name, value);
                }
                else if (values is not null)
                {
                    foreach (var item in values)
                    {
                        yield return new(name, item);
                    }
                }
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
