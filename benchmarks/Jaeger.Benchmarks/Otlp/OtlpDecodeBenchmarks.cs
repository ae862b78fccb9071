using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Jaeger.Collector.Hosting.Tests.OtlpDecoding;
using Jaeger.Collector.Receivers;
using Jaeger.Hosting.Otlp;
using Jaeger.Model;
using Jaeger.Protos.Otlp.Collector.Trace.V1;

namespace Jaeger.Benchmarks.Otlp;

/// <summary>
/// Decoding an OTLP/HTTP protobuf body of 100 spans into model spans: the peer path (Google.Protobuf's generated
/// parser, as OpenTelemetry's .NET protobuf types give it, then <see cref="OtlpConverter"/>) against the direct
/// <see cref="OtlpProtobufReader"/>. The request: 1 resource with 5 attributes, 1 scope, spans with 8 attributes,
/// 1 event of 2 attributes and a status, a link on every fourth span.
/// </summary>
[MemoryDiagnoser]
public class OtlpDecodeBenchmarks
{
    private byte[] _body = null!;

    [GlobalSetup]
    public void Setup()
    {
        _body = OtlpSamples.Realistic(100).ToByteArray();

        // Both paths must agree before their speed means anything.
        var generated = GeneratedParseAndMap();
        var direct = DirectReader();
        if (generated.Count != 100 || direct.Count != 100
            || !generated.Zip(direct).All(p => p.First.SpanId == p.Second.SpanId && p.First.Tags.SequenceEqual(p.Second.Tags) && p.First.Logs.SequenceEqual(p.Second.Logs)))
        {
            throw new InvalidOperationException("The direct reader and the generated path disagree.");
        }
    }

    [Benchmark(Baseline = true, Description = "Google.Protobuf ParseFrom + OtlpConverter")]
    public List<Span> GeneratedParseAndMap()
    {
        var spans = new List<Span>(100);
        if (!OtlpConverter.TryConvert(ExportTraceServiceRequest.Parser.ParseFrom(_body), spans, out var error))
        {
            throw new InvalidOperationException(error);
        }

        return spans;
    }

    [Benchmark(Description = "Google.Protobuf ParseFrom only")]
    public object GeneratedParseOnly() => ExportTraceServiceRequest.Parser.ParseFrom(_body);

    [Benchmark(Description = "OtlpProtobufReader")]
    public List<Span> DirectReader()
    {
        var spans = new List<Span>(100);
        if (!OtlpProtobufReader.TryRead(_body, spans, out var error))
        {
            throw new InvalidOperationException(error.ToString());
        }

        return spans;
    }
}
