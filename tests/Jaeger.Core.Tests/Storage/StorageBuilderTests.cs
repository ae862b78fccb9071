using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Storage.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Core.Tests.Storage;

public sealed class StorageBuilderTests
{
    [Fact]
    public async Task Jaeger_Storage_Type_selects_among_the_added_backends()
    {
        using var host = Build(new() { ["Jaeger:Storage:Type"] = "beta" });
        await host.StartAsync();

        var storage = host.Services.GetRequiredService<JaegerStorage>();
        Assert.Equal(["alpha", "beta"], storage.KnownTypes);
        Assert.Equal("beta", Assert.Single(storage.Primary).Type);
        Assert.Same(storage.Primary[0].Reader, host.Services.GetRequiredService<ISpanReader>());
        Assert.True(((FakeStore)storage.Primary[0].Writer).Started);
        await host.StopAsync();
    }

    [Fact]
    public async Task SPAN_STORAGE_TYPE_is_read_when_Jaeger_Storage_Type_is_not_set_and_the_default_applies_otherwise()
    {
        using (var host = Build(new() { ["SPAN_STORAGE_TYPE"] = "beta" }))
        {
            await host.StartAsync();
            Assert.Equal("beta", host.Services.GetRequiredService<JaegerStorage>().Primary[0].Type);
        }

        using (var host = Build(new() { ["SPAN_STORAGE_TYPE"] = "beta", ["Jaeger:Storage:Type"] = "alpha" }))
        {
            await host.StartAsync();
            Assert.Equal("alpha", host.Services.GetRequiredService<JaegerStorage>().Primary[0].Type);
        }

        using (var host = Build([], b => b.UseDefaultType("beta")))
        {
            await host.StartAsync();
            Assert.Equal("beta", host.Services.GetRequiredService<JaegerStorage>().Primary[0].Type);
        }
    }

