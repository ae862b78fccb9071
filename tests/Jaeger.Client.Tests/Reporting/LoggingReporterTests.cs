using Jaeger.Client.Reporting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Jaeger.Client.Tests.Reporting;

public class LoggingReporterTests
{
    [Fact]
    public async Task Log_spans_adds_a_logging_reporter_next_to_the_remote_one()
    {
        using var provider = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(provider));
        var memory = new InMemoryReporter();
        await using var tracer = JaegerTracerFactory.Create(
            new JaegerTracingOptions { ServiceName = "logged", SamplerType = "const", SamplerParam = 1, LogSpans = true, ReporterOverride = memory },
            loggerFactory);
        Assert.IsType<CompositeReporter>(tracer.Reporter);

        var span = tracer.BuildSpan("visible op").Start();
        var context = (JaegerSpanContext)span.Context;
        span.Finish();

        Assert.Single(memory.GetSpans());
        var record = Assert.Single(provider.Collector.GetSnapshot(), r => r.Message.StartsWith("Span reported", StringComparison.Ordinal));
        Assert.Contains(context.TraceId.ToString(), record.Message, StringComparison.Ordinal);
        Assert.Contains("visible op", record.Message, StringComparison.Ordinal);
    }
}
