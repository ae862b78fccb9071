using Jaeger.Client.Diagnostics;
using Jaeger.Model;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Jaeger.Client.Tests.Propagation;

public class PropagationTests
{
    private static JaegerSpanContext Ctx(ISpan span) => (JaegerSpanContext)span.Context;

    [Fact]
    public void Jaeger_text_map_round_trips_ids_flags_and_baggage()
    {
        var (tracer, _) = TestTracers.Create();
        var span = tracer.BuildSpan("op").Start();
        span.SetBaggageItem("user", "ann b");
        var map = new Dictionary<string, string>();
        tracer.Inject(span.Context, BuiltinFormats.TextMap, new TextMapAdapter(map));

        var expected = $"{Ctx(span).TraceId}:{Ctx(span).SpanId}:0000000000000000:1";
        Assert.Equal(expected, map["uber-trace-id"]);
        Assert.Equal("ann b", map["uberctx-user"]);

        var extracted = Assert.IsType<JaegerSpanContext>(tracer.Extract(BuiltinFormats.TextMap, new TextMapAdapter(map)));
        Assert.Equal(Ctx(span).TraceId, extracted.TraceId);
        Assert.Equal(Ctx(span).SpanId, extracted.SpanId);
        Assert.True(extracted.IsSampled);
        Assert.Equal("ann b", extracted.GetBaggageItem("user"));
    }

    [Fact]
    public void Jaeger_http_headers_are_url_encoded_and_case_insensitive()
    {
        var (tracer, reporter) = TestTracers.Create(traceId128: true);
        var span = tracer.BuildSpan("op").Start();
        span.SetBaggageItem("k", "a,b=c");
        var headers = new Dictionary<string, string>();
        tracer.Inject(span.Context, BuiltinFormats.HttpHeaders, new TextMapAdapter(headers));
        Assert.Equal($"{Ctx(span).TraceId}%3A{Ctx(span).SpanId}%3A0000000000000000%3A1", headers["uber-trace-id"]);
        Assert.Equal(Uri.EscapeDataString("a,b=c"), headers["uberctx-k"]);

        var upper = headers.ToDictionary(h => h.Key.ToUpperInvariant(), h => h.Value);
        var extracted = (JaegerSpanContext)tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(upper))!;
        Assert.Equal(Ctx(span).TraceId, extracted.TraceId);
        Assert.Equal("a,b=c", extracted.GetBaggageItem("k"));

