using System.Diagnostics.Metrics;

namespace Jaeger.Storage.Embedded;

/// <summary>The meter <c>Jaeger.Storage.Embedded</c>: spans stored, write failures by reason, hours removed by retention, and the folder's size.</summary>
internal sealed class EmbeddedStorageMetrics : IDisposable
{
    public const string MeterName = "Jaeger.Storage.Embedded";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public EmbeddedStorageMetrics(IMeterFactory? meterFactory, EmbeddedSpanStore store)
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

        SpansStored = _meter.CreateCounter<long>("jaeger.storage.embedded.spans.stored", "{span}", "Spans stored.");
        WriteFailures = _meter.CreateCounter<long>("jaeger.storage.embedded.write.failures", "{span}", "Spans whose write failed, by reason (disk_full, io, corrupt).");
        HoursRemoved = _meter.CreateCounter<long>("jaeger.storage.embedded.retention.hours_removed", "{hour}", "Hours of data removed by the TTL or the disk budget.");
        _meter.CreateObservableUpDownCounter("jaeger.storage.embedded.disk", store.DiskBytes, "By", "Bytes of the data folder.");
    }

    public Counter<long> SpansStored { get; }

    public Counter<long> WriteFailures { get; }

    public Counter<long> HoursRemoved { get; }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
