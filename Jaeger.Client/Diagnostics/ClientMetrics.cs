using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Jaeger.Client.Diagnostics;

/// <summary>The instruments of meter "Jaeger.Client".</summary>
internal sealed class ClientMetrics : IDisposable
{
    public const string MeterName = "Jaeger.Client";

    private static readonly KeyValuePair<string, object?> SampledYes = new("sampled", "y");
    private static readonly KeyValuePair<string, object?> SampledNo = new("sampled", "n");
    private static readonly KeyValuePair<string, object?> StateStarted = new("state", "started");
    private static readonly KeyValuePair<string, object?> StateJoined = new("state", "joined");
    private static readonly KeyValuePair<string, object?> ResultOk = new("result", "ok");
    private static readonly KeyValuePair<string, object?> ResultErr = new("result", "err");
    private static readonly KeyValuePair<string, object?> ResultDropped = new("result", "dropped");

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _traces;
    private readonly Counter<long> _spansStarted;
    private readonly Counter<long> _spansFinished;
    private readonly Counter<long> _reporterSpans;
    private readonly Counter<long> _samplerQueries;
    private readonly Counter<long> _samplerUpdates;
    private readonly Counter<long> _baggageUpdates;
    private readonly Counter<long> _baggageTruncations;
    private readonly Counter<long> _baggageRestrictionsUpdates;
    private readonly Counter<long> _decodingErrors;
    private Func<long>? _queueLength;

    public ClientMetrics(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }
        else
        {
            _meter = meterFactory.Create(MeterName);
        }

        _traces = _meter.CreateCounter<long>("jaeger.client.traces", "{trace}", "Traces started here (state=started) or joined from a caller (state=joined), by sampled.");
        _spansStarted = _meter.CreateCounter<long>("jaeger.client.spans.started", "{span}", "Spans started, by sampled.");
        _spansFinished = _meter.CreateCounter<long>("jaeger.client.spans.finished", "{span}", "Sampled spans finished and handed to the reporter.");
        _reporterSpans = _meter.CreateCounter<long>("jaeger.client.reporter.spans", "{span}", "Spans the reporter sent (ok), failed to send (err) or dropped (dropped, with reason).");
        _samplerQueries = _meter.CreateCounter<long>("jaeger.client.sampler.queries", "{query}", "Polls of the sampling endpoint, by result.");
        _samplerUpdates = _meter.CreateCounter<long>("jaeger.client.sampler.updates", "{update}", "Sampling strategy updates applied (ok) or unusable (err).");
        _baggageUpdates = _meter.CreateCounter<long>("jaeger.client.baggage.updates", "{update}", "Baggage items set, by result.");
        _baggageTruncations = _meter.CreateCounter<long>("jaeger.client.baggage.truncations", "{update}", "Baggage values truncated to the maximum length.");
        _baggageRestrictionsUpdates = _meter.CreateCounter<long>("jaeger.client.baggage_restrictions.updates", "{update}", "Polls of the baggage restrictions endpoint, applied (ok) or failed or unusable (err).");
        _decodingErrors = _meter.CreateCounter<long>("jaeger.client.span_context.decoding_errors", "{error}", "Malformed propagated contexts ignored, by format.");
        _meter.CreateObservableGauge("jaeger.client.reporter.queue_length", () => _queueLength?.Invoke() ?? 0, "{span}", "Spans waiting in the reporter's queue.");
    }

    public Meter Meter => _meter;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void TraceStarted(bool sampled)
    {
        if (_traces.Enabled)
        {
            _traces.Add(1, StateStarted, sampled ? SampledYes : SampledNo);
        }
    }

    public void TraceJoined(bool sampled)
    {
        if (_traces.Enabled)
        {
            _traces.Add(1, StateJoined, sampled ? SampledYes : SampledNo);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void SpanStarted(bool sampled)
    {
        if (_spansStarted.Enabled)
        {
            _spansStarted.Add(1, sampled ? SampledYes : SampledNo);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void SpanFinished()
    {
        if (_spansFinished.Enabled)
        {
            _spansFinished.Add(1);
        }
    }

    public void ReporterOk(long count) => _reporterSpans.Add(count, ResultOk);

    public void ReporterError(long count, string reason) => _reporterSpans.Add(count, ResultErr, new("reason", reason));

    public void ReporterDropped(long count, string reason)
    {
        var tags = new TagList { ResultDropped, { "reason", reason } };
        _reporterSpans.Add(count, tags);
    }

    public void ObserveQueueLength(Func<long> queueLength) => _queueLength = queueLength;

    public void SamplerQuery(bool ok) => _samplerQueries.Add(1, ok ? ResultOk : ResultErr);

    public void SamplerUpdate(bool ok) => _samplerUpdates.Add(1, ok ? ResultOk : ResultErr);

    public void BaggageUpdate(bool ok) => _baggageUpdates.Add(1, ok ? ResultOk : ResultErr);

    public void BaggageTruncated() => _baggageTruncations.Add(1);

    public void BaggageRestrictionsUpdate(bool ok) => _baggageRestrictionsUpdates.Add(1, ok ? ResultOk : ResultErr);

    public void DecodingError(string format) => _decodingErrors.Add(1, new KeyValuePair<string, object?>("format", format));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
