using System.Net;
using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaeger.Query.Hosting.Tests;

public sealed class HostingTests
{
    private static async Task<IHost> StartAsync(Action<HostApplicationBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddJaegerInMemoryStorage();
        configure(builder);
        var host = builder.Build();
        await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(QueryFixture.Spans(Time.ToUnixMicros(DateTimeOffset.UtcNow)));
        await host.StartAsync();
        return host;
    }

    [Fact]
    public async Task Adding_the_role_twice_runs_one_server_and_keeps_both_configurations()
    {
        using var host = await StartAsync(b =>
        {
            b.Services.AddJaegerQuery(o =>
            {
                o.HttpListenAddress = "127.0.0.1:0";
                o.GrpcListenAddress = ""; // not the default :16685, which another process may hold
            });
            b.Services.AddJaegerQuery(o => o.DefaultLimit = 1);
        });
        Assert.Single(host.Services.GetServices<IHostedService>(), s => s.GetType().Name == "JaegerQueryHostedService");
        var query = host.Services.GetRequiredService<JaegerQuery>();
        Assert.NotEqual(0, query.HttpEndpoint!.Port);
        using var client = new HttpClient { BaseAddress = query.HttpBaseAddress };
        using var doc = JsonDocument.Parse(await client.GetStringAsync("api/traces?service=frontend"));
        Assert.Equal(1, doc.RootElement.GetProperty("data").GetArrayLength());
        await host.StopAsync();
    }

    [Fact]
    public async Task Options_are_bound_from_the_Jaeger_Query_section_and_base_path_prefixes_every_route()
    {
        using var host = await StartAsync(b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Jaeger:Query:HttpListenAddress"] = "127.0.0.1:0",
                ["Jaeger:Query:BasePath"] = "/jaeger",
                ["Jaeger:Query:GrpcListenAddress"] = "",
            });
            b.Services.AddJaegerQuery();
        });
        var query = host.Services.GetRequiredService<JaegerQuery>();
        Assert.EndsWith("/jaeger/", query.HttpBaseAddress!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Null(query.GrpcEndpoint);
        using var client = new HttpClient { BaseAddress = query.HttpBaseAddress };
        using var ok = await client.GetAsync("api/services");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var html = await client.GetStringAsync("trace/abc");
        Assert.Contains("<base href=\"/jaeger/\"", html, StringComparison.Ordinal);
        using var root = new HttpClient { BaseAddress = new Uri(query.HttpBaseAddress, "/") };
        using var outside = await root.GetAsync("api/services");
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Jaeger:Query:HttpListenAddress", "nowhere", "Jaeger:Query:HttpListenAddress: 'nowhere' has no port; expected host:port such as \":14268\".")]
    [InlineData("Jaeger:Query:BasePath", "jaeger/", "Jaeger:Query:BasePath must be \"/\" or start with \"/\" and not end with \"/\", not 'jaeger/'.")]
    [InlineData("Jaeger:Query:MaxLimit", "0", "Jaeger:Query:MaxLimit must be at least 1, not 0.|Jaeger:Query:DefaultLimit must not exceed Jaeger:Query:MaxLimit (0), not 100.")]
    [InlineData("Jaeger:Query:DefaultLookback", "-1.00:00:00", "Jaeger:Query:DefaultLookback must be positive, not -1.00:00:00.")]
    [InlineData("Jaeger:Query:MaxClockSkewAdjustment", "-00:00:01", "Jaeger:Query:MaxClockSkewAdjustment must not be negative, not -00:00:01.")]
    [InlineData("Jaeger:Query:Mcp:MaxSpanDetails", "0", "Jaeger:Query:Mcp:MaxSpanDetails must be between 1 and 1000, not 0.")]
    public async Task A_bad_value_in_configuration_stops_the_host_at_start_naming_the_configuration_key(string key, string value, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value, ["Jaeger:Query:GrpcListenAddress"] = "" });
        builder.Services.AddJaegerInMemoryStorage();
        builder.Services.AddJaegerQuery();
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(expected.Split('|'), error.Failures);
    }

    [Fact]
    public void Code_given_to_AddJaegerQuery_applies_after_the_Jaeger_Query_section()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Query:MaxLimit"] = "50",
            ["Jaeger:Query:DefaultLimit"] = "40",
        });
        builder.Services.AddJaegerQuery(o => o.DefaultLimit = 10);
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<JaegerQueryOptions>>().Value;

        Assert.Equal(50, options.MaxLimit);
        Assert.Equal(10, options.DefaultLimit);
    }

    [Fact]
    public async Task MapJaegerQuery_mounts_api_and_ui_in_a_users_web_application()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddJaegerInMemoryStorage();
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = "";
            o.GrpcListenAddress = "";
            o.DefaultLimit = 1;
        });
        await using var app = builder.Build();
        app.MapJaegerQuery("/tracing");
        app.MapGet("/hello", () => "world");
        await app.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(QueryFixture.Spans(Time.ToUnixMicros(DateTimeOffset.UtcNow)));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address + "/tracing/") };
        using var doc = JsonDocument.Parse(await client.GetStringAsync($"api/traces/{QueryFixture.DispatchTraceId}"));
        Assert.Equal(4, doc.RootElement.GetProperty("data")[0].GetProperty("spans").GetArrayLength());
        using var page = await client.GetAsync("search?service=frontend");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<base href=\"/tracing/\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("world", await new HttpClient().GetStringAsync(address + "/hello"));

        // The role's options apply, and it started no listener of its own.
        using var search = JsonDocument.Parse(await client.GetStringAsync("api/traces?service=frontend"));
        Assert.Equal(1, search.RootElement.GetProperty("data").GetArrayLength());
        Assert.Null(app.Services.GetRequiredService<JaegerQuery>().HttpEndpoint);
        await app.StopAsync();
    }
}

