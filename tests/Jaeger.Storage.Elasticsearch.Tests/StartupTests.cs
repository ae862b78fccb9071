using Jaeger.Storage.Elasticsearch.Transport;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>Start: the version probe per server family, index templates per version, rollover aliases, clear errors.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData(FakeFlavor.Elasticsearch8, false, 8)]
    [InlineData(FakeFlavor.Elasticsearch9, false, 9)]
    [InlineData(FakeFlavor.OpenSearch2, true, 2)]
    [InlineData(FakeFlavor.OpenSearch3, true, 3)]
    public async Task Start_detects_the_server_and_puts_the_four_composable_templates(FakeFlavor flavor, bool openSearch, int major)
    {
        await using var server = await FakeSearchServer.StartAsync(flavor);
        await using var storage = StorageFactory.Create(server);

        await storage.StartAsync(CancellationToken.None);

        Assert.Equal(openSearch, storage.Version!.Value.IsOpenSearch);
        Assert.Equal(major, storage.Version.Value.Major);
        Assert.Equal("GET", server.Requests[0].Method);
        Assert.Equal("/", server.Requests[0].Path);
        var templates = server.RequestsTo("PUT", "/_index_template/");
        Assert.Equal(["/_index_template/jaeger-span", "/_index_template/jaeger-service", "/_index_template/jaeger-dependencies", "/_index_template/jaeger-sampling"], templates.Select(t => t.Path));
        TestData.JsonEqual(TestData.Fixture("template_span_es8.json"), templates[0].Json);
        TestData.JsonEqual(TestData.Fixture("template_service_es8.json"), templates[1].Json);
        TestData.JsonEqual(TestData.Fixture("template_dependencies_es8.json"), templates[2].Json);
        Assert.Empty(server.RequestsTo("PUT", "/jaeger-"));
    }

    [Fact]
    public async Task OpenSearch_with_ISM_gets_the_rollover_alias_setting_and_the_first_rollover_index_with_both_aliases()
    {
        await using var server = await FakeSearchServer.StartAsync(FakeFlavor.OpenSearch3);
        await using var storage = StorageFactory.Create(server, o => { o.UseIlm = true; o.IndexPrefix = "test"; o.Shards = 3; o.Replicas = 3; o.TemplatePriority = 500; });

        await storage.StartAsync(CancellationToken.None);

        TestData.JsonEqual(TestData.Fixture("template_span_opensearch_ism.json"), server.RequestsTo("PUT", "/_index_template/test-jaeger-span")[0].Json);
        Assert.Equal("/_alias/test-jaeger-span-write", server.RequestsTo("HEAD", "/_alias/")[0].Path);
        var created = server.RequestsTo("PUT", "/test-jaeger-");
        Assert.Equal(["/test-jaeger-span-000001", "/test-jaeger-service-000001", "/test-jaeger-dependencies-000001", "/test-jaeger-sampling-000001"], created.Select(c => c.Path));
        TestData.JsonEqual(System.Text.Json.Nodes.JsonNode.Parse("""{"aliases":{"test-jaeger-span-read":{},"test-jaeger-span-write":{"is_write_index":true}}}"""), created[0].Json);
    }

    [Fact]
    public async Task Elasticsearch_with_ILM_names_the_policy_and_the_write_alias_in_the_template()
    {
        await using var server = await FakeSearchServer.StartAsync(FakeFlavor.Elasticsearch9);
        await using var storage = StorageFactory.Create(server, o => { o.UseIlm = true; o.IndexPrefix = "test-"; o.Shards = 3; o.Replicas = 3; o.TemplatePriority = 500; });

        await storage.StartAsync(CancellationToken.None);

        TestData.JsonEqual(TestData.Fixture("template_span_es9_ilm.json"), server.RequestsTo("PUT", "/_index_template/test-jaeger-span")[0].Json);
    }

    [Fact]
    public async Task An_existing_write_alias_is_left_alone()
    {
        await using var server = await FakeSearchServer.StartAsync(FakeFlavor.Elasticsearch8);
        server.Script(r => r.Method == "HEAD" && r.Path.StartsWith("/_alias/", StringComparison.Ordinal), _ => new FakeAnswer(200, "{}"));
        await using var storage = StorageFactory.Create(server, o => o.UseReadWriteAliases = true);

        await storage.StartAsync(CancellationToken.None);

        Assert.Equal(4, server.RequestsTo("HEAD", "/_alias/").Count);
        Assert.Empty(server.RequestsTo("PUT", "/jaeger-"));
    }

    [Fact]
    public async Task Templates_are_not_created_when_the_option_is_off_and_the_archive_creates_only_the_span_template()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using (var storage = StorageFactory.Create(server, o => o.CreateIndexTemplates = false))
        {
            await storage.StartAsync(CancellationToken.None);
        }

        Assert.Empty(server.RequestsTo("PUT", "/_index_template/"));
        await using (var archive = StorageFactory.Create(server, archive: true))
        {
            await archive.StartAsync(CancellationToken.None);
        }

        Assert.Equal(["/_index_template/jaeger-span"], server.RequestsTo("PUT", "/_index_template/").Select(r => r.Path));
    }

    [Fact]
    public async Task The_elasticsearch_type_refuses_an_OpenSearch_cluster_naming_the_type_to_select()
    {
        await using var server = await FakeSearchServer.StartAsync(FakeFlavor.OpenSearch2);
        await using var storage = new ElasticsearchStorage("elasticsearch", ServerFamily.Elasticsearch, false, new ElasticsearchStorageOptions { ServerUrls = [server.Url.ToString()] }, new FakeTimeProvider());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await storage.StartAsync(CancellationToken.None));

        Assert.Contains("OpenSearch 2.17.1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Jaeger:Storage:Type=opensearch", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_claiming_Elasticsearch_without_the_product_header_is_refused()
    {
        await using var server = await FakeSearchServer.StartAsync(FakeFlavor.OpenSearch2);
        server.Script(r => r.Path == "/" && r.Method == "GET", _ => new FakeAnswer(200, FakeSearchServer.VersionDocument(FakeFlavor.Elasticsearch8)));
        await using var storage = new ElasticsearchStorage("elasticsearch", ServerFamily.Elasticsearch, false, new ElasticsearchStorageOptions { ServerUrls = [server.Url.ToString()] }, new FakeTimeProvider());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await storage.StartAsync(CancellationToken.None));

        Assert.Contains("X-Elastic-Product", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsupported_version_is_refused_at_start()
    {
        await using var server = await FakeSearchServer.StartAsync(FakeFlavor.Elasticsearch7);
        await using var storage = StorageFactory.Create(server);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await storage.StartAsync(CancellationToken.None));

        Assert.Contains("Elasticsearch 7.17.22 is not supported", ex.Message, StringComparison.Ordinal);
        Assert.Empty(server.RequestsTo("PUT", "/"));
    }

    [Fact]
    public async Task An_unreachable_cluster_fails_the_start_naming_the_configuration_key()
    {
        var server = await FakeSearchServer.StartAsync();
        await server.DisposeAsync();
        await using var storage = StorageFactory.Create(server);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await storage.StartAsync(CancellationToken.None));

        Assert.Contains("Jaeger:Storage:Elasticsearch:ServerUrls", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be reached", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_carry_the_configured_credentials()
    {
        await using var server = await FakeSearchServer.StartAsync();
        await using (var basic = StorageFactory.Create(server, o => { o.Username = "elastic"; o.Password = "changeme"; }))
        {
            await basic.StartAsync(CancellationToken.None);
        }

        await using (var bearer = StorageFactory.Create(server, o => o.BearerToken = "tok-1"))
        {
            await bearer.StartAsync(CancellationToken.None);
        }

        await using (var apiKey = StorageFactory.Create(server, o => o.ApiKey = "aWQ6a2V5"))
        {
            await apiKey.StartAsync(CancellationToken.None);
        }

        var probes = server.RequestsTo("GET", "/").Where(r => r.Path == "/").ToList();
        Assert.Equal("Basic " + Convert.ToBase64String("elastic:changeme"u8.ToArray()), probes[0].Headers["Authorization"]);
        Assert.Equal("Bearer tok-1", probes[1].Headers["Authorization"]);
        Assert.Equal("ApiKey aWQ6a2V5", probes[2].Headers["Authorization"]);
    }

    [Fact]
    public async Task Several_node_urls_are_used_and_a_dead_node_is_skipped()
    {
        await using var live = await FakeSearchServer.StartAsync();
        var dead = await FakeSearchServer.StartAsync();
        await dead.DisposeAsync();
        await using var storage = StorageFactory.Create(live, o => o.ServerUrls = [$"{dead.Url},{live.Url}"]);

        await storage.StartAsync(CancellationToken.None);

        Assert.Equal(4, live.RequestsTo("PUT", "/_index_template/").Count);
    }
}
