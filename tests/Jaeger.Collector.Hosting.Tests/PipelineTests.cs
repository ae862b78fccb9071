using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Jaeger.Collector.Pipeline;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Otlp = Jaeger.Protos.Otlp.Collector.Trace.V1;

namespace Jaeger.Collector.Hosting.Tests;

public sealed class PipelineTests
{
    private static MetricCollector<long> Dropped(CollectorHost host) =>
        new(host.Host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), CollectorMetrics.MeterName, "jaeger.collector.spans.dropped");

    private static long Sum(MetricCollector<long> collector, string reason) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags["reason"], reason)).Sum(m => m.Value);

    /// <summary>Blocks the single worker on its first span, so the queue then fills exactly.</summary>
    private static async Task<(CollectorHost Host, ISpanSink Sink)> StartBlockedAsync(FullQueuePolicy policy, int queueSize)
    {
        var writer = new RecordingWriter();
        writer.Block();
        var host = await CollectorHost.StartAsync(
            o =>
            {
                o.Workers = 1;
                o.QueueSize = queueSize;
                o.FullQueuePolicy = policy;
            },
            writer: writer);
        var sink = host.Host.Services.GetRequiredService<ISpanSink>();
        await sink.SubmitAsync(TestSpans.Batch("blocker", 1, "blocker"));
        await writer.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        return (host, sink);
    }

    [Fact]
    public async Task Drop_newest_drops_exactly_the_spans_beyond_capacity_and_keeps_the_first()
    {
        var (host, sink) = await StartBlockedAsync(FullQueuePolicy.DropNewest, queueSize: 10);
        await using var _ = host;
        using var dropped = Dropped(host);

        var result = await sink.SubmitAsync(TestSpans.Batch("svc", 15));

        Assert.Equal(new SpanSinkResult(10, 5), result);
        Assert.Equal(5, Sum(dropped, "queue_full"));
        host.Writer.Release();
        await Eventually.UntilAsync(() => host.Writer.Spans.Count == 11, "the blocker and the 10 queued spans stored");
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "op" + i), host.Writer.Spans.Where(s => s.Process.ServiceName == "svc").Select(s => s.OperationName));
    }

    [Fact]
    public async Task Dropped_spans_are_counted_per_service_format_and_transport_of_the_spans_in_hand()
    {
        var (host, sink) = await StartBlockedAsync(FullQueuePolicy.DropNewest, queueSize: 2);
        await using var _ = host;
        using var dropped = Dropped(host);
        var first = TestSpans.Batch("svc-a", 2);
        var second = TestSpans.Batch("svc-b", 3);
        var mixed = new Batch(first.Process, [.. first.Spans, .. second.Spans]);

        var result = await sink.SubmitAsync(mixed);

        Assert.Equal(new SpanSinkResult(2, 3), result);
        var measurement = Assert.Single(dropped.GetMeasurementSnapshot());
        Assert.Equal(3, measurement.Value);
        Assert.Equal("svc-b", measurement.Tags["service"]);
        Assert.Equal("queue_full", measurement.Tags["reason"]);
        Assert.Equal("inprocess", measurement.Tags["format"]);
        Assert.Equal("inprocess", measurement.Tags["transport"]);
        host.Writer.Release();
    }

    [Fact]
    public async Task Drop_oldest_evicts_exactly_the_oldest_spans_and_keeps_the_newest()
    {
        var (host, sink) = await StartBlockedAsync(FullQueuePolicy.DropOldest, queueSize: 10);
        await using var _ = host;
        using var dropped = Dropped(host);

        var result = await sink.SubmitAsync(TestSpans.Batch("svc", 15));

        Assert.Equal(new SpanSinkResult(15, 0), result);
        Assert.Equal(5, Sum(dropped, "evicted_oldest"));
        host.Writer.Release();
        await Eventually.UntilAsync(() => host.Writer.Spans.Count == 11, "the blocker and the 10 newest spans stored");
        Assert.Equal(Enumerable.Range(5, 10).Select(i => "op" + i), host.Writer.Spans.Where(s => s.Process.ServiceName == "svc").Select(s => s.OperationName));
    }

    [Fact]
    public async Task Push_back_refuses_whole_requests_with_429_and_resource_exhausted_and_stores_none_of_them()
    {
        var (host, sink) = await StartBlockedAsync(FullQueuePolicy.PushBack, queueSize: 10);
        await using var _ = host;
        using var dropped = Dropped(host);

        var fits = await sink.SubmitAsync(TestSpans.Batch("fits", 8));
        var zipkin = new StringContent(
            """[{"traceId":"0000000000000001","id":"0000000000000002","name":"a","localEndpoint":{"serviceName":"refused"}},{"traceId":"0000000000000001","id":"0000000000000003","name":"b","localEndpoint":{"serviceName":"refused"}},{"traceId":"0000000000000001","id":"0000000000000004","name":"c","localEndpoint":{"serviceName":"refused"}}]""",
            Encoding.UTF8,
            "application/json");
        var http = await host.Http.PostAsync(new Uri(host.Collector.ZipkinEndpoint!, "api/v2/spans"), zipkin);
        using var channel = GrpcChannel.ForAddress(host.Collector.OtlpGrpcEndpoint!);
        var grpc = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            var request = ReceiverTests.OtlpRequest("refused", "x");
            request.ResourceSpans[0].ScopeSpans[0].Spans.Add(request.ResourceSpans[0].ScopeSpans[0].Spans[0].Clone());
            request.ResourceSpans[0].ScopeSpans[0].Spans.Add(request.ResourceSpans[0].ScopeSpans[0].Spans[0].Clone());
            await new Otlp.TraceService.TraceServiceClient(channel).ExportAsync(request);
        });
        var last = await sink.SubmitAsync(TestSpans.Batch("fits-too", 2));

        Assert.Equal(new SpanSinkResult(8, 0), fits);
        Assert.Equal(HttpStatusCode.TooManyRequests, http.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
        Assert.Equal(new SpanSinkResult(2, 0), last);
        Assert.Equal(6, Sum(dropped, "pushed_back"));
        host.Writer.Release();
        await Eventually.UntilAsync(() => host.Writer.Spans.Count == 11, "the blocker and the 10 accepted spans stored");
        Assert.DoesNotContain(host.Writer.Spans, s => s.Process.ServiceName == "refused");
    }

    [Fact]
    public async Task Push_back_makes_an_in_process_caller_wait_for_room_instead_of_refusing()
    {
        var (host, sink) = await StartBlockedAsync(FullQueuePolicy.PushBack, queueSize: 10);
        await using var _ = host;
        using var dropped = Dropped(host);

        Assert.Equal(new SpanSinkResult(10, 0), await sink.SubmitAsync(TestSpans.Batch("fills", 10)));
        var waiting = sink.SubmitAsync(TestSpans.Batch("waits", 5)).AsTask();
        using var cancel = new CancellationTokenSource();
        var cancelled = sink.SubmitAsync(TestSpans.Batch("cancelled", 5), cancel.Token).AsTask();
        var tooLarge = await sink.SubmitAsync(TestSpans.Batch("too-large", 11));

        Assert.False(waiting.IsCompleted, "the queue is full and its worker blocked, so the caller is still waiting");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(new SpanSinkResult(0, 11), tooLarge);
        host.Writer.Release();
        Assert.Equal(new SpanSinkResult(5, 0), await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.UntilAsync(() => host.Writer.Spans.Count == 16, "the blocker, the 10 queued and the 5 waiting spans stored");
        Assert.DoesNotContain(host.Writer.Spans, s => s.Process.ServiceName is "cancelled" or "too-large");
        Assert.Equal(11, Sum(dropped, "pushed_back"));
    }

    [Fact]
    public async Task Graceful_stop_drains_every_accepted_span()
    {
        var writer = new RecordingWriter();
        writer.Block();
        var host = await CollectorHost.StartAsync(o => o.Workers = 2, writer: writer);
        var sink = host.Host.Services.GetRequiredService<ISpanSink>();
        var result = await sink.SubmitAsync(TestSpans.Batch("drain", 500));
        await writer.Entered.WaitAsync(TimeSpan.FromSeconds(30));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stopping = host.Host.StopAsync(timeout.Token);
        writer.Release();
        await stopping;

        Assert.Equal(500, result.Accepted);
        Assert.Equal(500, writer.Spans.Count);
        var afterStop = await sink.SubmitAsync(TestSpans.Batch("late", 3));
        Assert.Equal(new SpanSinkResult(0, 3), afterStop);
        host.Host.Dispose();
        host.Http.Dispose();
    }

    [Fact]
    public async Task Filters_reject_and_pre_save_hooks_change_spans_before_storage()
    {
        await using var host = await CollectorHost.StartAsync(services: s => s.AddJaegerCollector().AddSpanFilter<DropHealthChecks>().AddPreSaveHook<StampHook>());
        var sink = host.Host.Services.GetRequiredService<ISpanSink>();
        var batch = TestSpans.Batch("svc", 3);
        batch.Spans[1].OperationName = "health";

        await sink.SubmitAsync(batch);

        await Eventually.UntilAsync(() => host.Writer.Spans.Count == 2, "the two non-health spans stored");
        Assert.DoesNotContain(host.Writer.Spans, s => s.OperationName == "health");
        Assert.All(host.Writer.Spans, s => Assert.True(s.TryGetTag("stamped", out var t) && t.BoolValue));
    }

    [Fact]
    public async Task Collector_tags_and_sanitizers_apply_to_stored_spans()
    {
        await using var host = await CollectorHost.StartAsync(o =>
        {
            o.Tags["cluster"] = "east";
            o.MaxTagValueLength = 16;
            o.MaxSpanDuration = TimeSpan.FromHours(1);
        });
        var sink = host.Host.Services.GetRequiredService<ISpanSink>();
        var batch = TestSpans.Batch(string.Empty, 3);
        batch.Spans[0].DurationMicros = -5;
        batch.Spans[1].DurationMicros = (long)TimeSpan.FromDays(3).TotalMicroseconds;
        batch.Spans[2].Tags = [KeyValue.String("big", new string('x', 100)), KeyValue.String("bad\uD800", "v\uDC00")];

        await sink.SubmitAsync(batch);

        await Eventually.UntilAsync(() => host.Writer.Spans.Count == 3, "3 spans stored");
        var spans = host.Writer.Spans.OrderBy(s => s.OperationName).ToArray();
        Assert.All(spans, s => Assert.Equal("unknown-service-name", s.Process.ServiceName));
        Assert.All(spans, s => Assert.Contains(KeyValue.String("cluster", "east"), s.Process.Tags));
        Assert.All(spans, s => Assert.Contains(s.Warnings, w => w.Contains("empty service name", StringComparison.Ordinal)));
        Assert.Same(spans[0].Process, spans[1].Process);
        Assert.Equal(0, spans[0].DurationMicros);
        Assert.Equal((long)TimeSpan.FromHours(1).TotalMicroseconds, spans[1].DurationMicros);
        Assert.True(spans[2].TryGetTag("big", out var big) && big.StringValue.Length == 16);
        Assert.True(spans[2].TryGetTag("bad\uFFFD", out var bad) && bad.StringValue == "v\uFFFD");
        Assert.Contains(spans[2].Warnings, w => w.Contains("truncated", StringComparison.Ordinal));
        Assert.Contains(spans[2].Warnings, w => w.Contains("UTF-8", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dependencies_are_aggregated_and_flushed_to_the_dependency_writer_when_enabled()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var dependencies = new RecordingDependencyWriter();
        await using var host = await CollectorHost.StartAsync(
            o =>
            {
                o.AggregateDependencies = true;
                o.DependencyFlushInterval = TimeSpan.FromMinutes(1);
            },
            services: s =>
            {
                s.AddSingleton<TimeProvider>(time);
                s.AddSingleton<IDependencyWriter>(dependencies);
            });
        var sink = host.Host.Services.GetRequiredService<ISpanSink>();
        using var saved = new MetricCollector<long>(host.Host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), CollectorMetrics.MeterName, "jaeger.collector.spans.saved");
        var trace = new TraceId(0x77);
        var frontend = new Process("frontend");
        var backend = new Process("backend");
        var root = new Span { TraceId = trace, SpanId = new SpanId(1), OperationName = "GET /", Process = frontend };
        Span Child(ulong id) => new() { TraceId = trace, SpanId = new SpanId(id), OperationName = "call", Process = backend, References = [new SpanRef(trace, new SpanId(1))] };

        // One child before its parent arrives, one after.
        await sink.SubmitAsync(new Batch(backend, [Child(2)]));
        await sink.SubmitAsync(new Batch(frontend, [root]));
        await sink.SubmitAsync(new Batch(backend, [Child(3)]));
        // A span is written to storage before it reaches the aggregator; the saved counter comes after both.
        await Eventually.UntilAsync(() => saved.GetMeasurementSnapshot().Sum(m => m.Value) == 3, "3 spans saved and aggregated");

        // The flush timer starts on its own thread: advance until it has ticked (later ticks find nothing new).
        await Eventually.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromMinutes(1));
                return dependencies.Links.Count > 0;
            },
            "dependency links flushed");
        var link = Assert.Single(dependencies.Links);
        Assert.Equal(new DependencyLink("frontend", "backend", 2), link);
    }

    [Fact]
    public async Task Invalid_options_fail_the_start_with_messages_naming_each_configuration_key_and_value()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddJaegerCollector(o =>
        {
            o.QueueSize = 0;
            o.Zipkin.Address = "nonsense";
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
            [
                "Jaeger:Collector:QueueSize must be between 1 and 10000000, not 0.",
                "Jaeger:Collector:Zipkin:Address: 'nonsense' has no port; expected host:port such as \":14268\".",
            ],
            error.Failures);
    }

    [Fact]
    public void Adding_the_collector_twice_registers_one_pipeline_and_one_set_of_hosted_services()
    {
        var services = new ServiceCollection();
        services.AddJaegerCollector();
        var count = services.Count;

        services.AddJaegerCollector(o => o.QueueSize = 5);

        Assert.Equal(count + 1, services.Count); // only the extra configure action
        Assert.Equal(3, services.Count(d => d.ServiceType == typeof(IHostedService)));
    }

    [Fact]
    public void Options_bind_from_the_jaeger_collector_section_and_code_overrides_configuration()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Collector:QueueSize"] = "123",
            ["Jaeger:Collector:Workers"] = "7",
            ["Jaeger:Collector:FullQueuePolicy"] = "PushBack",
            ["Jaeger:Collector:Zipkin:Enabled"] = "false",
            ["Jaeger:Collector:Tags:dc"] = "west",
        });
        builder.Services.AddJaegerCollector(o => o.Workers = 2);
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<JaegerCollectorOptions>>().Value;

        Assert.Equal(123, options.QueueSize);
        Assert.Equal(2, options.Workers);
        Assert.Equal(FullQueuePolicy.PushBack, options.FullQueuePolicy);
        Assert.False(options.Zipkin.Enabled);
        Assert.Equal("west", options.Tags["dc"]);
    }

    private sealed class DropHealthChecks : ISpanFilter
    {
        public bool ShouldStore(Span span) => span.OperationName != "health";
    }

    private sealed class StampHook : IPreSaveHook
    {
        public void OnSaving(Span span) => span.Tags = span.Tags.Add(KeyValue.Bool("stamped", true));
    }

    private sealed class RecordingDependencyWriter : IDependencyWriter
    {
        public List<DependencyLink> Links { get; } = [];

        public ValueTask WriteDependenciesAsync(DateTimeOffset timestamp, IReadOnlyList<DependencyLink> links, CancellationToken cancellationToken = default)
        {
            lock (Links)
            {
                Links.AddRange(links);
            }

            return ValueTask.CompletedTask;
        }
    }
}
