using Jaeger.Model;
using Jaeger.Query;
using Jaeger.Storage.ClickHouse.Metrics;
using Jaeger.Storage.ClickHouse.Tests.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>
/// RED metrics computed by the real engine from stored spans, through <see cref="IMetricsReader"/>: three one-minute
/// steps ending at 10:03 (points at 10:01, 10:02, 10:03), rates over the two minutes before each point.
/// </summary>
public sealed class RedMetricsTests
{
    private static readonly DateTimeOffset Ten = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = Ten.AddMinutes(3);
    private static readonly DateTimeOffset At1001 = Ten.AddMinutes(1), At1002 = Ten.AddMinutes(2), At1003 = End;

    private static readonly MetricsQueryParameters Query = new()
    {
        ServiceNames = ["api"],
        EndTime = End,
        Lookback = TimeSpan.FromMinutes(3),
        Step = TimeSpan.FromMinutes(1),
        RatePer = TimeSpan.FromMinutes(2),
    };

    [EngineFact]
    public async Task Call_rates_are_calls_per_second_over_the_rate_window_before_each_point_of_server_spans_by_default()
    {
        await using var storage = await StoreWithSpansAsync();

        var family = await storage.Metrics.GetCallRatesAsync(Query);

        Assert.Equal((MetricFamily.CallRateName, "calls/sec, grouped by service"), (family.Name, family.Help));
        var series = Assert.Single(family.Metrics);
        Assert.Equal([new("service_name", "api")], series.Labels);
        // 10:01 counts 09:59:00 (inclusive) to 10:01: E, A, B, C; 10:02 counts A, B, C, D, D2; 10:03 counts D, D2.
        Assert.Equal([new(At1001, 4 / 120.0), new(At1002, 5 / 120.0), new(At1003, 2 / 120.0)], series.Points);
    }

    [EngineFact]
    public async Task Error_rates_are_the_share_of_calls_with_the_error_status_in_the_same_window()
    {
        await using var storage = await StoreWithSpansAsync();

        var family = await storage.Metrics.GetErrorRatesAsync(Query with { ServiceNames = ["api", "db"] });

        Assert.Equal(MetricFamily.ErrorRateName, family.Name);
        Assert.Equal(["api", "db"], family.Metrics.Select(s => s.Labels.Single().Value));
        Assert.Equal([new(At1001, 1 / 4.0), new(At1002, 1 / 5.0), new(At1003, 0)], family.Metrics[0].Points);
        Assert.Equal([new(At1001, 1), new(At1002, 1)], family.Metrics[1].Points);
    }

    [EngineFact]
    public async Task Latencies_are_quantiles_in_milliseconds_per_step_and_a_step_without_calls_has_no_point()
    {
        await using var storage = await StoreWithSpansAsync();

        var median = await storage.Metrics.GetLatenciesAsync(Query, 0.5);

        Assert.Equal((MetricFamily.LatenciesName, "0.50th quantile latency, grouped by service"), (median.Name, median.Help));
        // [10:00, 10:01): 10, 20, 30 ms; [10:01, 10:02): 40, 60 ms; [10:02, 10:03): nothing (the span at 10:03 is outside).
        Assert.Equal([new(At1001, 20), new(At1002, 50)], Assert.Single(median.Metrics).Points);
    }

    [EngineFact]
    public async Task Grouping_by_operation_gives_one_series_per_service_and_operation_under_Jaeger_names()
    {
        await using var storage = await StoreWithSpansAsync();
        var byOperation = Query with { GroupByOperation = true };

        var latencies = await storage.Metrics.GetLatenciesAsync(byOperation, 0.95);
        var calls = await storage.Metrics.GetCallRatesAsync(byOperation);
        var errors = await storage.Metrics.GetErrorRatesAsync(byOperation);

        Assert.Equal(("service_operation_latencies", "0.95th quantile latency, grouped by service & operation"), (latencies.Name, latencies.Help));
        Assert.Equal(("service_operation_call_rate", "service_operation_error_rate"), (calls.Name, errors.Name));
        Assert.Equal([[new("service_name", "api"), new("operation", "GET /a")], [new("service_name", "api"), new("operation", "GET /b")]], latencies.Metrics.Select(s => s.Labels));
        Assert.Equal(29, Assert.Single(latencies.Metrics[0].Points).Value, precision: 9); // 10, 20, 30 ms: the 95th percentile interpolates to 29
        Assert.Equal(59, Assert.Single(latencies.Metrics[1].Points).Value, precision: 9);
        Assert.Equal([new(At1001, 4 / 120.0), new(At1002, 3 / 120.0)], calls.Metrics[0].Points);
        Assert.Equal([new(At1002, 2 / 120.0), new(At1003, 2 / 120.0)], calls.Metrics[1].Points);
        Assert.Equal([new(At1001, 1 / 4.0), new(At1002, 1 / 3.0)], errors.Metrics[0].Points);
    }

