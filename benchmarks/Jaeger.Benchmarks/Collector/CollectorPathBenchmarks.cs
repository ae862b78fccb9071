using System.Buffers;
using BenchmarkDotNet.Attributes;
using Jaeger.Collector;
using Jaeger.Collector.Pipeline;
using Jaeger.Collector.Receivers;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Thrift;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Jaeger.Benchmarks.Collector;

/// <summary>
/// The collector's write path for one Thrift HTTP request of 100 spans (10 traces of 10 spans, 4 tags each), or one
/// OTLP/HTTP protobuf request of 100 spans (the realistic sample of <c>OtlpDecodeBenchmarks</c>), from the
/// received bytes to the writer call: decode included (<see cref="DecodeSubmitWrite"/>) and excluded
/// (<see cref="SubmitWrite"/>, the request decoded once). One pipeline worker, a writer that only signals; each
/// operation waits until the writer got the request, so time and bytes are per request (divide by 100 for a span).
/// <see cref="ResumeWorkersInline"/> false wakes the waiting worker on another thread (the write path before
/// 2026-12-07); true resumes it on the submitting thread.
/// </summary>
[MemoryDiagnoser]
public class CollectorPathBenchmarks
{
    private byte[] _body = null!;
    private byte[] _otlpBody = null!;
    private Batch _decoded = null!;
    private SpanPipeline _pipeline = null!;
    private SignallingWriter _writer = null!;
    private ServiceProvider _services = null!;

    /// <summary>Whether the waiting worker resumes on the submitting thread.</summary>
    [Params(false, true)]
    public bool ResumeWorkersInline { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = Body();
        _otlpBody = Google.Protobuf.MessageExtensions.ToByteArray(Jaeger.Collector.Hosting.Tests.OtlpDecoding.OtlpSamples.Realistic(100));
        if (!ThriftBatchReader.TryRead(_body, out _decoded, out var error))
        {
            throw new InvalidOperationException(error);
        }

        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _writer = new SignallingWriter();
        var options = Options.Create(new JaegerCollectorOptions { Workers = 1, QueueSize = 10_000, MaxWriteBatch = 1000, ResumeWorkersInline = ResumeWorkersInline });
        _pipeline = new SpanPipeline(options, [_writer], [], [], _services, new CollectorMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), TimeProvider.System, NullLoggerFactory.Instance);
        _pipeline.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        DecodeSubmitWrite();
        if (_writer.Spans != 100)
        {
            throw new InvalidOperationException($"The writer got {_writer.Spans} spans, not 100.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pipeline.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _pipeline.Dispose();
        _services.Dispose();
    }

    [Benchmark(Description = "Thrift bytes -> decode -> queue -> worker -> writer (100 spans)")]
    public void DecodeSubmitWrite()
    {
        if (!ThriftBatchReader.TryRead(_body, out var batch, out var error))
        {
            throw new InvalidOperationException(error);
        }

        _pipeline.Submit([batch], SpanFormats.Jaeger, SpanFormats.Http);
        _writer.Done.Wait();
    }

    [Benchmark(Description = "OTLP bytes -> decode into a growing list -> ToBatches copy -> queue -> worker -> writer (100 spans; the receiver step before 2026-12-07)")]
    public void OtlpDecodeCopySubmitWrite()
    {
        var spans = new List<Span>();
        if (!OtlpProtobufReader.TryRead(_otlpBody, spans, out var error))
        {
            throw new InvalidOperationException(error.ToString());
        }

        _pipeline.Submit(SpanWriterExtensions.ToBatches(spans), SpanFormats.Otlp, SpanFormats.Http);
        _writer.Done.Wait();
    }

    [Benchmark(Description = "OTLP bytes -> decode into a sized list -> one batch -> queue -> worker -> writer (100 spans)")]
    public void OtlpDecodeSubmitWrite()
    {
        var spans = ReceivedSpans.ListFor(_otlpBody.Length);
        if (!OtlpProtobufReader.TryRead(_otlpBody, spans, out var error))
        {
            throw new InvalidOperationException(error.ToString());
        }

        _pipeline.Submit(ReceivedSpans.ToBatches(spans), SpanFormats.Otlp, SpanFormats.Http);
        _writer.Done.Wait();
    }

    [Benchmark(Description = "decoded batch -> queue -> worker -> writer (100 spans)")]
    public void SubmitWrite()
    {
        _pipeline.Submit([_decoded], SpanFormats.Jaeger, SpanFormats.Http);
        _writer.Done.Wait();
    }

    internal static byte[] Body()
    {
        var process = new Process("bench-service", [KeyValue.String("hostname", "bench-host"), KeyValue.String("ip", "10.0.0.1")]);
        var spans = new List<Span>(100);
        for (var t = 0; t < 10; t++)
        {
            for (var s = 0; s < 10; s++)
            {
                spans.Add(new Span
                {
                    TraceId = new TraceId(0xBE7C4, (ulong)t + 1),
                    SpanId = new SpanId((ulong)(t * 10 + s + 1)),
                    OperationName = "op-" + s,
                    References = s == 0 ? [] : [new SpanRef(new TraceId(0xBE7C4, (ulong)t + 1), new SpanId((ulong)(t * 10 + 1)), SpanRefType.ChildOf)],
                    Flags = SpanFlags.Sampled,
                    StartTimeMicros = 1_780_000_000_000_000 + s,
                    DurationMicros = 1000 + s,
                    Tags = [KeyValue.String("span.kind", "server"), KeyValue.String("http.method", "GET"), KeyValue.Int64("http.status_code", 200), KeyValue.Bool("cache.hit", s % 2 == 0)],
                    Process = process,
                });
            }
        }

        var buffer = new ArrayBufferWriter<byte>();
        JaegerThriftSerializer.WriteBatch(buffer, new Batch(process, spans), ThriftProtocol.Binary);
        return buffer.WrittenSpan.ToArray();
    }

    private sealed class SignallingWriter : ISpanWriter
    {
        public SemaphoreSlim Done { get; } = new(0);

        public long Spans;

        public ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
        {
            for (var i = 0; i < batches.Count; i++)
            {
                Spans += batches[i].Spans.Count;
            }

            Done.Release();
            return ValueTask.CompletedTask;
        }
    }
}
