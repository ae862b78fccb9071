using Jaeger.Hosting.Diagnostics;
using Jaeger.LoadGenerator;
using Jaeger.LoadGenerator.Accounting;
using Jaeger.LoadGenerator.Options;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;

namespace Jaeger.EndToEnd.Tests.LoadGenerator;

public sealed class LoadGeneratorOptionsTests
{
    [Fact]
    public void Options_parse_long_names_with_a_space_or_an_equals_sign()
    {
        var parsed = OptionsParser.Parse(["--transport", "otlp-grpc", "--workers=3", "--rate", "250.5", "--duration", "500ms", "--batch-spans", "40", "--service", "svc", "--otlp-url", "http://otel:4317", "--self-host"]);

        var options = Assert.IsType<LoadOptions>(parsed.Options);
        Assert.Equal(TransportKind.OtlpGrpc, options.Transport);
        Assert.Equal(3, options.Workers);
        Assert.Equal(250.5, options.Rate);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Duration);
        Assert.Equal(40, options.BatchSpans);
        Assert.Equal("svc", options.Service);
        Assert.Equal(new Uri("http://otel:4317/"), options.OtlpGrpcUrl);
        Assert.True(options.SelfHost);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Warmup);
        Assert.Equal(TimeSpan.Zero, OptionsParser.Parse(["--warmup", "0"]).Options!.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(2), OptionsParser.Parse(["--warmup=2s"]).Options!.Warmup);
    }

    [Fact]
    public void Defaults_target_jaegers_ports_on_localhost_and_a_fresh_service_name()
    {
        var first = OptionsParser.Parse([]).Options!;
        var second = OptionsParser.Parse([]).Options!;

        Assert.Equal(TransportKind.CollectorHttpThrift, first.Transport);
        Assert.Equal((6831, 6832), (first.AgentCompactPort, first.AgentBinaryPort));
        Assert.Equal(new Uri("http://localhost:14268/"), first.CollectorUrl);
        Assert.Equal(new Uri("http://localhost:4317/"), first.OtlpGrpcUrl);
        Assert.Equal(new Uri("http://localhost:4318/"), first.OtlpHttpUrl);
        Assert.Equal(new Uri("http://localhost:16686/"), first.QueryUrl);
        Assert.Equal(new Uri("http://localhost:14269/"), first.AdminUrl);
        Assert.StartsWith("loadgen-", first.Service, StringComparison.Ordinal);
        Assert.NotEqual(first.Service, second.Service);
    }

    [Theory]
    [InlineData("--transport carrier-pigeon", "--transport must be one of")]
    [InlineData("--workers 0", "--workers must be a whole number from 1")]
    [InlineData("--duration soon", "--duration must be a positive duration")]
    [InlineData("--warmup never", "--warmup must be a positive duration")]
    [InlineData("--frobnicate 1", "unknown option '--frobnicate'")]
    [InlineData("--rate", "--rate needs a value")]
    [InlineData("--collector-url ftp://x", "--collector-url must be an http:// or https:// URL")]
    public async Task A_bad_option_exits_2_with_a_message_naming_it(string args, string message)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var code = await LoadRunner.RunCommandLineAsync(args.Split(' '), output, errors, CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Contains(message, errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("--help", errors.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Help_lists_every_transport_and_exits_0()
    {
        using var output = new StringWriter();

        var code = await LoadRunner.RunCommandLineAsync(["--help"], output, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, code);
        foreach (var transport in new[] { "agent-udp-compact", "agent-udp-binary", "collector-http-thrift", "otlp-grpc", "otlp-http", "--self-host", "--mode" })
        {
            Assert.Contains(transport, output.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_metrics_parser_reads_what_the_exporter_renders_including_escaped_labels_and_subtracts_snapshots()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusMetrics(factory);
        var counter = factory.Create("Jaeger.Test").CreateCounter<long>("jaeger.test.saved");
        counter.Add(5, new("service", "a \"quoted\" \\ name"), new("result", "ok"));
        counter.Add(7, new("service", "other"), new("result", "ok"));
        var before = MetricSnapshot.Parse(exporter.Render());
        counter.Add(3, new("service", "a \"quoted\" \\ name"), new("result", "ok"));

        var delta = MetricSnapshot.Parse(exporter.Render()).Since(before);

        Assert.Equal(3, delta.Sum("jaeger_test_saved_total", "a \"quoted\" \\ name"));
        Assert.Equal(0, delta.Sum("jaeger_test_saved_total", "other"));
        Assert.Equal(15, MetricSnapshot.Parse(exporter.Render()).Sum("jaeger_test_saved_total", null));
    }
}