    [EngineFact]
    public async Task Span_kinds_select_the_kind_column_including_unspecified()
    {
        await using var storage = await StoreWithSpansAsync();

        var client = await storage.Metrics.GetCallRatesAsync(Query with { SpanKinds = ["client"] });
        var unspecified = await storage.Metrics.GetCallRatesAsync(Query with { SpanKinds = [""] });
        var both = await storage.Metrics.GetCallRatesAsync(Query with { SpanKinds = ["client", ""] });

        Assert.Equal([new(At1001, 1 / 120.0), new(At1002, 1 / 120.0)], Assert.Single(client.Metrics).Points);
        Assert.Equal([new(At1001, 1 / 120.0), new(At1002, 1 / 120.0)], Assert.Single(unspecified.Metrics).Points);
        Assert.Equal([new(At1001, 2 / 120.0), new(At1002, 2 / 120.0)], Assert.Single(both.Metrics).Points);
    }

    [EngineFact]
    public async Task A_rate_window_that_is_not_a_multiple_of_the_step_counts_exactly_the_spans_inside_it()
    {
        await using var storage = await StoreWithSpansAsync();

        // Points at 10:01:40, 10:02:20, 10:03; each counts the minute before it.
        var family = await storage.Metrics.GetCallRatesAsync(Query with { Lookback = TimeSpan.FromMinutes(2), Step = TimeSpan.FromSeconds(40), RatePer = TimeSpan.FromMinutes(1) });

        // [10:00:40, 10:01:40) holds D (10:01:10); [10:01:20, 10:02:20) holds D2 (10:01:59.999); [10:02, 10:03) nothing.
        Assert.Equal([new(Ten.AddSeconds(100), 1 / 60.0), new(Ten.AddSeconds(140), 1 / 60.0)], Assert.Single(family.Metrics).Points);
    }

    [EngineFact]
    public async Task A_quantile_of_many_spans_is_within_the_engine_quantile_error()
    {
        await using var storage = await EngineStorage.CreateAsync();
        var process = new Process("many");
        var spans = Enumerable.Range(1, 10_000).Select(i => Span((ulong)i, process, "op", Ten.AddMilliseconds(i), i * 1000L, "server")).ToList();
        await storage.Writer.WriteSpansAsync(spans);

        var family = await storage.Metrics.GetLatenciesAsync(Query with { ServiceNames = ["many"] }, 0.95);

        // Durations 1 .. 10,000 ms in the first step; ClickHouse's quantile samples 8,192 values, so allow 2%.
        var point = Assert.Single(Assert.Single(family.Metrics).Points);
        Assert.Equal(At1001, point.Timestamp);
        Assert.InRange(point.Value, 9_500 * 0.98, 9_500 * 1.02);
    }

    [Fact]
    public void The_minimum_step_is_one_second()
    {
        using var db = new ClickHouseDatabase(new ClickHouseStorageOptions());

        Assert.Equal(TimeSpan.FromSeconds(1), new ClickHouseMetricsReader(db).MinStep);
    }

