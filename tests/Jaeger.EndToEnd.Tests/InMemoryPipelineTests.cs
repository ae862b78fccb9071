using Jaeger.Client;
using Jaeger.Collector;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.EndToEnd.Tests;

/// <summary>
/// Client -> collector pipeline -> in-memory storage -> reader in one host with no sockets, written as a user would
/// in their own test suite. The test between the README markers is the README's example, verbatim.
/// </summary>
public sealed class InMemoryPipelineTests
{
    // README:begin
    [Fact]
    public async Task A_span_reaches_storage_through_the_collector_pipeline_without_sockets()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddJaegerInMemoryStorage();
        builder.Services.AddJaegerCollector().WithoutReceivers();   // only the pipeline (ISpanSink) writing to storage: no servers
        builder.Services.AddJaegerTracing(o =>
        {
            o.ServiceName = "orders";
            o.SendInProcess = true;     // report into this host's collector pipeline
            o.SamplerType = "const";    // record every trace
            o.SamplerParam = 1;
            o.TraceActivities = false;  // no process-wide ActivityListener while tests run in parallel
        });
        using var host = builder.Build();
        await host.StartAsync();

        var tracer = host.Services.GetRequiredService<JaegerTracer>();
        var span = tracer.BuildSpan("load order").WithTag("order.id", "42").Start();
        var traceId = TraceId.Parse(span.Context.TraceId);
        span.Log("cache miss");
        span.Finish();

        await tracer.FlushAsync();   // hands the finished spans to the pipeline
        await host.StopAsync();      // the pipeline drains its queue into storage

        var trace = await host.Services.GetRequiredService<ISpanReader>().GetTraceAsync(traceId);
        var stored = Assert.Single(trace!.Spans);
        Assert.Equal("load order", stored.OperationName);
        Assert.Equal("orders", stored.Process.ServiceName);
        Assert.Contains(KeyValue.String("order.id", "42"), stored.Tags);
        Assert.Contains(KeyValue.String("event", "cache miss"), Assert.Single(stored.Logs).Fields);
    }
    // README:end

    [Fact]
    public async Task A_collector_with_every_receiver_disabled_binds_nothing_and_still_stores_what_its_sink_takes()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddJaegerInMemoryStorage();
        builder.Services.AddJaegerCollector(o =>
        {
            o.ThriftHttp.Enabled = o.Grpc.Enabled = o.OtlpGrpc.Enabled = o.OtlpHttp.Enabled = o.Zipkin.Enabled = o.Admin.Enabled = false;
        });
        using var host = builder.Build();
        await host.StartAsync();
        var collector = host.Services.GetRequiredService<JaegerCollector>();
        await collector.Started.WaitAsync(TimeSpan.FromSeconds(30));
        Uri?[] bound = [collector.ThriftHttpEndpoint, collector.GrpcEndpoint, collector.OtlpGrpcEndpoint, collector.OtlpHttpEndpoint, collector.ZipkinEndpoint, collector.AdminEndpoint];
        Assert.All(bound, Assert.Null);

        var traceId = new TraceId(0, 0x5eed);
        var process = new Process("sink-only", [KeyValue.String("host", "test")]);
        var result = await host.Services.GetRequiredService<ISpanSink>().SubmitAsync(
            new Batch(process, [new Span { TraceId = traceId, SpanId = new SpanId(7), OperationName = "direct", Process = process, StartTimeMicros = 1_000, DurationMicros = 5 }]));
        Assert.Equal(1, result.Accepted);

        var reader = host.Services.GetRequiredService<ISpanReader>();
        Trace? trace = null;
        await Eventually.UntilAsync(async () => (trace = await reader.GetTraceAsync(traceId)) is not null, "the submitted span in storage");
        Assert.Equal("direct", Assert.Single(trace!.Spans).OperationName);
        await host.StopAsync();
    }

    [Fact]
    public void The_readme_shows_the_in_memory_example_verbatim()
    {
        var source = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "Jaeger.EndToEnd.Tests", "InMemoryPipelineTests.cs"));
        var example = Dedent(Between(source, "    // README:begin\n", "    // README:end\n"));
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var section = readme[readme.IndexOf("## Unit-testing a pipeline in memory", StringComparison.Ordinal)..];
        Assert.Equal(example, Between(section, "```csharp\n", "```\n"));
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, "missing " + start);
        from += start.Length;
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        Assert.True(to >= 0, "missing " + end);
        return text[from..to];
    }

    private static string Dedent(string block) =>
        string.Concat(block.Split('\n').Select((line, i) => (i == 0 ? string.Empty : "\n") + (line.StartsWith("    ", StringComparison.Ordinal) ? line[4..] : line)));
}
