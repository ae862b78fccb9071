using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jaeger.Collector.Hosting.Tests;

/// <summary>The pipeline calls its writers as concurrently, and with as many spans, as the options or the writers ask.</summary>
public sealed class WriterPreferencesTests
{
    [Theory]
    [InlineData(2, 10, 12, 50, 12, 50)] // the writer prefers more of both
    [InlineData(6, 30, 2, 40, 6, 40)] // each value is the larger of the two on its own
    [InlineData(3, 20, 0, 0, 3, 20)] // 0 states no preference
    public async Task Writer_calls_run_as_many_at_once_and_carry_as_many_spans_as_the_larger_of_options_and_preferences(
        int workers, int maxWriteBatch, int preferredWrites, int preferredSpans, int expectedWrites, int expectedSpans)
    {
        await RunAsync(workers, maxWriteBatch, new PreferringWriter(preferredWrites, preferredSpans), expectedWrites, expectedSpans);
    }

    [Fact]
    public async Task A_writer_without_preferences_gets_the_collector_options()
    {
        await RunAsync(workers: 3, maxWriteBatch: 20, new GatedWriter(), expectedWrites: 3, expectedSpans: 20);
    }

    // 1,000 spans in batches of 10 are queued before the pipeline starts, so every worker's first call takes exactly
    // the most spans it may; all calls are held until as many as expected run at once.
    private static async Task RunAsync(int workers, int maxWriteBatch, GatedWriter writer, int expectedWrites, int expectedSpans)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddFakeLogging();
        builder.Services.AddSingleton<ISpanWriter>(writer);
        builder.Services.AddJaegerCollector(o =>
        {
            o.Workers = workers;
            o.MaxWriteBatch = maxWriteBatch;
            o.QueueSize = 10_000;
        }).WithoutReceivers();
        using var host = builder.Build();
        var sink = host.Services.GetRequiredService<ISpanSink>();
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(new SpanSinkResult(10, 0), await sink.SubmitAsync(TestSpans.Batch("svc", 10, traceLow: (ulong)i + 1)));
        }

        await host.StartAsync();
        try
        {
            await Eventually.UntilAsync(() => writer.Running == expectedWrites, $"{expectedWrites} writer calls running at once");
            Assert.All(writer.CallSizes, size => Assert.Equal(expectedSpans, size));
            writer.Release();
            await Eventually.UntilAsync(() => writer.Spans == 1_000, "every queued span written");
            Assert.Equal(expectedWrites, writer.MostRunning);
            Assert.Equal(expectedSpans, writer.CallSizes.Max());
            var chosen = Assert.Single(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Message.StartsWith("Writing with ", StringComparison.Ordinal));
            Assert.Equal(LogLevel.Information, chosen.Level);
            Assert.StartsWith($"Writing with {expectedWrites} concurrent writer calls of up to {expectedSpans} spans each (options Workers {workers}, MaxWriteBatch {maxWriteBatch}; ", chosen.Message, StringComparison.Ordinal);
            Assert.Contains(expectedWrites == workers && expectedSpans == maxWriteBatch ? "no writer prefers more" : "prefers", chosen.Message, StringComparison.Ordinal);
        }
        finally
        {
            writer.Release();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(timeout.Token);
        }
    }

    /// <summary>Holds every call until released, counting calls running at once and each call's spans.</summary>
    private class GatedWriter : ISpanWriter
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _gate = new();
        private readonly List<int> _sizes = [];
        private int _running;
        private int _spans;

        public int Running => Volatile.Read(ref _running);

        public int MostRunning { get; private set; }

        public int Spans => Volatile.Read(ref _spans);

        public IReadOnlyList<int> CallSizes
        {
            get
            {
                lock (_gate)
                {
                    return [.. _sizes];
                }
            }
        }

        public void Release() => _release.TrySetResult();

        public async ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                _sizes.Add(batches.SpanCount());
                MostRunning = Math.Max(MostRunning, ++_running);
            }

            try
            {
                await _release.Task.WaitAsync(cancellationToken);
                Interlocked.Add(ref _spans, batches.SpanCount());
            }
            finally
            {
                lock (_gate)
                {
                    _running--;
                }
            }
        }
    }

    private sealed class PreferringWriter(int writes, int spans) : GatedWriter, ISpanWriterPreferences
    {
        public int PreferredConcurrentWrites => writes;

        public int PreferredSpansPerWrite => spans;
    }
}
