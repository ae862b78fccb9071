using System.Globalization;
using Jaeger.Collector;
using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Tests.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>The collector's pipeline writing to ClickHouse storage selected by configuration, as the all-in-one runs them.</summary>
public sealed class CollectorPipelineTests(ITestOutputHelper output)
{
    // The collector's own options (Workers 4, MaxWriteBatch 256) put at most 4 calls of 300 spans (whole batches of
    // 100 until 256 are taken) in flight to the store, so no INSERT could hold more.
    private const int MostSpansInFlightByTheOptions = 4 * 300;

    [EngineFact]
    public async Task With_the_collector_defaults_the_store_gets_the_writes_it_prefers_and_inserts_more_spans_at_once_than_the_defaults_allowed()
    {
        const int Traces = 500;
        const int SpansPerTrace = 100;
        var (builder, database) = await ClickHouseHostBuilder.CreateAsync("pipeline");

        // Only the queue is sized to hold every span: Workers and MaxWriteBatch keep the collector's defaults.
        builder.Services.AddJaegerCollector(o =>
        {
            o.FullQueuePolicy = FullQueuePolicy.PushBack;
            o.QueueSize = Traces * SpansPerTrace;
        }).WithoutReceivers();
        using var host = builder.Build();
        var meters = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var insertSpans = new MetricCollector<long>(meters, ClickHouseStorageMetrics.MeterName, "jaeger.storage.clickhouse.insert.spans");

        // Queued before the workers start, so each writer call takes the most spans it may: the first INSERT holds
        // at least one whole call, whatever the machine's load.
        var sink = host.Services.GetRequiredService<ISpanSink>();
        for (var t = 0; t < Traces; t++)
        {
            var result = await sink.SubmitAsync(Trace(t, SpansPerTrace));
            Assert.Equal(new SpanSinkResult(SpansPerTrace, 0), result);
        }

        await host.StartAsync();
        try
        {
            await Jaeger.Testing.Eventually.UntilAsync(
                () => insertSpans.GetMeasurementSnapshot().Sum(m => m.Value) == Traces * SpansPerTrace,
                "every span inserted",
                TimeSpan.FromMinutes(5));

            var engine = ChdbEngine.Shared!;
            Assert.Equal($"{Traces * SpansPerTrace}\n", engine.QueryText($"SELECT count() FROM {database}.spans"));
            Assert.Equal($"{Traces}\n", engine.QueryText($"SELECT count() FROM (SELECT trace_id FROM {database}.spans GROUP BY trace_id HAVING uniqExact(id) = {SpansPerTrace})"));
            var inserts = insertSpans.GetMeasurementSnapshot().Select(m => m.Value).ToList();
            output.WriteLine($"{inserts.Count} INSERTs of {string.Join(", ", inserts)} spans");
            Assert.True(inserts.Max() > MostSpansInFlightByTheOptions, $"largest INSERT {inserts.Max()} spans, of {string.Join(", ", inserts)}");
            var reader = host.Services.GetRequiredService<ISpanReader>();
            var last = await reader.GetTraceAsync(new TraceId(7, Traces));
            Assert.Equal(SpansPerTrace, last?.Spans.Count);
        }
        finally
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await host.StopAsync(timeout.Token);
            ChdbEngine.Shared?.QueryText($"DROP DATABASE IF EXISTS {database} SYNC");
        }
    }

    private static Batch Trace(int index, int spans)
    {
        var process = new Process("svc-" + (index % 5).ToString(CultureInfo.InvariantCulture), [KeyValue.String("hostname", "host-" + index.ToString(CultureInfo.InvariantCulture))]);
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var list = new List<Span>(spans);
        for (var i = 0; i < spans; i++)
        {
            list.Add(new Span
            {
                TraceId = new TraceId(7, (ulong)index + 1),
                SpanId = new SpanId((ulong)i + 1),
                OperationName = "op-" + (i % 10).ToString(CultureInfo.InvariantCulture),
                StartTime = start.AddMilliseconds(i),
                DurationMicros = 1000 + i,
                Tags = [KeyValue.String("span.kind", "server"), KeyValue.Int64("n", i)],
                Process = process,
            });
        }

        return new Batch(process, list);
    }
}
