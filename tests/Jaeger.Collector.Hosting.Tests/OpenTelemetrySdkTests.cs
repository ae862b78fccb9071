using System.Diagnostics;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Jaeger.Collector.Hosting.Tests;

/// <summary>The real OpenTelemetry .NET SDK exports to our collector over OTLP.</summary>
public sealed class OpenTelemetrySdkTests
{
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Otel_sdk_spans_arrive_with_ids_names_kinds_tags_events_and_links(OtlpExportProtocol protocol)
    {
        await using var collector = await CollectorHost.StartAsync();
        var sourceName = "jaeger.tests." + protocol;
        using var source = new ActivitySource(sourceName, "3.1.4");
        var endpoint = protocol == OtlpExportProtocol.Grpc
            ? collector.Collector.OtlpGrpcEndpoint!
            : new Uri(collector.Collector.OtlpHttpEndpoint!, "v1/traces");

        ActivityContext linked;
        string parentTrace, parentSpan, childSpan;
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .SetSampler(new AlwaysOnSampler())
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("otel-svc").AddAttributes([new("deployment.environment", "test")]))
            .AddOtlpExporter(o =>
            {
                o.Endpoint = endpoint;
                o.Protocol = protocol;
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            using (var other = source.StartActivity("other-root", ActivityKind.Internal)!)
            {
                linked = other.Context;
            }

            using (var parent = source.StartActivity("parent-op", ActivityKind.Server)!)
            {
                parentTrace = parent.TraceId.ToHexString();
                parentSpan = parent.SpanId.ToHexString();
                parent.SetTag("http.method", "GET");
                parent.SetTag("retries", 3L);
                parent.SetTag("ratio", 0.5);
                parent.SetTag("cached", true);
                using var child = source.StartActivity("child-op", ActivityKind.Client, parent.Context, links: [new ActivityLink(linked)])!;
                childSpan = child.SpanId.ToHexString();
                child.AddEvent(new ActivityEvent("retrying", tags: new ActivityTagsCollection { ["attempt"] = 2L }));
                child.SetStatus(ActivityStatusCode.Error, "downstream failed");
            }

            provider.ForceFlush();
        }

        await Eventually.UntilAsync(() => collector.Writer.Spans.Count == 3, "3 spans from the OpenTelemetry SDK stored");
        var parentStored = collector.Writer.Single("parent-op");
        var childStored = collector.Writer.Single("child-op");

        Assert.Equal(parentTrace, parentStored.TraceId.ToString());
        Assert.Equal(parentSpan, parentStored.SpanId.ToString());
        Assert.Equal("otel-svc", parentStored.Process.ServiceName);
        Assert.Contains(KeyValue.String("deployment.environment", "test"), parentStored.Process.Tags);
        Assert.Equal("server", parentStored.SpanKind);
        Assert.True(parentStored.TryGetTag("http.method", out var method) && method.StringValue == "GET");
        Assert.True(parentStored.TryGetTag("retries", out var retries) && retries.Int64Value == 3);
        Assert.True(parentStored.TryGetTag("ratio", out var ratio) && ratio.Float64Value == 0.5);
        Assert.True(parentStored.TryGetTag("cached", out var cached) && cached.BoolValue);
        Assert.True(parentStored.TryGetTag("otel.scope.name", out var scope) && scope.StringValue == sourceName);
        Assert.True(parentStored.TryGetTag("otel.scope.version", out var version) && version.StringValue == "3.1.4");
        Assert.True(parentStored.DurationMicros >= 0);

        Assert.Equal(parentTrace, childStored.TraceId.ToString());
        Assert.Equal(childSpan, childStored.SpanId.ToString());
        Assert.Equal(parentSpan, childStored.ParentSpanId.ToString());
        Assert.Equal("client", childStored.SpanKind);
        Assert.True(childStored.TryGetTag("error", out var error) && error.BoolValue);
        Assert.True(childStored.TryGetTag("otel.status_code", out var code) && code.StringValue == "ERROR");
        Assert.True(childStored.TryGetTag("otel.status_description", out var description) && description.StringValue == "downstream failed");
        var log = Assert.Single(childStored.Logs);
        Assert.Contains(KeyValue.String("event", "retrying"), log.Fields);
        Assert.Contains(KeyValue.Int64("attempt", 2), log.Fields);
        var link = Assert.Single(childStored.References, r => r.RefType == SpanRefType.FollowsFrom);
        Assert.Equal(linked.TraceId.ToHexString(), link.TraceId.ToString());
        Assert.Equal(linked.SpanId.ToHexString(), link.SpanId.ToString());
    }

    [Fact]
    public async Task Otel_sdk_spans_reach_the_in_memory_store_and_read_back_as_one_trace()
    {
        await using var collector = await CollectorHost.StartAsync(services: s => s.AddJaegerInMemoryStorage());
        using var source = new ActivitySource("jaeger.tests.memory");
        string traceId;
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource("jaeger.tests.memory")
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("mem-svc"))
            .AddOtlpExporter(o =>
            {
                o.Endpoint = collector.Collector.OtlpGrpcEndpoint!;
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            using var root = source.StartActivity("root", ActivityKind.Server)!;
            traceId = root.TraceId.ToHexString();
            using (source.StartActivity("inner", ActivityKind.Internal))
            {
            }
        }

        var reader = collector.Host.Services.GetRequiredService<ISpanReader>();
        Model.Trace? trace = null;
        await Eventually.UntilAsync(
            async () => (trace = await reader.GetTraceAsync(TraceId.Parse(traceId))) is { Spans.Count: 2 },
            "both spans readable from the in-memory store");
        Assert.Equal(["inner", "root"], trace!.Spans.Select(s => s.OperationName).Order());
        Assert.Contains("mem-svc", await reader.GetServicesAsync());
    }
}