    [Fact]
    public async Task An_unknown_type_stops_the_host_at_start_with_the_types_it_knows()
    {
        using var host = Build(new() { ["Jaeger:Storage:Type"] = "cassandra" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Unknown storage type 'cassandra' in Jaeger:Storage:Type", error.Message, StringComparison.Ordinal);
        Assert.Contains("This host knows: alpha, beta", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Jaeger:Storage:WriteRetry:MaxAttempts", "0", "Jaeger:Storage:WriteRetry:MaxAttempts must be between 1 and 100, not 0.")]
    [InlineData("Jaeger:Storage:WriteRetry:InitialBackoff", "00:02:00", "Jaeger:Storage:WriteRetry:InitialBackoff must be between 00:00:00 and 00:01:00, not 00:02:00.")]
    [InlineData("Jaeger:Storage:WriteRetry:MaxBackoff", "-00:00:01", "Jaeger:Storage:WriteRetry:MaxBackoff must be between 00:00:00 and 00:10:00, not -00:00:01.")]
    public async Task A_bad_write_retry_setting_stops_the_host_at_start_naming_its_key(string key, string value, string message)
    {
        using var host = Build(new() { ["Jaeger:Storage:Type"] = "alpha", [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal([message], error.Failures);
    }

    [Fact]
    public async Task A_comma_list_writes_to_every_backend_named_and_reads_from_the_first()
    {
        using var host = Build(new() { ["Jaeger:Storage:Type"] = "beta, alpha" });
        await host.StartAsync();
        var storage = host.Services.GetRequiredService<JaegerStorage>();

        await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync([Span(1)]);

        Assert.Equal(["beta", "alpha"], storage.Primary.Select(b => b.Type));
        Assert.All(storage.Primary, b => Assert.Single(((FakeStore)b.Writer).Written));
        Assert.Same(storage.Primary[0].Reader, host.Services.GetRequiredService<ISpanReader>());
        Assert.Single(host.Services.GetServices<ISpanWriter>());
    }

    [Fact]
    public async Task The_archive_is_its_own_instance_with_the_archive_role()
    {
        using var host = Build(new() { ["Jaeger:Storage:Type"] = "alpha", ["Jaeger:Storage:Archive:Type"] = "alpha" });
        await host.StartAsync();
        var storage = host.Services.GetRequiredService<JaegerStorage>();

        Assert.NotNull(storage.Archive);
        Assert.Equal(StorageRole.Archive, ((FakeStore)storage.Archive.Writer).Role);
        Assert.Equal(StorageRole.Primary, ((FakeStore)storage.Primary[0].Writer).Role);
        Assert.NotSame(storage.Archive.Writer, storage.Primary[0].Writer);
        Assert.Equal("Jaeger:Storage:Archive:Alpha", StorageRole.Archive.SectionPath("Alpha"));
    }

    [Fact]
    public async Task A_transient_write_failure_is_tried_again_with_backoff_and_counted_by_backend_and_reason()
    {
        var time = new FakeTimeProvider();
        using var host = Build(new() { ["Jaeger:Storage:Type"] = "alpha", ["Jaeger:Storage:WriteRetry:MaxAttempts"] = "3" }, time: time);
        await host.StartAsync();
        var storage = host.Services.GetRequiredService<JaegerStorage>();
        var store = (FakeStore)storage.Primary[0].Writer;
        using var retries = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Jaeger.Storage", "jaeger.storage.write.retries");
        using var failures = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Jaeger.Storage", "jaeger.storage.write.failures");

        // Two transient failures, then success: written once, two retries counted, no failure.
        store.FailNext(2, transient: true);
        var write = storage.Writer.WriteSpansAsync([Span(1), Span(2)]).AsTask();
        while (!write.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        await write;
        Assert.Single(store.Written);
        Assert.Equal(4, retries.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.All(retries.GetMeasurementSnapshot(), m => Assert.Equal("disk_full", m.Tags["reason"]));
        Assert.All(retries.GetMeasurementSnapshot(), m => Assert.Equal("alpha", m.Tags["backend"]));
        Assert.Empty(failures.GetMeasurementSnapshot());

        // A failure that is not transient is not tried again: counted once, thrown to the collector.
        store.FailNext(1, transient: false);
        var error = await Assert.ThrowsAsync<StorageException>(async () => await storage.Writer.WriteSpansAsync([Span(3)]));
        Assert.Equal("disk_full", error.Reason);
        Assert.Equal(1, failures.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Single(store.Written);
    }

    [Fact]
    public void The_storage_writer_states_the_most_any_primary_backend_prefers_and_no_preference_without_one()
    {
        using (var host = Build(new() { ["Jaeger:Storage:Type"] = "alpha,wide,long" }, Preferring))
        {
            var writer = Assert.IsAssignableFrom<ISpanWriterPreferences>(host.Services.GetRequiredService<JaegerStorage>().Writer);
            Assert.Equal((64, 2_000), (writer.PreferredConcurrentWrites, writer.PreferredSpansPerWrite));
        }

        using (var host = Build(new() { ["Jaeger:Storage:Type"] = "alpha" }, Preferring))
        {
            var writer = Assert.IsAssignableFrom<ISpanWriterPreferences>(host.Services.GetRequiredService<JaegerStorage>().Writer);
            Assert.Equal((0, 0), (writer.PreferredConcurrentWrites, writer.PreferredSpansPerWrite));
        }

        static void Preferring(IJaegerStorageBuilder b)
        {
            b.AddBackend("wide", static (_, role) => new StorageBackend("wide", new PreferringWriter(64, 500), new FakeStore(role)));
            b.AddBackend("long", static (_, role) => new StorageBackend("long", new PreferringWriter(8, 2_000), new FakeStore(role)));
        }
    }

    private static Span Span(ulong id) => new() { TraceId = new TraceId(0, id), SpanId = new SpanId(id), OperationName = "op", Process = new Process("svc") };

    private static IHost Build(Dictionary<string, string?> configuration, Action<IJaegerStorageBuilder>? configure = null, TimeProvider? time = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(configuration);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddJaegerStorage(b =>
        {
            b.AddBackend("alpha", static (_, role) => FakeStore.Bundle("alpha", role));
            b.AddBackend("beta", static (_, role) => FakeStore.Bundle("beta", role));
            configure?.Invoke(b);
        });
        return builder.Build();
    }

    private sealed class FakeStore(StorageRole role) : ISpanWriter, ISpanReader
    {
        private int _failures;
        private bool _transient;

        public StorageRole Role { get; } = role;

        public bool Started { get; private set; }

        public List<IReadOnlyList<Batch>> Written { get; } = [];

        public SearchCapabilities Capabilities => SearchCapabilities.None;

        public static StorageBackend Bundle(string type, StorageRole role)
        {
            var store = new FakeStore(role);
            return new StorageBackend(type, store, store) { OnStart = _ => { store.Started = true; return ValueTask.CompletedTask; } };
        }

        public void FailNext(int times, bool transient) => (_failures, _transient) = (times, transient);

        public ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
        {
            if (_failures > 0)
            {
                _failures--;
                throw new StorageException("disk_full", "no space left", _transient);
            }

            Written.Add(batches);
            return ValueTask.CompletedTask;
        }

        public ValueTask<Trace?> GetTraceAsync(TraceGetParameters query, CancellationToken cancellationToken = default) => new((Trace?)null);

        public ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default) => new([]);

        public ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default) => new([]);

        public ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) => new([]);

        public ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) => new([]);

        public ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) => new([]);
    }

    private sealed class PreferringWriter(int writes, int spans) : ISpanWriter, ISpanWriterPreferences
    {
        public int PreferredConcurrentWrites => writes;

        public int PreferredSpansPerWrite => spans;

        public ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