    [EngineFact]
    public async Task The_query_service_answers_its_metrics_endpoints_from_ClickHouse_storage_chosen_by_configuration()
    {
        var (builder, database) = await ClickHouseHostBuilder.CreateAsync("red_http");
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = "127.0.0.1:0";
            o.GrpcListenAddress = "";
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(Spans());
            using var http = new HttpClient { BaseAddress = host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress };
            var window = $"endTs={End.ToUnixTimeMilliseconds()}&lookback={3 * 60_000}&step=60000&ratePer={2 * 60_000}";

            // The figures of the tests above (calls/sec over the 2 minutes before 10:01, 10:02, 10:03; error shares).
            Assert.Equal([4 / 120.0, 5 / 120.0, 2 / 120.0], await PointsAsync(http, $"/api/metrics/calls?service=api&{window}"));
            Assert.Equal([1 / 4.0, 1 / 5.0, 0], await PointsAsync(http, $"/api/metrics/errors?service=api&{window}"));
            Assert.Equal([20.0, 50.0], await PointsAsync(http, $"/api/metrics/latencies?service=api&quantile=0.5&{window}"));

            // Bad input: 400 naming the parameter, and the service goes on answering.
            using var bad = await http.GetAsync($"/api/metrics/calls?service=api&{window}&step=-1");
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("step", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal([4 / 120.0, 5 / 120.0, 2 / 120.0], await PointsAsync(http, $"/api/metrics/calls?service=api&{window}"));

            using var trace = await http.GetAsync($"/api/traces/{new TraceId(0x4ED, 4)}");
            Assert.Equal(System.Net.HttpStatusCode.OK, trace.StatusCode);
        }
        finally
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(timeout.Token);
            ChdbEngine.Shared?.QueryText($"DROP DATABASE IF EXISTS {database} SYNC");
        }
    }

    // The gauge values of the single series of a metrics answer, in order.
    private static async Task<List<double>> PointsAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        using var json = System.Text.Json.JsonDocument.Parse(body);
        var series = Assert.Single(json.RootElement.GetProperty("metrics").EnumerateArray());
        return [.. series.GetProperty("metricPoints").EnumerateArray().Select(p => p.GetProperty("gaugeValue").GetProperty("doubleValue").GetDouble())];
    }

    public static TheoryData<string, MetricsQueryParameters> BadQueries => new()
    {
        { "ServiceNames", Query with { ServiceNames = [] } },
        { "ServiceNames", Query with { ServiceNames = ["api", ""] } },
        { "Lookback", Query with { Lookback = TimeSpan.Zero } },
        { "Step", Query with { Step = TimeSpan.FromSeconds(-5) } },
        { "RatePer", Query with { RatePer = TimeSpan.Zero } },
        { "SpanKinds", Query with { SpanKinds = ["SPAN_KIND_SERVER"] } },
        { "query", Query with { Step = TimeSpan.FromMilliseconds(500) } },
        { "query", Query with { Lookback = TimeSpan.FromDays(1), Step = TimeSpan.FromSeconds(1) } },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task A_bad_query_is_refused_with_an_argument_exception_naming_what_is_wrong(string parameter, MetricsQueryParameters query)
    {
        using var db = new ClickHouseDatabase(new ClickHouseStorageOptions { Endpoint = "http://127.0.0.1:1/" });
        var reader = new ClickHouseMetricsReader(db);

        var calls = await Assert.ThrowsAsync<ArgumentException>(() => reader.GetCallRatesAsync(query).AsTask());
        var errors = await Assert.ThrowsAsync<ArgumentException>(() => reader.GetErrorRatesAsync(query).AsTask());
        var latencies = await Assert.ThrowsAsync<ArgumentException>(() => reader.GetLatenciesAsync(query, 0.95).AsTask());

        Assert.All([calls, errors, latencies], e => Assert.Equal(parameter, e.ParamName));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public async Task A_quantile_outside_zero_to_one_is_refused(double quantile)
    {
        using var db = new ClickHouseDatabase(new ClickHouseStorageOptions { Endpoint = "http://127.0.0.1:1/" });

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new ClickHouseMetricsReader(db).GetLatenciesAsync(Query, quantile).AsTask());

        Assert.Equal("quantile", error.ParamName);
    }

    private static async Task<ClickHouseStorage> StoreWithSpansAsync()
    {
        var storage = await EngineStorage.CreateAsync();
        await storage.Writer.WriteSpansAsync(Spans());
        return storage;
    }

    private static List<Span> Spans()
    {
        var api = new Process("api");
        var db = new Process("db");
        return
        [
            Span(1, api, "GET /a", Ten.AddSeconds(-120), 1_000, "server"), // 09:58, before every window
            Span(2, api, "GET /a", Ten.AddSeconds(-60), 50_000, "server"), // E: 09:59:00, first instant of 10:01's window
            Span(3, api, "GET /a", Ten.AddSeconds(1), 10_000, "server"), // A
            Span(4, api, "GET /a", Ten.AddSeconds(2), 20_000, "server", error: true), // B
            Span(5, api, "GET /a", Ten.AddSeconds(3), 30_000, "server"), // C
            Span(6, api, "GET /b", Ten.AddSeconds(70), 40_000, "server"), // D
            Span(7, api, "GET /b", Ten.AddSeconds(120).AddTicks(-10), 60_000, "server"), // D2: 10:01:59.999999
            Span(8, api, "GET /a", End, 99_000, "server"), // at the end, which is exclusive
            Span(9, api, "call db", Ten.AddSeconds(4), 5_000, "client"),
            Span(10, api, "tick", Ten.AddSeconds(5), 1_000, kind: null),
            Span(11, db, "SELECT", Ten.AddSeconds(5), 4_000, "server", error: true),
        ];
    }

    private static Span Span(ulong id, Process process, string operation, DateTimeOffset start, long durationMicros, string? kind, bool error = false) => new()
    {
        TraceId = new TraceId(0x4ED, id),
        SpanId = new SpanId(id),
        OperationName = operation,
        Process = process,
        StartTime = start,
        DurationMicros = durationMicros,
        Tags = [.. kind is null ? [] : new[] { KeyValue.String("span.kind", kind) }, .. error ? new[] { KeyValue.Bool("error", true) } : []],
    };
}