public sealed class FailingStorageTests
{
    private sealed class FailingReader : ISpanReader
    {
        public int Calls;

        public SearchCapabilities Capabilities { get; init; } = SearchCapabilities.All;

        public ValueTask<Trace?> GetTraceAsync(TraceGetParameters query, CancellationToken cancellationToken = default) => throw new InvalidOperationException("storage is down");

        public ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref Calls) == 1 ? throw new InvalidOperationException("storage is down") : new(["ok"]);

        public ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) => new([]);

        public ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    [Fact]
    public async Task A_search_the_storage_cannot_answer_is_a_400_naming_the_missing_capability_on_every_API()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ISpanReader>(new FailingReader { Capabilities = SearchCapabilities.None });
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = "127.0.0.1:0";
            o.GrpcListenAddress = "";
        });
        using var host = builder.Build();
        await host.StartAsync();
        using var client = new HttpClient { BaseAddress = host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress };

        using var classic = await client.GetAsync("api/traces?service=svc&tags=%7B%22a%22%3A%22b%22%7D&minDuration=1ms");
        Assert.Equal(HttpStatusCode.BadRequest, classic.StatusCode);
        Assert.Contains("TagsWithDuration", await classic.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var window = "query.start_time_min=2026-01-01T00:00:00Z&query.start_time_max=2026-01-02T00:00:00Z";
        using var v3 = await client.GetAsync($"api/v3/traces?{window}&query.operation_name=op");
        Assert.Equal(HttpStatusCode.BadRequest, v3.StatusCode);
        Assert.Contains("SearchWithoutServiceName", await v3.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var summaries = await client.GetAsync($"api/v3/trace-summaries?{window}&query.operation_name=op");
        Assert.Equal(HttpStatusCode.BadRequest, summaries.StatusCode);

        // Without the capability a service is required, as in Jaeger, and the UI is told so.
        using var noService = await client.GetAsync("api/traces?operation=op");
        Assert.Equal(HttpStatusCode.BadRequest, noService.StatusCode);
        using (var error = JsonDocument.Parse(await noService.Content.ReadAsStringAsync()))
        {
            Assert.Equal("parameter 'service' is required", error.RootElement.GetProperty("errors")[0].GetProperty("msg").GetString());
        }

        Assert.Equal("{\"archiveStorage\":false,\"metricsStorage\":false,\"searchWithoutServiceName\":false,\"filter\":false}", await client.GetStringAsync("api/ui/capabilities"));

        // What the storage can answer is answered, and the server keeps serving.
        using var fine = await client.GetAsync("api/traces?service=svc&tags=%7B%22a%22%3A%22b%22%7D");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        await host.StopAsync();
    }

    [Fact]
    public async Task Storage_failure_is_a_500_in_the_envelope_and_the_server_keeps_serving()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ISpanReader, FailingReader>();
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = "127.0.0.1:0";
            o.GrpcListenAddress = "";
        });
        using var host = builder.Build();
        await host.StartAsync();
        using var client = new HttpClient { BaseAddress = host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress };
        using var failed = await client.GetAsync("api/traces/abc");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":500,\"msg\":\"storage is down\"}]}", await failed.Content.ReadAsStringAsync());
        using var first = await client.GetAsync("api/services");
        Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
        Assert.Contains("\"ok\"", await client.GetStringAsync("api/services"), StringComparison.Ordinal);

        // No dependency reader registered: an empty list, not an error.
        Assert.Contains("\"data\":[]", await client.GetStringAsync("api/dependencies"), StringComparison.Ordinal);
        await host.StopAsync();
    }
}

public sealed class QueryMetricsTests
{
    [Fact]
    public async Task Requests_are_counted_by_endpoint_and_status_on_the_Jaeger_Query_meter()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddJaegerInMemoryStorage();
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = "127.0.0.1:0";
            o.GrpcListenAddress = "";
        });
        using var host = builder.Build();
        using var collector = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(
            host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Jaeger.Query", "jaeger.query.requests");
        await host.StartAsync();
        using var client = new HttpClient { BaseAddress = host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress };
        (await client.GetAsync("api/services")).Dispose();
        (await client.GetAsync("api/traces?limit=x")).Dispose();
        await Eventually.UntilAsync(() => collector.GetMeasurementSnapshot().Count == 2, "two requests counted");
        var measurements = collector.GetMeasurementSnapshot();
        Assert.Contains(measurements, m => (string?)m.Tags["endpoint"] == "/api/services" && (int?)m.Tags["status_code"] == 200);
        Assert.Contains(measurements, m => (string?)m.Tags["endpoint"] == "/api/traces" && (int?)m.Tags["status_code"] == 400);
        await host.StopAsync();
    }
}
