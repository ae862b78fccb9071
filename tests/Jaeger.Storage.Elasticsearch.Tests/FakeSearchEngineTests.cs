using System.Text.Json.Nodes;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>The interpreting fake keeps Elasticsearch's rules where a looser fake would let wrong requests pass.</summary>
public sealed class FakeSearchEngineTests
{
    private static RecordedRequest Bulk(params string[] lines) =>
        new("POST", "/_bulk", string.Empty, "application/x-ndjson", System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"), new Dictionary<string, string>());

    private static int Total(FakeAnswer answer) => JsonNode.Parse(answer.Body)!["hits"]!["total"]!["value"]!.GetValue<int>();

    [Fact]
    public void A_query_it_does_not_interpret_is_refused_not_guessed()
    {
        var engine = new FakeSearchEngine();

        var ex = Assert.Throws<FakeEngineException>(() => engine.Search("jaeger-span-*", JsonNode.Parse("""{"query":{"regexp":{"tags.value":"a.*"}}}""")));

        Assert.Contains("regexp", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_under_a_nested_path_match_only_inside_a_nested_query()
    {
        var engine = new FakeSearchEngine();
        engine.Bulk(Bulk("""{"index":{"_index":"jaeger-span-2024-05-03"}}""", """{"traceID":"01","tags":[{"key":"k","type":"string","value":"v"}]}"""));

        Assert.Equal(0, Total(engine.Search("jaeger-span-*", JsonNode.Parse("""{"query":{"term":{"tags.value":"v"}}}"""))));
        Assert.Equal(1, Total(engine.Search("jaeger-span-*", JsonNode.Parse("""{"query":{"nested":{"path":"tags","query":{"term":{"tags.value":"v"}}}}}"""))));
    }

    [Fact]
    public void Conditions_inside_one_nested_query_must_hold_on_the_same_nested_object()
    {
        var engine = new FakeSearchEngine();
        engine.Bulk(Bulk("""{"index":{"_index":"i"}}""", """{"tags":[{"key":"a","value":"1"},{"key":"b","value":"2"}]}"""));

        var query = JsonNode.Parse("""{"query":{"nested":{"path":"tags","query":{"bool":{"filter":[{"term":{"tags.key":"a"}},{"term":{"tags.value":"2"}}]}}}}}""");

        Assert.Equal(0, Total(engine.Search("i", query)));
    }

    [Fact]
    public void Index_expressions_resolve_wildcards_exclusions_and_skip_missing_names()
    {
        var engine = new FakeSearchEngine();
        engine.Bulk(Bulk(
            """{"index":{"_index":"jaeger-span-2024-05-03"}}""", """{"n":1}""",
            """{"index":{"_index":"jaeger-span-archive"}}""", """{"n":2}"""));

        Assert.Equal(2, Total(engine.Search("jaeger-span-*", null)));
        Assert.Equal(1, Total(engine.Search("jaeger-span-*,-jaeger-span-archive*", null)));
        Assert.Equal(1, Total(engine.Search("jaeger-span-2024-05-03,jaeger-span-2024-05-02", null)));
    }

    [Fact]
    public void Keyword_values_longer_than_256_characters_are_not_indexed()
    {
        var engine = new FakeSearchEngine();
        var longValue = new string('x', 257);
        engine.Bulk(Bulk("""{"index":{"_index":"i"}}""", $$"""{"operationName":"{{longValue}}"}"""));

        var query = new JsonObject { ["query"] = new JsonObject { ["term"] = new JsonObject { ["operationName"] = longValue } } };
        Assert.Equal(0, Total(engine.Search("i", query)));
        Assert.Equal(1, Total(engine.Search("i", null)));
    }
}
