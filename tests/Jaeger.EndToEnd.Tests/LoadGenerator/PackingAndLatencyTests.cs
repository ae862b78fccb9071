using Jaeger.LoadGenerator;
using Jaeger.LoadGenerator.Generation;
using Jaeger.LoadGenerator.Latency;
using Jaeger.LoadGenerator.Options;

namespace Jaeger.EndToEnd.Tests.LoadGenerator;

public sealed class PackingAndLatencyTests
{
    [Theory]
    [InlineData("agent-udp-compact", 10, 4, 32)]
    [InlineData("agent-udp-binary", 10, 4, 32)]
    [InlineData("agent-udp-compact", 3, 12, 500)]
    public void Udp_datagrams_hold_as_many_whole_traces_as_fit_65000_bytes(string transport, int spansPerTrace, int tags, int payload)
    {
        var options = OptionsParser.Parse(["--transport", transport]).Options! with { SpansPerTrace = spansPerTrace, TagsPerSpan = tags, PayloadBytes = payload };
        using var http = new HttpClient();
        var run = new IngestRun(options, TextWriter.Null, http);
        var format = transport == "agent-udp-compact" ? TemplateFormat.EmitBatchCompact : TemplateFormat.EmitBatchBinary;

        var template = run.CreateTemplate(format);

        Assert.InRange(template.Length, 1, IngestRun.MaxDatagramBytes);
        var oneMore = RequestTemplate.Create(template.Shape with { Traces = template.Shape.Traces + 1 }, format, template.TraceIdHigh);
        Assert.True(oneMore.Length > IngestRun.MaxDatagramBytes, $"{template.Shape.Traces} traces in {template.Length} bytes; one more would take {oneMore.Length}");
    }

    [Theory]
    [InlineData("--transport agent-udp-compact --batch-spans 30", nameof(TemplateFormat.EmitBatchCompact), 3, 30)]
    [InlineData("--spans-per-trace 7", nameof(TemplateFormat.ThriftBatchBinary), 14, 98)]
    [InlineData("--spans-per-trace 250", nameof(TemplateFormat.OtlpProtobuf), 1, 250)]
    public void Batch_spans_is_filled_with_whole_traces(string args, string format, int traces, int spans)
    {
        var options = OptionsParser.Parse(args.Split(' ')).Options!;
        using var http = new HttpClient();

        var template = new IngestRun(options, TextWriter.Null, http).CreateTemplate(Enum.Parse<TemplateFormat>(format));

        Assert.Equal(traces, template.Shape.Traces);
        Assert.Equal(spans, template.Shape.SpansPerRequest);
    }

    [Fact]
    public void Latency_percentiles_are_nearest_rank_over_every_sample()
    {
        var latency = new LatencyRecorder();
        for (var ms = 100; ms >= 1; ms--)
        {
            latency.Record(TimeSpan.FromMilliseconds(ms));
        }

        Assert.Equal([50.0, 90.0, 99.0, 100.0], latency.Summarize([0.5, 0.9, 0.99, 1.0]));
        Assert.Equal(100, latency.Count);
        Assert.True(double.IsNaN(new LatencyRecorder().Percentile(0.5)));
    }
}
