using System.Net;
using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jaeger.Query.Hosting.Tests;

[Collection(QueryCollection.Name)]
public sealed class FilterSearchTests(QueryFixture fixture)
{
    private static readonly string Window = "query.start_time_min=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"));

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string url)
    {
        using var response = await fixture.Client.GetAsync(url);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.Clone());
    }

    private static string[] OtlpTraceIds(JsonElement body) =>
        [.. body.GetProperty("result").GetProperty("resourceSpans").EnumerateArray()
            .SelectMany(r => r.GetProperty("scopeSpans").EnumerateArray())
            .SelectMany(s => s.GetProperty("spans").EnumerateArray())
            .Select(s => s.GetProperty("traceId").GetString()!)
            .Distinct().Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Api_v3_traces_take_query_filter_with_numeric_comparison()
    {
        var (status, body) = await GetAsync($"api/v3/traces?query.service_name=frontend&{Window}&query.filter=" + Uri.EscapeDataString("http.status_code >= 500"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([QueryFixture.ErrorTraceId.ToString()], OtlpTraceIds(body));
    }

    [Fact]
    public async Task Api_v3_trace_summaries_take_query_filter_without_a_service()
    {
        var filter = "small.number > 40 AND ratio < 0.5 AND NOT cache.hit = true";
        var (status, body) = await GetAsync($"api/v3/trace-summaries?{Window}&query.filter=" + Uri.EscapeDataString(filter));

        Assert.Equal(HttpStatusCode.OK, status);
        var summary = Assert.Single(body.GetProperty("summaries").EnumerateArray());
        Assert.Equal(QueryFixture.DispatchTraceId.ToString().PadLeft(32, '0'), summary.GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task Classic_search_takes_filter_beside_tags()
    {
        var (status, body) = await GetAsync("api/traces?service=customer&filter=" + Uri.EscapeDataString("error = true AND duration > 1.5s OR span.kind = nothing"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([QueryFixture.ErrorTraceId.ToString()], body.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("traceID").GetString()!).ToArray());

        // Tags and filter must hold on the same span: the customer span with error=true lasts 2 s, not under 1 s.
        var (_, none) = await GetAsync("api/traces?service=customer&tags=" + Uri.EscapeDataString("{\"error\":\"true\"}") + "&filter=" + Uri.EscapeDataString("duration < 1s"));
        Assert.Equal(0, none.GetProperty("data").GetArrayLength());
        var (_, some) = await GetAsync("api/traces?service=mysql&tags=" + Uri.EscapeDataString("{\"event\":\"query\"}") + "&filter=" + Uri.EscapeDataString("rows exists AND sql.query startsWith \"select\""));
        Assert.Equal([QueryFixture.DispatchTraceId.ToString()], some.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("traceID").GetString()!).ToArray());
    }

    [Theory]
    [InlineData("api/v3/traces?query.service_name=frontend&{0}&query.filter={1}", "malformed parameter query.filter: ")]
    [InlineData("api/v3/trace-summaries?{0}&query.filter={1}", "malformed parameter query.filter: ")]
    [InlineData("api/traces?service=frontend&{0}&filter={1}", "unable to parse param 'filter': ")]
    public async Task A_bad_filter_is_a_400_pointing_at_the_error(string template, string prefix)
    {
        var (status, body) = await GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Window, Uri.EscapeDataString("http.status_code >= ")));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var message = template.StartsWith("api/v3", StringComparison.Ordinal)
            ? body.GetProperty("error").GetProperty("message").GetString()!
            : body.GetProperty("errors")[0].GetProperty("msg").GetString()!;
        Assert.StartsWith(prefix, message, StringComparison.Ordinal);
        Assert.EndsWith("(at offset 20)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_filter_is_refused_with_a_400_by_a_reader_that_does_not_declare_it()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ISpanReader>(new ClassicOnlyReader());
        builder.Services.AddJaegerQuery(o =>
        {
            o.HttpListenAddress = "127.0.0.1:0";
            o.GrpcListenAddress = "";
        });
        using var host = builder.Build();
        await host.StartAsync();
        using var client = new HttpClient { BaseAddress = host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress };

        using var v3 = await client.GetAsync($"api/v3/traces?query.service_name=svc&{Window}&query.filter=a%20exists");
        Assert.Equal(HttpStatusCode.BadRequest, v3.StatusCode);
        Assert.Contains("Filter", await v3.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var classic = await client.GetAsync("api/traces?service=svc&filter=a%20exists");
        Assert.Equal(HttpStatusCode.BadRequest, classic.StatusCode);

        using var fine = await client.GetAsync("api/traces?service=svc&tags=%7B%22a%22%3A%22b%22%7D");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        await host.StopAsync();
    }

    private sealed class ClassicOnlyReader : ISpanReader
    {
        public SearchCapabilities Capabilities => SearchCapabilities.All;

        public ValueTask<Trace?> GetTraceAsync(TraceGetParameters query, CancellationToken cancellationToken = default) => new((Trace?)null);

        public ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default) => new(["svc"]);

        public ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default) => new([]);

        public ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
        {
            SearchCapabilityCheck.ThrowIfUnsupported(query, Capabilities);
            return new([]);
        }

        public ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
