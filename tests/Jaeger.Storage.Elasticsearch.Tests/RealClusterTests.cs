using Jaeger.Storage.Elasticsearch.Transport;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>Smoke tests against a real cluster: the server accepts the templates, the bulk and the searches as sent.</summary>
public sealed class RealClusterTests
{
    [ClusterFact("JAEGER_TEST_ELASTICSEARCH_URL")]
    public Task Elasticsearch_accepts_the_templates_and_a_written_span_reads_back_as_written() =>
        RoundTripAsync(Environment.GetEnvironmentVariable("JAEGER_TEST_ELASTICSEARCH_URL")!, ServerFamily.Elasticsearch);

    [ClusterFact("JAEGER_TEST_OPENSEARCH_URL")]
    public Task OpenSearch_accepts_the_templates_and_a_written_span_reads_back_as_written() =>
        RoundTripAsync(Environment.GetEnvironmentVariable("JAEGER_TEST_OPENSEARCH_URL")!, ServerFamily.OpenSearch);

    [Fact]
    public async Task The_smoke_test_itself_passes_against_the_interpreting_fake()
    {
        await using var server = await FakeSearchServer.StartAsync(FakeFlavor.OpenSearch2, interpret: true);

        await RoundTripAsync(server.Url.ToString(), ServerFamily.OpenSearch);

        Assert.Single(server.RequestsTo("POST", "/_bulk"));
    }

    private static async Task RoundTripAsync(string url, ServerFamily family)
    {
        var options = new ElasticsearchStorageOptions
        {
            ServerUrls = [url],
            IndexPrefix = "jt" + Guid.NewGuid().ToString("N")[..10],
            Shards = 1,
            Replicas = 0,
        };
        options.TagsAsFields.Include = ["span.kind"];
        await using var storage = new ElasticsearchStorage(family == ServerFamily.OpenSearch ? "opensearch" : "elasticsearch", family, false, options);
        await storage.StartAsync(CancellationToken.None);
        try
        {
            var span = TestData.FixtureSpan();
            span.StartTime = DateTimeOffset.UtcNow.AddMinutes(-1);
            span.Tags = span.Tags.RemoveAll(t => t.Key == "big");
            await storage.Writer.WriteSpansAsync([span]);
            await storage.RefreshAsync();

            var trace = await storage.Reader.GetTraceAsync(new TraceGetParameters(span.TraceId));
            Conformance.TraceAssert.SpanEqual(span, Assert.Single(trace!.Spans));
            var found = await storage.Reader.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "frontend", Tags = new Dictionary<string, string> { ["span.kind"] = "server", ["peer.port"] = "8080" } });
            Assert.Equal([span.TraceId], found);
        }
        finally
        {
            await storage.PurgeAsync();
        }
    }
}
