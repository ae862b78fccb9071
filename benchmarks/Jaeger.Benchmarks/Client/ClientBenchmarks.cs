using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Jaeger.Client;
using Jaeger.Client.Diagnostics;
using Jaeger.Client.Propagation;
using Jaeger.Client.Reporting;
using Jaeger.Client.Sampling;
using Jaeger.Client.Senders;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry.Trace;

namespace Jaeger.Benchmarks.Client;

/// <summary>
/// The Jaeger tracer against the OpenTelemetry .NET SDK (ActivitySource, AlwaysOn/AlwaysOff sampler,
/// BatchActivityExportProcessor with a no-op exporter), per category, in one run.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ClientBenchmarks
{
    private const string Operation = "GET /api/orders";
    private const int QueueBatch = 10_000;

    private readonly ActivitySource _sampledSource = new("bench.otel.sampled");
    private readonly ActivitySource _unsampledSource = new("bench.otel.unsampled");
    private TracerProvider _sampledProvider = null!;
    private TracerProvider _unsampledProvider = null!;
    private BatchActivityExportProcessor _otelQueue = null!;
    private Activity[] _activities = null!;

    private JaegerTracer _sampledTracer = null!;
    private JaegerTracer _unsampledTracer = null!;
    private JaegerTracer _pooledUnsampledTracer = null!;
    private SenderStats _sampledStats = null!;
    private RemoteReporter _jaegerQueue = null!;
    private SenderStats _queueStats = null!;
    private Jaeger.Model.Span[] _modelSpans = null!;

    private ISpanContext _context = null!;
    private readonly Dictionary<string, string> _injectCarrier = new(StringComparer.OrdinalIgnoreCase);
    private TextMapAdapter _injectAdapter = null!;
    private TextMapAdapter _extractAdapter = null!;
    private readonly Dictionary<string, string> _w3cCarrier = new(StringComparer.OrdinalIgnoreCase);
    private readonly TraceContextPropagator _w3c = new();
    private PropagationContext _otelContext;

    [GlobalSetup]
    public void Setup()
    {
        _sampledProvider = Sdk.CreateTracerProviderBuilder().AddSource(_sampledSource.Name).SetSampler(new AlwaysOnSampler())
            .AddProcessor(new BatchActivityExportProcessor(new NoopExporter())).Build()!;
        _unsampledProvider = Sdk.CreateTracerProviderBuilder().AddSource(_unsampledSource.Name).SetSampler(new AlwaysOffSampler())
            .AddProcessor(new BatchActivityExportProcessor(new NoopExporter())).Build()!;
        _otelQueue = new BatchActivityExportProcessor(new NoopExporter(), maxQueueSize: 16_384);
        using (var source = new ActivitySource("bench.otel.queue"))
        using (var listener = new ActivityListener { ShouldListenTo = s => s == source, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded })
        {
            ActivitySource.AddActivityListener(listener);
            _activities = [.. Enumerable.Range(0, QueueBatch).Select(_ => { var a = source.StartActivity(Operation)!; a.Stop(); return a; })];
        }

        (_sampledTracer, _sampledStats) = CreateTracer(sampled: true);
        (_unsampledTracer, _) = CreateTracer(sampled: false);
        (_pooledUnsampledTracer, _) = CreateTracer(sampled: false, poolUnsampledSpans: true);
        _queueStats = new SenderStats();
        _jaegerQueue = new RemoteReporter(new NoopSender(), 16_384, TimeSpan.FromSeconds(1), TimeProvider.System, new ClientMetrics(null), _queueStats, NullLogger.Instance);
        var process = _sampledTracer.Process;
        _modelSpans = [.. Enumerable.Range(0, QueueBatch).Select(i => new Jaeger.Model.Span { OperationName = Operation, Process = process })];

        _context = _sampledTracer.BuildSpan("ctx").Start().Context;
        _injectAdapter = new TextMapAdapter(_injectCarrier);
        var extractMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        _sampledTracer.Inject(_context, BuiltinFormats.HttpHeaders, new TextMapAdapter(extractMap));
        _extractAdapter = new TextMapAdapter(extractMap);
        var jaegerContext = (JaegerSpanContext)_context;
        _otelContext = new PropagationContext(new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded), default);
        _w3c.Inject(_otelContext, _w3cCarrier, static (c, k, v) => c[k] = v);
        GC.KeepAlive(jaegerContext);
    }

    private static (JaegerTracer, SenderStats) CreateTracer(bool sampled, bool poolUnsampledSpans = false)
    {
        var metrics = new ClientMetrics(null);
        var stats = new SenderStats();
        var reporter = new RemoteReporter(new NoopSender(), 65_536, TimeSpan.FromSeconds(1), TimeProvider.System, metrics, stats, NullLogger.Instance);
        var tracer = new JaegerTracer(new TracerSettings
        {
            ServiceName = "bench",
            Sampler = new ConstSampler(sampled),
            Reporter = reporter,
            Metrics = metrics,
            TextMapPropagator = new JaegerPropagator(false, metrics),
            HttpHeadersPropagator = new JaegerPropagator(true, metrics),
            BinaryPropagator = new BinaryPropagator(metrics),
            PoolUnsampledSpans = poolUnsampledSpans,
        });
        return (tracer, stats);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sampledTracer.FlushAsync().GetAwaiter().GetResult();
        Console.WriteLine($"// Jaeger sampled-span reporter queue drops: {_sampledStats.Snapshot().FullQueueDroppedSpans}; queue benchmark drops: {_queueStats.Snapshot().FullQueueDroppedSpans}");
        _sampledTracer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _unsampledTracer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _pooledUnsampledTracer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _jaegerQueue.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _sampledProvider.Dispose();
        _unsampledProvider.Dispose();
        _otelQueue.Dispose();
    }

    [BenchmarkCategory("SampledSpan"), Benchmark(Baseline = true)]
    public void OpenTelemetry_SampledSpan()
    {
        using var activity = _sampledSource.StartActivity(Operation);
        activity?.SetTag("http.method", "GET");
        activity?.SetTag("http.url", "https://shop.example.com/api/orders");
        activity?.SetTag("component", "aspnetcore");
        activity?.SetTag("http.status_code", 200);
        activity?.SetTag("error", false);
    }

    [BenchmarkCategory("SampledSpan"), Benchmark]
    public void Jaeger_SampledSpan()
    {
        JaegerSpanWithFiveTags(_sampledTracer);
    }

    [BenchmarkCategory("UnsampledSpan"), Benchmark(Baseline = true)]
    public void OpenTelemetry_UnsampledSpan()
    {
        using var activity = _unsampledSource.StartActivity(Operation);
        activity?.SetTag("http.method", "GET");
        activity?.SetTag("http.url", "https://shop.example.com/api/orders");
        activity?.SetTag("component", "aspnetcore");
        activity?.SetTag("http.status_code", 200);
        activity?.SetTag("error", false);
    }

    [BenchmarkCategory("UnsampledSpan"), Benchmark]
    public void Jaeger_UnsampledSpan()
    {
        JaegerSpanWithFiveTags(_unsampledTracer);
    }

    /// <summary>The same span with PoolUnsampledSpans on: finished unsampled span objects are reused.</summary>
    [BenchmarkCategory("UnsampledSpan"), Benchmark]
    public void Jaeger_UnsampledSpan_Pooled()
    {
        JaegerSpanWithFiveTags(_pooledUnsampledTracer);
    }

    // The Jaeger side of the span cases: start, the same 5 tags as the OpenTelemetry side, finish.
    private static void JaegerSpanWithFiveTags(JaegerTracer tracer)
    {
        var span = tracer.BuildSpan(Operation).Start();
        span.SetTag("http.method", "GET");
        span.SetTag("http.url", "https://shop.example.com/api/orders");
        span.SetTag("component", "aspnetcore");
        span.SetTag("http.status_code", 200);
        span.SetTag("error", false);
        span.Finish();
    }

    [BenchmarkCategory("Inject"), Benchmark(Baseline = true)]
    public void OpenTelemetry_InjectTraceparent() => _w3c.Inject(_otelContext, _w3cCarrier, static (c, k, v) => c[k] = v);

    [BenchmarkCategory("Inject"), Benchmark]
    public void Jaeger_InjectUberTraceId() => _sampledTracer.Inject(_context, BuiltinFormats.HttpHeaders, _injectAdapter);

    [BenchmarkCategory("Extract"), Benchmark(Baseline = true)]
    public PropagationContext OpenTelemetry_ExtractTraceparent() =>
        _w3c.Extract(default, _w3cCarrier, static (c, k) => c.TryGetValue(k, out var v) ? [v] : []);

    [BenchmarkCategory("Extract"), Benchmark]
    public ISpanContext? Jaeger_ExtractUberTraceId() => _sampledTracer.Extract(BuiltinFormats.HttpHeaders, _extractAdapter);

    [BenchmarkCategory("Queue"), Benchmark(Baseline = true, OperationsPerInvoke = QueueBatch)]
    public bool OpenTelemetry_BatchProcessorQueue()
    {
        foreach (var activity in _activities)
        {
            _otelQueue.OnEnd(activity);
        }

        return _otelQueue.ForceFlush();
    }

    [BenchmarkCategory("Queue"), Benchmark(OperationsPerInvoke = QueueBatch)]
    public void Jaeger_RemoteReporterQueue()
    {
        foreach (var span in _modelSpans)
        {
            _jaegerQueue.Report(span);
        }

        _jaegerQueue.FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    private sealed class NoopExporter : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch) => ExportResult.Success;
    }
}