        tracer.BuildSpan("server").AsChildOf(extracted).Start().Finish();
        var server = Assert.Single(reporter.GetSpans());
        Assert.Equal(Ctx(span).SpanId, server.ParentSpanId);
        Assert.Equal(Ctx(span).TraceId, server.TraceId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1:2:3")]
    [InlineData("zz:1:0:1")]
    [InlineData("0:1:0:1")]
    [InlineData("1:0:0:1")]
    [InlineData("1:1:0:1:5")]
    [InlineData("123456789012345678901234567890123:1:0:1")]
    [InlineData("1:1:0:100")]
    [InlineData("1:1:0:")]
    [InlineData("1:1::1")]
    [InlineData(":1:0:1")]
    [InlineData("1:12345678901234567:0:1")]
    [InlineData("1:1:0:1 x")]
    [InlineData("1%3A1%3A0%3A1")]
    [InlineData("1:1:0:g")]
    [InlineData("1:\u00e9:0:1")]
    public void Malformed_uber_trace_id_is_ignored_and_counted(string value)
    {
        using var metrics = new ClientMetrics(null);
        using var errors = new MetricCollector<long>(metrics.Meter, "jaeger.client.span_context.decoding_errors");
        var (tracer, _) = TestTracers.Create(metrics: metrics);
        var context = tracer.Extract(BuiltinFormats.TextMap, new TextMapAdapter(new Dictionary<string, string> { ["uber-trace-id"] = value }));
        Assert.Null(context);
        Assert.Equal(1, errors.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Theory]
    [InlineData("00000000000000AB:00000000000000cd:ef:1", false, 0UL, 0xABUL, 0xCDUL, 0xEFUL, 1)]
    [InlineData("0123456789abcdef0123456789ABCDEF:1:0:3", false, 0x0123456789abcdefUL, 0x0123456789abcdefUL, 1UL, 0UL, 3)]
    [InlineData(" 5%3a6%3A7%3A1 ", true, 0UL, 5UL, 6UL, 7UL, 1)]
    [InlineData("5:6:7:ff", true, 0UL, 5UL, 6UL, 7UL, 0xff)]
    public void Uber_trace_id_parses_every_width_case_and_separator_form(string value, bool urlEncoded, ulong high, ulong low, ulong span, ulong parent, int flags)
    {
        Assert.True(Jaeger.Client.Propagation.JaegerPropagator.TryParseContext(value, urlEncoded, out var traceId, out var spanId, out var parentId, out var parsedFlags));
        Assert.Equal(new TraceId(high, low), traceId);
        Assert.Equal(new SpanId(span), spanId);
        Assert.Equal(new SpanId(parent), parentId);
        Assert.Equal((SpanFlags)flags, parsedFlags);
    }

    [Fact]
    public void One_context_injected_alternately_as_text_map_and_http_headers_gets_each_form_right()
    {
        var (tracer, _) = TestTracers.Create();
        var context = new JaegerSpanContext(new TraceId(0xab), new SpanId(0xcd), new SpanId(0xef), SpanFlags.Sampled);
        var values = new List<string>();
        foreach (var format in new[] { BuiltinFormats.TextMap, BuiltinFormats.HttpHeaders, BuiltinFormats.HttpHeaders, BuiltinFormats.TextMap })
        {
            var map = new Dictionary<string, string>();
            tracer.Inject(context, format, new TextMapAdapter(map));
            values.Add(map["uber-trace-id"]);
        }

        const string Plain = "00000000000000ab:00000000000000cd:00000000000000ef:1";
        const string Encoded = "00000000000000ab%3A00000000000000cd%3A00000000000000ef%3A1";
        Assert.Equal([Plain, Encoded, Encoded, Plain], values);
        Assert.Equal(Plain, context.ToString());
    }

    [Fact]
    public void Jaeger_baggage_header_and_debug_id_are_read()
    {
        var (tracer, _) = TestTracers.Create();
        var map = new Dictionary<string, string> { ["uber-trace-id"] = "abc:def:0:3", ["jaeger-baggage"] = "a=1, b=2" };
        var ctx = (JaegerSpanContext)tracer.Extract(BuiltinFormats.TextMap, new TextMapAdapter(map))!;
        Assert.Equal(new TraceId(0xabc), ctx.TraceId);
        Assert.True(ctx.IsDebug);
        Assert.Equal("1", ctx.GetBaggageItem("a"));
        Assert.Equal("2", ctx.GetBaggageItem("b"));
    }

    [Fact]
    public void W3C_traceparent_tracestate_and_baggage_round_trip()
    {
        var (tracer, reporter) = TestTracers.Create(propagation: "w3c");
        var map = new Dictionary<string, string>
        {
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ["tracestate"] = "congo=t61rcWkgMzE",
            ["baggage"] = "user=ann%20b,tier=gold;prop=1",
        };
        var ctx = (JaegerSpanContext)tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(map))!;
        Assert.Equal(new TraceId(0x0af7651916cd43dd, 0x8448eb211c80319c), ctx.TraceId);
        Assert.Equal(new SpanId(0xb7ad6b7169203331), ctx.SpanId);
        Assert.True(ctx.IsSampled);
        Assert.Equal("ann b", ctx.GetBaggageItem("user"));
        Assert.Equal("gold", ctx.GetBaggageItem("tier"));

        var child = tracer.BuildSpan("child").AsChildOf(ctx).Start();
        var output = new Dictionary<string, string>();
        tracer.Inject(child.Context, BuiltinFormats.HttpHeaders, new TextMapAdapter(output));
        Assert.Equal($"00-0af7651916cd43dd8448eb211c80319c-{Ctx(child).SpanId}-01", output["traceparent"]);
        Assert.Equal("congo=t61rcWkgMzE", output["tracestate"]);
        Assert.Contains("user=ann%20b", output["baggage"], StringComparison.Ordinal);
        child.Finish();
        Assert.Equal(new SpanId(0xb7ad6b7169203331), Assert.Single(reporter.GetSpans()).ParentSpanId);
    }

    [Theory]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")]
    [InlineData("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra")]
    public void Malformed_traceparent_is_ignored(string value)
    {
        var (tracer, _) = TestTracers.Create(propagation: "w3c");
        Assert.Null(tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(new Dictionary<string, string> { ["traceparent"] = value })));
    }

