using Jaeger.Storage.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>Selection through the storage builder and configuration, in a real Generic Host.</summary>
public sealed class RegistrationTests
{
    private static IHost Build(IDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddJaegerStorage(b => b.AddElasticsearch());
        return builder.Build();
    }

    [Theory]
    [InlineData("elasticsearch", FakeFlavor.Elasticsearch9)]
    [InlineData("opensearch", FakeFlavor.OpenSearch2)]
    public async Task The_type_selected_in_configuration_starts_against_its_cluster_and_stores_spans(string type, FakeFlavor flavor)
    {
        await using var server = await FakeSearchServer.StartAsync(flavor);
        using var host = Build(new Dictionary<string, string?>
        {
            ["Jaeger:Storage:Type"] = type,
            ["Jaeger:Storage:Elasticsearch:ServerUrls:0"] = server.Url.ToString(),
            ["Jaeger:Storage:Elasticsearch:IndexPrefix"] = "tenant",
            ["Jaeger:Storage:Elasticsearch:Bulk:FlushInterval"] = "00:00:00",
        });

        await host.StartAsync();
        await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync([TestData.FixtureSpan()]);
        await host.StopAsync();

        Assert.Equal(type, host.Services.GetRequiredService<JaegerStorage>().Primary[0].Type);
        Assert.Equal([server.Url.ToString()], host.Services.GetRequiredService<IOptionsMonitor<ElasticsearchStorageOptions>>().Get(Options.DefaultName).ServerUrls);
        Assert.Equal(4, server.RequestsTo("PUT", "/_index_template/tenant-jaeger-").Count);
        Assert.Equal("tenant-jaeger-span-2017-01-26", server.RequestsTo("POST", "/_bulk").Single().Lines[2]["index"]!["_index"]!.GetValue<string>());
        Assert.NotNull(host.Services.GetRequiredService<ISamplingStore>());
        Assert.NotNull(host.Services.GetRequiredService<IDependencyReader>());
    }

