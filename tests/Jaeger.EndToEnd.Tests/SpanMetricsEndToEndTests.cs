using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Jaeger.Collector;
using Jaeger.Query;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.EndToEnd.Tests;

/// <summary>Spans sent to the collector over OTLP/HTTP come back as RED figures from the query service's <c>/api/metrics/*</c>, with no Prometheus.</summary>
public sealed class SpanMetricsEndToEndTests
{
    private const string Loopback = "127.0.0.1:0";

    [Fact]
    public async Task OtlpSpans_ThroughTheCollector_AreCountedBy_ApiMetricsCalls_Errors_AndLatencies()
    {
        var start = DateTimeOffset.UtcNow;
        var time = new FakeTimeProvider(new DateTimeOffset(start.UtcTicks - (start.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddSeconds(5));
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddJaegerStorage(b => b.AddMemory().UseType("memory"));
        builder.Services.AddJaegerCollector(o =>
        {
            o.ThriftHttp.Address = Loopback;
            o.Grpc.Enabled = false;
            o.OtlpGrpc.Enabled = false;
            o.OtlpHttp.Address = Loopback;
            o.Zipkin.Enabled = false;
            o.Admin.Address = Loopback;
        });
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = Loopback;
            o.GrpcListenAddress = string.Empty;
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var collector = host.Services.GetRequiredService<JaegerCollector>();
            await collector.Started.WaitAsync(TimeSpan.FromSeconds(30));
            using var http = new HttpClient();

            // Four server spans of 10, 20, 30 and 40 ms, one of them failed, and a client span that the default kind filter leaves out.
            var spans = new StringBuilder();
            for (var i = 1; i <= 5; i++)
            {
                var kind = i == 5 ? 3 : 2;
                var status = i == 2 ? 2 : 0;
                var begin = time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
                spans.Append(CultureInfo.InvariantCulture, $$$"""{"traceId":"0000000000000000000000000000e2e{{{i}}}","spanId":"000000000000000{{{i}}}","name":"GET /cart","kind":{{{kind}}},"startTimeUnixNano":"{{{begin}}}","endTimeUnixNano":"{{{begin + (i * 10_000_000L)}}}","status":{"code":{{{status}}}}}""");
                spans.Append(i < 5 ? "," : string.Empty);
            }

            var body = $$$"""{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"e2e-shop"}}]},"scopeSpans":[{"spans":[{{{spans}}}]}]}]}""";
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var posted = await http.PostAsync(new Uri(collector.OtlpHttpEndpoint!, "v1/traces"), content);
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

            var query = new Uri(host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress!, "api/metrics/");
            var minuteEnd = new DateTimeOffset(time.GetUtcNow().UtcTicks - (time.GetUtcNow().UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(1);
            var window = $"service=e2e-shop&endTs={minuteEnd.ToUnixTimeMilliseconds()}&lookback=60000&step=60000&ratePer=60000";

            // The collector writes the minute once the clock has left it: advance the clock until the figures appear.
            JsonElement calls = default;
            await Eventually.UntilAsync(
                async () =>
                {
                    if (time.GetUtcNow() < minuteEnd.AddSeconds(2))
                    {
                        time.Advance(TimeSpan.FromSeconds(10));
                    }

                    using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(query, "calls?" + window)));
                    calls = json.RootElement.Clone();
                    return calls.TryGetProperty("metrics", out var metrics) && metrics.GetArrayLength() > 0;
                },
                "the minute's calls served by /api/metrics/calls");

            var point = Assert.Single(calls.GetProperty("metrics")[0].GetProperty("metricPoints").EnumerateArray());
            Assert.Equal(4 / 60.0, point.GetProperty("gaugeValue").GetProperty("doubleValue").GetDouble(), 9);

            using var errors = JsonDocument.Parse(await http.GetStringAsync(new Uri(query, "errors?" + window)));
            Assert.Equal(0.25, errors.RootElement.GetProperty("metrics")[0].GetProperty("metricPoints")[0].GetProperty("gaugeValue").GetProperty("doubleValue").GetDouble());

            // p50 of 10, 20, 30, 40 ms is the value of rank 1: 20 ms, within 1%.
            using var latencies = JsonDocument.Parse(await http.GetStringAsync(new Uri(query, "latencies?quantile=0.5&" + window)));
            Assert.InRange(latencies.RootElement.GetProperty("metrics")[0].GetProperty("metricPoints")[0].GetProperty("gaugeValue").GetProperty("doubleValue").GetDouble(), 19.8, 20.2);

            var client = JsonDocument.Parse(await http.GetStringAsync(new Uri(query, "calls?spanKind=client&" + window)));
            Assert.Equal(1 / 60.0, client.RootElement.GetProperty("metrics")[0].GetProperty("metricPoints")[0].GetProperty("gaugeValue").GetProperty("doubleValue").GetDouble(), 9);
            client.Dispose();
        }
        finally
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(timeout.Token);
        }
    }
}
