using Jaeger.Client.Diagnostics;
using Jaeger.Client.Propagation;
using Jaeger.Client.Reporting;
using Jaeger.Client.Sampling;
using Jaeger.Model;

namespace Jaeger.Client.Tests;

internal static class TestTracers
{
    public static (JaegerTracer Tracer, InMemoryReporter Reporter) Create(ISampler? sampler = null, bool traceId128 = false,
        IReadOnlyList<KeyValue>? tags = null, string propagation = "jaeger", TimeProvider? time = null, ClientMetrics? metrics = null,
        bool poolUnsampledSpans = false, bool rpcMetrics = false, Jaeger.Client.Restrictions.RemoteBaggageRestrictions? baggageRestrictions = null)
    {
        var reporter = new InMemoryReporter();
        metrics ??= new ClientMetrics(null);
        var names = propagation.Split(',');
        var tracer = new JaegerTracer(new TracerSettings
        {
            ServiceName = "test-service",
            Sampler = sampler ?? new ConstSampler(true),
            Reporter = reporter,
            Metrics = metrics,
            TraceId128Bit = traceId128,
            Tags = tags ?? [],
            TimeProvider = time ?? TimeProvider.System,
            TextMapPropagator = PropagationSet.Create(names, http: false, metrics),
            HttpHeadersPropagator = PropagationSet.Create(names, http: true, metrics),
            BinaryPropagator = new BinaryPropagator(metrics),
            PoolUnsampledSpans = poolUnsampledSpans,
            RpcMetrics = rpcMetrics,
            BaggageRestrictions = baggageRestrictions,
        });
        return (tracer, reporter);
    }
}