    [Fact]
    public void B3_multi_and_single_headers_are_understood()
    {
        var (tracer, _) = TestTracers.Create(propagation: "b3");
        var span = tracer.BuildSpan("op").Start();
        var child = tracer.BuildSpan("child").AsChildOf(span).Start();
        var headers = new Dictionary<string, string>();
        tracer.Inject(child.Context, BuiltinFormats.HttpHeaders, new TextMapAdapter(headers));
        Assert.Equal(Ctx(child).TraceId.ToString(), headers["X-B3-TraceId"]);
        Assert.Equal(Ctx(child).SpanId.ToString(), headers["X-B3-SpanId"]);
        Assert.Equal(Ctx(span).SpanId.ToString(), headers["X-B3-ParentSpanId"]);
        Assert.Equal("1", headers["X-B3-Sampled"]);
        var back = (JaegerSpanContext)tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(headers))!;
        Assert.Equal(Ctx(child).SpanId, back.SpanId);

        var single = new Dictionary<string, string> { ["b3"] = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d-05e3ac9a4f6e3b90" };
        var fromSingle = (JaegerSpanContext)tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(single))!;
        Assert.Equal(new TraceId(0x80f198ee56343ba8, 0x64fe8b2a57d3eff7), fromSingle.TraceId);
        Assert.Equal(new SpanId(0xe457b5a2e4d86bd1), fromSingle.SpanId);
        Assert.True(fromSingle.IsDebug);
        Assert.Null(tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(new Dictionary<string, string> { ["b3"] = "0" })));
        Assert.Null(tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(new Dictionary<string, string> { ["X-B3-TraceId"] = "xyz", ["X-B3-SpanId"] = "1" })));
    }

    [Fact]
    public void B3_carries_baggage_in_baggage_prefixed_headers_both_ways()
    {
        var (tracer, _) = TestTracers.Create(propagation: "b3");
        var span = tracer.BuildSpan("op").Start();
        span.SetBaggageItem("tenant", "acme");
        var headers = new Dictionary<string, string>();
        tracer.Inject(span.Context, BuiltinFormats.HttpHeaders, new TextMapAdapter(headers));
        Assert.Equal("acme", headers["baggage-tenant"]);

        headers["Baggage-User"] = "ann";
        var back = (JaegerSpanContext)tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(headers))!;
        Assert.Equal(Ctx(span).SpanId, back.SpanId);
        Assert.Equal("acme", back.GetBaggageItem("tenant"));
        Assert.Equal("ann", back.GetBaggageItem("user"));
        Assert.Null(tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(new Dictionary<string, string> { ["baggage-user"] = "ann" })));
    }

    [Fact]
    public void Composite_injects_every_format_and_extracts_the_first_valid()
    {
        var (tracer, _) = TestTracers.Create(propagation: "jaeger,b3,w3c");
        var span = tracer.BuildSpan("op").Start();
        var headers = new Dictionary<string, string>();
        tracer.Inject(span.Context, BuiltinFormats.HttpHeaders, new TextMapAdapter(headers));
        Assert.Contains("uber-trace-id", headers.Keys);
        Assert.Contains("X-B3-TraceId", headers.Keys);
        Assert.Contains("traceparent", headers.Keys);

        headers["uber-trace-id"] = "garbage";
        var ctx = (JaegerSpanContext)tracer.Extract(BuiltinFormats.HttpHeaders, new TextMapAdapter(headers))!;
        Assert.Equal(Ctx(span).TraceId, ctx.TraceId);
        Assert.Equal(Ctx(span).SpanId, ctx.SpanId);
    }

    [Fact]
    public void Binary_format_round_trips_and_rejects_truncated_input()
    {
        var (tracer, _) = TestTracers.Create(traceId128: true);
        var span = tracer.BuildSpan("op").Start();
        span.SetBaggageItem("k", "v");
        var carrier = new BinaryAdapter();
        tracer.Inject(span.Context, BuiltinFormats.Binary, carrier);
        var bytes = carrier.Get().ToArray();
        Assert.Equal(37 + 4 + 1 + 4 + 1, bytes.Length);
        var back = (JaegerSpanContext)tracer.Extract(BuiltinFormats.Binary, new BinaryAdapter(new MemoryStream(bytes)))!;
        Assert.Equal(Ctx(span).TraceId, back.TraceId);
        Assert.Equal("v", back.GetBaggageItem("k"));
        Assert.Null(tracer.Extract(BuiltinFormats.Binary, new BinaryAdapter(new MemoryStream(bytes[..20]))));
        Assert.Null(tracer.Extract(BuiltinFormats.Binary, new BinaryAdapter(new MemoryStream(bytes[..^1]))));
    }
}
