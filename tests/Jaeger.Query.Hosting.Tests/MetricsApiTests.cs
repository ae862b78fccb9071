using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Jaeger.Storage;
using Jaeger.Storage.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Proto = Jaeger.Protos.ApiV2.Metrics;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>Jaeger's <c>/api/metrics/*</c> and gRPC <c>MetricsQueryService</c> over the memory store's aggregates.</summary>
public sealed class MetricsApiTests : IAsyncLifetime
{
    // A whole minute a little in the past (within the store's retention), so the points fall on the minutes the aggregates end.
    private static readonly DateTimeOffset End = WholeMinuteAnHourAgo(DateTimeOffset.UtcNow.UtcTicks);

    private IHost _host = null!;
    private HttpClient _client = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _host = await StartAsync(withMetrics: true);
        _client = new HttpClient { BaseAddress = _host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress };
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_host.Services.GetRequiredService<JaegerQuery>().GrpcEndpoint!.Port}");

        // driver: 60 server calls in each of the last two minutes (12 errors in the last), 1..60 ms; a client operation beside.
        var aggregates = new List<SpanMetricsAggregate>();
        foreach (var (minute, errors) in new[] { (End.AddMinutes(-2), 0L), (End.AddMinutes(-1), 12L) })
        {
            var find = new SpanMetricsAggregate("driver", "/FindNearest", "server", minute) { Calls = 60, Errors = errors };
            for (var ms = 1; ms <= 60; ms++)
            {
                find.Latency.Add(ms * 1000L);
            }

            aggregates.Add(find);
            var redis = new SpanMetricsAggregate("driver", "GetDriver", "client", minute) { Calls = 30 };
            redis.Latency.Add(2000, 30);
            aggregates.Add(redis);
        }

        await _host.Services.GetRequiredService<IMetricsWriter>().WriteMetricsAsync(aggregates);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        _client.Dispose();
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task Calls_AnswersJaegersMetricFamilyJson_NotEnveloped()
    {
        using var response = await _client.GetAsync($"api/metrics/calls?service=driver&endTs={End.ToUnixTimeMilliseconds()}&lookback=120000&step=60000&ratePer=60000");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;

        Assert.False(root.TryGetProperty("data", out _));
        Assert.Equal("service_call_rate", root.GetProperty("name").GetString());
        Assert.Equal("GAUGE", root.GetProperty("type").GetString());
        Assert.Equal("calls/sec, grouped by service", root.GetProperty("help").GetString());
        var metric = Assert.Single(root.GetProperty("metrics").EnumerateArray());
        var label = Assert.Single(metric.GetProperty("labels").EnumerateArray());
        Assert.Equal("service_name", label.GetProperty("name").GetString());
        Assert.Equal("driver", label.GetProperty("value").GetString());

        // Server spans only by default: 60 calls per minute is 1 call per second at each of the two minutes.
        var points = metric.GetProperty("metricPoints").EnumerateArray().ToList();
        Assert.Equal(2, points.Count);
        Assert.Equal(1.0, points[0].GetProperty("gaugeValue").GetProperty("doubleValue").GetDouble());
        Assert.Equal(End.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), points[0].GetProperty("timestamp").GetString());
        Assert.Equal(End.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), points[1].GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task Latencies_ByOperation_WithSeveralKinds_AndCommaJoinedServices()
    {
        var url = $"api/metrics/latencies?service=driver,service=nobody&quantile=0.95&groupByOperation=true&endTs={End.ToUnixTimeMilliseconds()}&lookback=60000&step=60000&spanKind=server&spanKind=client";
        using var json = JsonDocument.Parse(await _client.GetStringAsync(url));
        var root = json.RootElement;
        Assert.Equal("service_operation_latencies", root.GetProperty("name").GetString());
        Assert.Equal("0.95th quantile latency, grouped by service & operation", root.GetProperty("help").GetString());
        var metrics = root.GetProperty("metrics").EnumerateArray().ToList();
        Assert.Equal(["/FindNearest", "GetDriver"], metrics.Select(m => m.GetProperty("labels")[1].GetProperty("value").GetString()));
        Assert.All(metrics, m => Assert.Equal("operation", m.GetProperty("labels")[1].GetProperty("name").GetString()));

        // p95 of 1..60 ms is the 57th value (rank 56): 57 ms within 1%.
        var p95 = metrics[0].GetProperty("metricPoints")[1].GetProperty("gaugeValue").GetProperty("doubleValue").GetDouble();
        Assert.InRange(p95, 57 * 0.99, 57 * 1.01);
    }

    [Fact]
    public async Task Errors_AreTheShareOfCallsWithErrors()
    {
        using var json = JsonDocument.Parse(await _client.GetStringAsync($"api/metrics/errors?service=driver&endTs={End.ToUnixTimeMilliseconds()}&lookback=60000&step=60000&ratePer=60000"));
        var root = json.RootElement;
        Assert.Equal("service_error_rate", root.GetProperty("name").GetString());
        var points = root.GetProperty("metrics")[0].GetProperty("metricPoints");
        Assert.Equal(0.0, points[0].GetProperty("gaugeValue").GetProperty("doubleValue").GetDouble());
        Assert.Equal(0.2, points[1].GetProperty("gaugeValue").GetProperty("doubleValue").GetDouble());
    }

    [Fact]
    public async Task MinStep_IsEnvelopedMilliseconds()
    {
        using var json = JsonDocument.Parse(await _client.GetStringAsync("api/metrics/minstep"));
        Assert.Equal(60000, json.RootElement.GetProperty("data").GetInt64());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("errors").ValueKind);
    }

    [Theory]
    [InlineData("api/metrics/calls", "'service'")]
    [InlineData("api/metrics/latencies?service=driver", "'quantile'")]
    [InlineData("api/metrics/latencies?service=driver&quantile=2", "'quantile'")]
    [InlineData("api/metrics/calls?service=driver&step=abc", "'step'")]
    [InlineData("api/metrics/calls?service=driver&lookback=0", "'lookback'")]
    [InlineData("api/metrics/calls?service=driver&ratePer=-1", "'ratePer'")]
    [InlineData("api/metrics/calls?service=driver&endTs=x", "'endTs'")]
    [InlineData("api/metrics/calls?service=driver&spanKind=sideways", "'spanKind'")]
    [InlineData("api/metrics/calls?service=driver&groupByOperation=maybe", "'groupByOperation'")]
    [InlineData("api/metrics/calls?service=driver&lookback=2592000000&step=1", "'step'")]
    public async Task BadParameters_Are400_NamingTheParameter(string url, string parameter)
    {
        using var response = await _client.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.Contains(parameter, error.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grpc_MetricsQueryService_AnswersTheSameFigures()
    {
        var client = new Proto.MetricsQueryService.MetricsQueryServiceClient(_channel);
        var minStep = await client.GetMinStepDurationAsync(new Proto.GetMinStepDurationRequest());
        Assert.Equal(TimeSpan.FromMinutes(1), minStep.MinStep.ToTimeSpan());

        var baseRequest = new Proto.MetricsQueryBaseRequest
        {
            ServiceNames = { "driver" },
            EndTime = Timestamp.FromDateTimeOffset(End),
            Lookback = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
            Step = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
            RatePer = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
            SpanKinds = { Proto.SpanKind.Client },
        };
        var calls = (await client.GetCallRatesAsync(new Proto.GetCallRatesRequest { BaseRequest = baseRequest })).Metrics;
        Assert.Equal("service_call_rate", calls.Name);
        Assert.Equal(Proto.MetricType.Gauge, calls.Type);
        var metric = Assert.Single(calls.Metrics);
        Assert.Equal("driver", Assert.Single(metric.Labels).Value);
        Assert.Equal([0.5, 0.5], metric.MetricPoints.Select(p => p.GaugeValue.DoubleValue));
        Assert.Equal(End, metric.MetricPoints[1].Timestamp.ToDateTimeOffset());

        // No span kinds: server spans, as Jaeger's default.
        var serverOnly = baseRequest.Clone();
        serverOnly.SpanKinds.Clear();
        var errors = (await client.GetErrorRatesAsync(new Proto.GetErrorRatesRequest { BaseRequest = serverOnly })).Metrics;
        Assert.Equal(0.2, errors.Metrics[0].MetricPoints[^1].GaugeValue.DoubleValue);

        var latencies = (await client.GetLatenciesAsync(new Proto.GetLatenciesRequest { BaseRequest = baseRequest, Quantile = 0.5 })).Metrics;
        Assert.InRange(latencies.Metrics[0].MetricPoints[^1].GaugeValue.DoubleValue, 2 * 0.99, 2 * 1.01);

        var bad = await Assert.ThrowsAsync<RpcException>(async () => await client.GetLatenciesAsync(new Proto.GetLatenciesRequest { BaseRequest = baseRequest, Quantile = 7 }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        var noService = await Assert.ThrowsAsync<RpcException>(async () => await client.GetCallRatesAsync(new Proto.GetCallRatesRequest { BaseRequest = new Proto.MetricsQueryBaseRequest() }));
        Assert.Equal(StatusCode.InvalidArgument, noService.StatusCode);
    }

    [Fact]
    public async Task WithoutAMetricsReader_Http501_AndGrpcUnimplemented()
    {
        var host = await StartAsync(withMetrics: false);
        try
        {
            var query = host.Services.GetRequiredService<JaegerQuery>();
            using var http = new HttpClient { BaseAddress = query.HttpBaseAddress };
            foreach (var path in new[] { "api/metrics/calls?service=a", "api/metrics/minstep", "api/metrics/latencies?service=a&quantile=0.5" })
            {
                using var response = await http.GetAsync(path);
                Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
            }

            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{query.GrpcEndpoint!.Port}");
            var client = new Proto.MetricsQueryService.MetricsQueryServiceClient(channel);
            var error = await Assert.ThrowsAsync<RpcException>(async () => await client.GetMinStepDurationAsync(new Proto.GetMinStepDurationRequest()));
            Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private static DateTimeOffset WholeMinuteAnHourAgo(long ticks) => new(ticks - (ticks % TimeSpan.TicksPerMinute) - TimeSpan.TicksPerHour, TimeSpan.Zero);

    private static async Task<IHost> StartAsync(bool withMetrics)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (withMetrics)
        {
            builder.Services.AddJaegerInMemoryStorage(o => o.MetricsRetention = TimeSpan.FromDays(1));
        }
        else
        {
            builder.Services.AddSingleton<ISpanReader>(new InMemorySpanStore());
        }

        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = "127.0.0.1:0";
            o.GrpcListenAddress = "127.0.0.1:0";
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
