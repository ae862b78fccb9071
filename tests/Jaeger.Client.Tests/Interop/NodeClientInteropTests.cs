using System.Text.Json;
using Jaeger.Testing;

namespace Jaeger.Client.Tests.Interop;

/// <summary>Propagation against the real Jaeger Node client (npm jaeger-client@3.19.0).</summary>
public class NodeClientInteropTests
{
    private static string Pad(string hex) => hex.PadLeft(hex.Length > 16 ? 32 : 16, '0');

    [NodeFact]
    public async Task Node_injects_text_map_and_http_headers_and_we_extract_same_trace_parent_and_baggage()
    {
        foreach (var (formatName, format) in new[] { ("text_map", BuiltinFormats.TextMap), ("http_headers", BuiltinFormats.HttpHeaders) })
        {
            using var output = JsonDocument.Parse(await Node.RunAsync("client-propagation.js", ["inject", formatName]));
            var carrier = output.RootElement.GetProperty("carrier").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            var (tracer, reporter) = TestTracers.Create(new Jaeger.Client.Sampling.ConstSampler(false));

            var context = Assert.IsType<JaegerSpanContext>(tracer.Extract(format, new TextMapAdapter(carrier)));
            Assert.Equal(Pad(output.RootElement.GetProperty("traceId").GetString()!), context.TraceId.ToString());
            Assert.Equal(Pad(output.RootElement.GetProperty("spanId").GetString()!), context.SpanId.ToString());
            Assert.True(context.IsSampled);
            Assert.Equal("hello node", context.GetBaggageItem("from-node"));

            var child = tracer.BuildSpan("dotnet-child").AsChildOf(context).Start();
            Assert.Equal("hello node", child.GetBaggageItem("from-node"));
            child.Finish();
            var span = Assert.Single(reporter.GetSpans());
            Assert.Equal(context.TraceId, span.TraceId);
            Assert.Equal(context.SpanId, span.ParentSpanId);
        }
    }

    [NodeFact]
    public async Task We_inject_and_Node_extracts_same_trace_parent_and_baggage()
    {
        foreach (var (formatName, format, use128) in new[] { ("text_map", BuiltinFormats.TextMap, false), ("http_headers", BuiltinFormats.HttpHeaders, false), ("text_map", BuiltinFormats.TextMap, true) })
        {
            var (tracer, _) = TestTracers.Create(traceId128: use128);
            var span = tracer.BuildSpan("dotnet-root").Start();
            span.SetBaggageItem("from-dotnet", "hello, node");
            var carrier = new Dictionary<string, string>();
            tracer.Inject(span.Context, format, new TextMapAdapter(carrier));

            using var output = JsonDocument.Parse(await Node.RunAsync("client-propagation.js", ["extract", formatName, JsonSerializer.Serialize(carrier)]));
            var root = output.RootElement;
            var context = (JaegerSpanContext)span.Context;
            Assert.Equal(context.TraceId.ToString(), Pad(root.GetProperty("extractedTraceId").GetString()!));
            Assert.Equal(context.TraceId.ToString(), Pad(root.GetProperty("childTraceId").GetString()!));
            Assert.Equal(context.SpanId.ToString(), Pad(root.GetProperty("childParentId").GetString()!));
            Assert.True(root.GetProperty("sampled").GetBoolean());
            Assert.Equal("hello, node", root.GetProperty("baggage").GetProperty("from-dotnet").GetString());
        }
    }
}
