using System.Diagnostics.Metrics;

namespace Jaeger.Storage.Memory;

/// <summary>The meter <c>Jaeger.Storage.Memory</c>: traces and spans stored, traces evicted, and what is held now.</summary>
internal sealed class InMemoryStorageMetrics : IDisposable
{
    public const string MeterName = "Jaeger.Storage.Memory";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public InMemoryStorageMetrics(IMeterFactory? meterFactory, Func<int> heldTraces, Func<long> heldSpans)
    {
        if (meterFactory is null)
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }
        else
        {
            _meter = meterFactory.Create(new MeterOptions(MeterName));
        }

        TracesStored = _meter.CreateCounter<long>("jaeger.storage.memory.traces.stored", "{trace}", "Traces stored (counted when their first span arrives).");
        SpansStored = _meter.CreateCounter<long>("jaeger.storage.memory.spans.stored", "{span}", "Spans stored.");
        TracesEvicted = _meter.CreateCounter<long>("jaeger.storage.memory.traces.evicted", "{trace}", "Traces removed to stay within MaxTraces.");
        _meter.CreateObservableUpDownCounter("jaeger.storage.memory.traces", heldTraces, "{trace}", "Traces held now.");
        _meter.CreateObservableUpDownCounter("jaeger.storage.memory.spans", heldSpans, "{span}", "Spans held now.");
    }

    public Counter<long> TracesStored { get; }

    public Counter<long> SpansStored { get; }

    public Counter<long> TracesEvicted { get; }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
