using System.Diagnostics.Metrics;

namespace Jaeger.Storage.ClickHouse;

/// <summary>The meter <c>Jaeger.Storage.ClickHouse</c>: spans and INSERTs written, INSERT failures by reason, INSERT duration and size.</summary>
internal sealed class ClickHouseStorageMetrics : IDisposable
{
    public const string MeterName = "Jaeger.Storage.ClickHouse";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public ClickHouseStorageMetrics(IMeterFactory? meterFactory)
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

        SpansWritten = _meter.CreateCounter<long>("jaeger.storage.clickhouse.spans.written", "{span}", "Spans stored by INSERTs that succeeded, by service.");
        Inserts = _meter.CreateCounter<long>("jaeger.storage.clickhouse.inserts", "{insert}", "INSERTs that succeeded.");
        InsertFailures = _meter.CreateCounter<long>("jaeger.storage.clickhouse.insert.failures", "{insert}", "INSERTs that failed, by reason.");
        InsertDuration = _meter.CreateHistogram<double>("jaeger.storage.clickhouse.insert.duration", "s", "Time one INSERT took.");
        InsertSpans = _meter.CreateHistogram<long>("jaeger.storage.clickhouse.insert.spans", "{span}", "Spans in one INSERT.");
    }

    public Counter<long> SpansWritten { get; }

    public Counter<long> Inserts { get; }

    public Counter<long> InsertFailures { get; }

    public Histogram<double> InsertDuration { get; }

    public Histogram<long> InsertSpans { get; }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