    [Fact]
    public async Task The_all_in_one_command_line_with_one_ServerUrls_value_starts_and_stores_and_finds_a_trace()
    {
        // The all-in-one's composition (Host.CreateApplicationBuilder(args), the storage builder with this backend)
        // and the command line of issue #14, against the interpreting fake.
        await using var server = await FakeSearchServer.StartAsync(FakeFlavor.Elasticsearch9, interpret: true);
        string[] args = ["--Jaeger:Storage:Type=elasticsearch", $"--Jaeger:Storage:Elasticsearch:ServerUrls=http://127.0.0.1:{server.Url.Port}"];
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddJaegerStorage(b => b.AddElasticsearch());
        using var host = builder.Build();

        await host.StartAsync();
        var span = TestData.FixtureSpan();
        span.StartTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync([span]);
        var reader = host.Services.GetRequiredService<ISpanReader>();
        var found = await reader.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = span.Process.ServiceName, Limit = 10 });
        var trace = await reader.GetTraceAsync(span.TraceId);
        await host.StopAsync();

        Assert.Equal([span.TraceId], found);
        Assert.Equal(span.SpanId, Assert.Single(trace!.Spans).SpanId);
        Assert.Equal("GET", server.Requests[0].Method);
        Assert.Equal("/", server.Requests[0].Path);
    }

    [Fact]
    public async Task The_archive_reads_its_own_section_and_writes_the_archive_index()
    {
        await using var primary = await FakeSearchServer.StartAsync();
        await using var archive = await FakeSearchServer.StartAsync();
        using var host = Build(new Dictionary<string, string?>
        {
            ["Jaeger:Storage:Type"] = "elasticsearch",
            ["Jaeger:Storage:Archive:Type"] = "elasticsearch",
            ["Jaeger:Storage:Elasticsearch:ServerUrls:0"] = primary.Url.ToString(),
            ["Jaeger:Storage:Archive:Elasticsearch:ServerUrls:0"] = archive.Url.ToString(),
            ["Jaeger:Storage:Archive:Elasticsearch:Bulk:FlushInterval"] = "00:00:00",
        });

        await host.StartAsync();
        await host.Services.GetRequiredService<JaegerStorage>().Archive!.Writer.WriteSpansAsync([TestData.FixtureSpan()]);
        await host.StopAsync();

        Assert.Empty(primary.RequestsTo("POST", "/_bulk"));
        Assert.Equal("jaeger-span-archive", archive.RequestsTo("POST", "/_bulk").Single().Lines[0]["index"]!["_index"]!.GetValue<string>());
    }

    [Fact]
    public async Task Opensearch_selected_against_an_Elasticsearch_cluster_fails_the_start_with_a_clear_message()
    {
        await using var server = await FakeSearchServer.StartAsync(FakeFlavor.Elasticsearch8);
        using var host = Build(new Dictionary<string, string?>
        {
            ["Jaeger:Storage:Type"] = "opensearch",
            ["Jaeger:Storage:Elasticsearch:ServerUrls:0"] = server.Url.ToString(),
        });

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Elasticsearch 8.15.3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Jaeger:Storage:Type=elasticsearch", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_fail_the_start_naming_the_configuration_key()
    {
        using var host = Build(new Dictionary<string, string?>
        {
            ["Jaeger:Storage:Type"] = "elasticsearch",
            ["Jaeger:Storage:Elasticsearch:ServerUrls:0"] = "localhost:9200",
            ["Jaeger:Storage:Elasticsearch:IndexRolloverFrequency"] = "week",
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Jaeger:Storage:Elasticsearch:ServerUrls: 'localhost:9200' is not an http or https URL.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Jaeger:Storage:Elasticsearch:IndexRolloverFrequency must be 'day' or 'hour'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Shards", "0", "Jaeger:Storage:Elasticsearch:Shards must be between 1 and 1024, not 0.")]
    [InlineData("Replicas", "65", "Jaeger:Storage:Elasticsearch:Replicas must be between 0 and 64, not 65.")]
    [InlineData("TemplatePriority", "-1", "Jaeger:Storage:Elasticsearch:TemplatePriority must be at least 0, not -1.")]
    [InlineData("MaxDocCount", "1000001", "Jaeger:Storage:Elasticsearch:MaxDocCount must be between 1 and 1000000, not 1000001.")]
    [InlineData("MaxCandidateTraces", "0", "Jaeger:Storage:Elasticsearch:MaxCandidateTraces must be between 1 and 1000000, not 0.")]
    [InlineData("RequestTimeout", "00:00:00", "Jaeger:Storage:Elasticsearch:RequestTimeout must be between 00:00:00.0010000 and 01:00:00, not 00:00:00.")]
    [InlineData("MaxSpanAge", "00:00:00", "Jaeger:Storage:Elasticsearch:MaxSpanAge must be between 00:00:01 and 36500.00:00:00, not 00:00:00.")]
    [InlineData("ServiceCacheTtl", "30.00:00:01", "Jaeger:Storage:Elasticsearch:ServiceCacheTtl must be between 00:00:00 and 30.00:00:00, not 30.00:00:01.")]
    [InlineData("RetentionCheckInterval", "1.00:00:01", "Jaeger:Storage:Elasticsearch:RetentionCheckInterval must be between 00:00:01 and 1.00:00:00, not 1.00:00:01.")]
    [InlineData("Bulk:MaxActions", "100001", "Jaeger:Storage:Elasticsearch:Bulk:MaxActions must be between 1 and 100000, not 100001.")]
    [InlineData("Bulk:MaxBytes", "1023", "Jaeger:Storage:Elasticsearch:Bulk:MaxBytes must be between 1024 and 100000000, not 1023.")]
    [InlineData("Bulk:FlushInterval", "00:10:01", "Jaeger:Storage:Elasticsearch:Bulk:FlushInterval must be between 00:00:00 and 00:10:00, not 00:10:01.")]
    [InlineData("Bulk:Workers", "65", "Jaeger:Storage:Elasticsearch:Bulk:Workers must be between 1 and 64, not 65.")]
    [InlineData("Bulk:MaxBufferedBytes", "1000000001", "Jaeger:Storage:Elasticsearch:Bulk:MaxBufferedBytes must be between 1024 and 1000000000, not 1000000001.")]
    [InlineData("Bulk:MaxItemRetries", "101", "Jaeger:Storage:Elasticsearch:Bulk:MaxItemRetries must be between 0 and 100, not 101.")]
    [InlineData("Bulk:InitialRetryBackoff", "-00:00:01", "Jaeger:Storage:Elasticsearch:Bulk:InitialRetryBackoff must be between 00:00:00 and 00:01:00, not -00:00:01.")]
    [InlineData("Bulk:MaxRetryBackoff", "00:10:00.001", "Jaeger:Storage:Elasticsearch:Bulk:MaxRetryBackoff must be between 00:00:00 and 00:10:00, not 00:10:00.0010000.")]
    [InlineData("TagsAsFields:DotReplacement", "", "Jaeger:Storage:Elasticsearch:TagsAsFields:DotReplacement is required.")]
    public async Task Each_bounded_option_out_of_range_fails_the_start_with_its_key_bounds_and_value(string option, string value, string message)
    {
        using var host = Build(new Dictionary<string, string?>
        {
            ["Jaeger:Storage:Type"] = "elasticsearch",
            [$"Jaeger:Storage:Elasticsearch:{option}"] = value,
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal([message], ex.Failures);
    }

    [Fact]
    public async Task Invalid_archive_options_fail_the_start_naming_the_archive_keys()
    {
        await using var primary = await FakeSearchServer.StartAsync();
        using var host = Build(new Dictionary<string, string?>
        {
            ["Jaeger:Storage:Type"] = "elasticsearch",
            ["Jaeger:Storage:Archive:Type"] = "elasticsearch",
            ["Jaeger:Storage:Elasticsearch:ServerUrls:0"] = primary.Url.ToString(),
            ["Jaeger:Storage:Archive:Elasticsearch:ServerUrls:0"] = primary.Url.ToString(),
            ["Jaeger:Storage:Archive:Elasticsearch:MaxSpanAge"] = "00:00:00",
            ["Jaeger:Storage:Archive:Elasticsearch:Bulk:Workers"] = "0",
            ["Jaeger:Storage:Archive:Elasticsearch:TagsAsFields:DotReplacement"] = "",
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
            [
                "Jaeger:Storage:Archive:Elasticsearch:MaxSpanAge must be between 00:00:01 and 36500.00:00:00, not 00:00:00.",
                "Jaeger:Storage:Archive:Elasticsearch:Bulk:Workers must be between 1 and 64, not 0.",
                "Jaeger:Storage:Archive:Elasticsearch:TagsAsFields:DotReplacement is required.",
            ],
            ex.Failures);
    }
}
