using System.Diagnostics;
using Jaeger.Client.Reporting;
using Jaeger.Model;
using Jaeger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Jaeger.Client.Tests.Bridge;

/// <summary>
/// A real Kestrel app with <c>AddJaegerTracing()</c>: <c>/front</c> calls <c>/back</c> with a real HttpClient; both
/// report what reached them. The incoming request comes from a client that injects nothing itself.
/// </summary>
[Collection(nameof(ActivityCollection))]
public class BaggagePropagationTests
{
    private const string TraceIdHex = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string CallerSpanHex = "00f067aa0ba902b7";

    [Fact]
    public async Task Incoming_uber_trace_id_and_jaeger_baggage_reach_the_request_and_its_outgoing_call()
    {
        await using var app = await TracedApp.StartAsync("jaeger");

        var seen = await app.CallFrontAsync(
            ("uber-trace-id", $"{TraceIdHex}%3A{CallerSpanHex}%3A0%3A1"),
            ("uberctx-user", "alice"),
            ("jaeger-baggage", "tenant=acme, plan=gold"));

        Assert.Equal("alice", seen["front.user"]);
        Assert.Equal("acme", seen["front.tenant"]);
        Assert.Equal("gold", seen["front.plan"]);
        Assert.StartsWith(TraceIdHex + "%3A", seen["back.uber-trace-id"], StringComparison.Ordinal);
        Assert.Equal("alice", seen["back.uberctx-user"]);
        Assert.Equal("acme", seen["back.uberctx-tenant"]);
        Assert.Equal(string.Empty, seen["back.traceparent"]);
        Assert.Equal("alice", seen["back.user"]);
        var (front, client, back) = await app.TraceAsync(TraceIdHex);
        Assert.Equal(front.SpanId, client.ParentSpanId);
        Assert.Equal(client.SpanId, back.ParentSpanId);
        Assert.Equal($"{TraceIdHex}%3A{client.SpanId}%3A{front.SpanId}%3A1", seen["back.uber-trace-id"]);
    }

    [Theory]
    [InlineData("w3c")]
    [InlineData("jaeger")] // a W3C caller is joined whatever is configured
    public async Task Incoming_w3c_traceparent_and_baggage_reach_the_request_and_leave_in_the_configured_format(string propagation)
    {
        await using var app = await TracedApp.StartAsync(propagation);

        var seen = await app.CallFrontAsync(
            ("traceparent", $"00-{TraceIdHex}-{CallerSpanHex}-01"),
            ("baggage", "user=alice,tenant=acme"));

        Assert.Equal("alice", seen["front.user"]);
        Assert.Equal("acme", seen["front.tenant"]);
        Assert.Equal("alice", seen["back.user"]);
        var (front, client, _) = await app.TraceAsync(TraceIdHex);
        if (propagation == "w3c")
        {
            Assert.Equal($"00-{TraceIdHex}-{client.SpanId}-01", seen["back.traceparent"]);
            Assert.Contains("user=alice", seen["back.baggage"], StringComparison.Ordinal);
            Assert.Equal(string.Empty, seen["back.uber-trace-id"]);
        }
        else
        {
            Assert.Equal($"{TraceIdHex}%3A{client.SpanId}%3A{front.SpanId}%3A1", seen["back.uber-trace-id"]);
            Assert.Equal("alice", seen["back.uberctx-user"]);
            Assert.Equal(string.Empty, seen["back.traceparent"]);
        }
    }

    [Fact]
    public async Task Jaeger_and_b3_configured_inject_both_and_extract_b3_when_no_jaeger_header_came()
    {
        await using var app = await TracedApp.StartAsync("jaeger,b3");

        var seen = await app.CallFrontAsync(
            ("X-B3-TraceId", TraceIdHex),
            ("X-B3-SpanId", CallerSpanHex),
            ("X-B3-Sampled", "1"));

        var (front, client, _) = await app.TraceAsync(TraceIdHex);
        Assert.Equal($"{TraceIdHex}%3A{client.SpanId}%3A{front.SpanId}%3A1", seen["back.uber-trace-id"]);
        Assert.Equal(client.SpanId.ToString(), seen["back.x-b3-spanid"]);
    }

    private sealed class TracedApp(WebApplication app, HttpClient downstream, InMemoryReporter reporter, string address) : IAsyncDisposable
    {
        private static readonly string[] BackHeaders = ["uber-trace-id", "uberctx-user", "uberctx-tenant", "traceparent", "baggage", "x-b3-spanid"];

        public static async Task<TracedApp> StartAsync(string propagation)
        {
            var reporter = new InMemoryReporter();
            HttpClient? downstream = null;
            string? backUri = null;

            // Only the caller's sampled flag records these traces (the app's own sampler says no).
            var (app, address) = await TracedKestrel.StartAsync(reporter, samplerParam: 0, propagation: propagation, map: app =>
            {
                app.MapGet("/front", async () =>
                {
                    var activity = Activity.Current;
                    var lines = $"front.user={activity?.GetBaggageItem("user")}\nfront.tenant={activity?.GetBaggageItem("tenant")}\nfront.plan={activity?.GetBaggageItem("plan")}\n";
                    return lines + await downstream!.GetStringAsync(backUri).ConfigureAwait(false);
                });
                app.MapGet("/back", (HttpContext context) =>
                    string.Join('\n', BackHeaders.Select(h => $"back.{h}={context.Request.Headers[h]}")) + $"\nback.user={Activity.Current?.GetBaggageItem("user")}");
            });
            backUri = address + "/back";

            // Created after the host started, as an app's clients are: it takes the runtime's propagator now in place.
            downstream = new HttpClient();
            return new TracedApp(app, downstream, reporter, address);
        }

        public async Task<Dictionary<string, string>> CallFrontAsync(params (string Name, string Value)[] headers)
        {
            using var caller = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
            using var request = new HttpRequestMessage(HttpMethod.Get, address + "/front");
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await caller.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            return body.Split('\n').Select(line => line.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        }

        /// <summary>The /front server span (a child of the caller's span), the HttpClient span it made, and the /back server span, all in the trace (HttpClient adds a connection-wait span too).</summary>
        public async Task<(Span Front, Span Client, Span Back)> TraceAsync(string traceId)
        {
            // The server span ends after its response went out, so wait for the two server spans and the client span.
            await Eventually.UntilAsync(() => Spans(traceId).Count(s => s.SpanKind is "server" or "client") >= 3, "front, client and back spans of the caller's trace");
            var spans = Spans(traceId);
            var client = Assert.Single(spans, s => s.SpanKind == "client");
            var front = Assert.Single(spans, s => s.SpanId == client.ParentSpanId);
            var back = Assert.Single(spans, s => s.ParentSpanId == client.SpanId && s.SpanKind == "server");
            Assert.Equal("server", front.SpanKind);
            Assert.Equal(CallerSpanHex, front.ParentSpanId.ToString()); // the request joined the caller's context
            return (front, client, back);
        }

        private List<Span> Spans(string traceId) => reporter.GetSpans().Where(s => s.TraceId.ToString() == traceId).ToList();

        public async ValueTask DisposeAsync()
        {
            downstream.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
