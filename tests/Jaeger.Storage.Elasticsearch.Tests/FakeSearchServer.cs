using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>The server a fake plays: its answer to <c>GET /</c>.</summary>
public enum FakeFlavor
{
    Elasticsearch8,
    Elasticsearch9,
    Elasticsearch7,
    OpenSearch2,
    OpenSearch3,
}

/// <summary>One request the fake received.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    /// <summary>The NDJSON lines of a bulk or msearch body (the body must end with a newline).</summary>
    public IReadOnlyList<JsonNode> Lines
    {
        get
        {
            Assert.EndsWith("\n", BodyText, StringComparison.Ordinal);
            return [.. BodyText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
        }
    }
}

/// <summary>An answer the test scripts.</summary>
public sealed record FakeAnswer(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A fake Elasticsearch / OpenSearch on Kestrel at 127.0.0.1, port 0. It records every request and answers as the
/// real servers document it: <c>GET /</c> with the flavor's version document (the <c>X-Elastic-Product</c> header only
/// for Elasticsearch), acknowledgements for templates, indices and deletes, and for <c>_bulk</c> one successful item per
/// action line. Tests script other answers (bulk item errors, search results) with <see cref="Script"/>.
/// </summary>
public sealed class FakeSearchServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly List<(Func<RecordedRequest, bool> Match, Func<RecordedRequest, FakeAnswer> Answer, bool Once)> _scripts = [];
    private readonly Lock _lock = new();

    private FakeSearchServer(WebApplication app, FakeFlavor flavor)
    {
        _app = app;
        Flavor = flavor;
    }

    public FakeFlavor Flavor { get; set; }

    public Uri Url { get; private set; } = null!;

    /// <summary>Indices <c>_cat/indices</c> lists.</summary>
    public List<string> Indices { get; } = [];

    /// <summary>True to refuse connections' answers (the server answers 503 to everything).</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>The query interpreter, when the server was started with one; otherwise searches answer empty unless scripted.</summary>
    internal FakeSearchEngine? Engine { get; private set; }

    /// <summary>Starts the fake; with <paramref name="interpret"/> it stores documents and evaluates searches (<see cref="FakeSearchEngine"/>).</summary>
    public static async Task<FakeSearchServer> StartAsync(FakeFlavor flavor = FakeFlavor.Elasticsearch8, bool interpret = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeSearchServer(app, flavor) { Engine = interpret ? new FakeSearchEngine() : null };
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address);
        return server;
    }

    /// <summary>Answers requests that match with <paramref name="answer"/> (the first matching script wins; a once-script is used up).</summary>
    public void Script(Func<RecordedRequest, bool> match, Func<RecordedRequest, FakeAnswer> answer, bool once = false)
    {
        lock (_lock)
        {
            _scripts.Add((match, answer, once));
        }
    }

    public IReadOnlyList<RecordedRequest> RequestsTo(string method, string pathStart) =>
        [.. Requests.Where(r => r.Method == method && r.Path.StartsWith(pathStart, StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A bulk answer: one item per action line, with the given status (and error type for failures).</summary>
    public static FakeAnswer BulkAnswer(RecordedRequest request, Func<int, (int Status, string? ErrorType)> item)
    {
        var actions = request.Lines.Where((_, i) => i % 2 == 0).ToList();
        var items = new JsonArray();
        var errors = false;
        for (var i = 0; i < actions.Count; i++)
        {
            var (status, errorType) = item(i);
            var index = actions[i]["index"]!["_index"]!.GetValue<string>();
            var result = new JsonObject
            {
                ["_index"] = index,
                ["_id"] = actions[i]["index"]!["_id"]?.GetValue<string>() ?? $"auto-{i}",
                ["status"] = status,
            };
            if (status is >= 200 and < 300)
            {
                result["result"] = "created";
                result["_version"] = 1;
            }
            else
            {
                errors = true;
                result["error"] = new JsonObject { ["type"] = errorType, ["reason"] = $"scripted {errorType}" };
            }

            items.Add(new JsonObject { ["index"] = result });
        }

        return new FakeAnswer(200, new JsonObject { ["took"] = 3, ["errors"] = errors, ["items"] = items }.ToJsonString());
    }

    /// <summary>A search answer with the given hits (each with _source and, when given, sort values) and aggregations.</summary>
    public static FakeAnswer SearchAnswer(IEnumerable<JsonNode>? sources = null, JsonObject? aggregations = null, Func<JsonNode, JsonArray>? sort = null)
    {
        var hits = new JsonArray();
        var n = 0;
        foreach (var source in sources ?? [])
        {
            var hit = new JsonObject { ["_index"] = "jaeger-span-x", ["_id"] = $"h{n++}", ["_source"] = source.DeepClone() };
            if (sort is not null)
            {
                hit["sort"] = sort(source);
            }

            hits.Add(hit);
        }

        var body = new JsonObject
        {
            ["took"] = 1,
            ["timed_out"] = false,
            ["_shards"] = new JsonObject { ["total"] = 1, ["successful"] = 1, ["skipped"] = 0, ["failed"] = 0 },
            ["hits"] = new JsonObject { ["total"] = new JsonObject { ["value"] = hits.Count, ["relation"] = "eq" }, ["max_score"] = null, ["hits"] = hits },
        };
        if (aggregations is not null)
        {
            body["aggregations"] = aggregations;
        }

        return new FakeAnswer(200, body.ToJsonString());
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        if (string.Equals(context.Request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            // As Elasticsearch and OpenSearch do (http.compression): a gzip request body is inflated.
            await using var gzip = new System.IO.Compression.GZipStream(context.Request.Body, System.IO.Compression.CompressionMode.Decompress);
            await gzip.CopyToAsync(buffer);
        }
        else
        {
            await context.Request.Body.CopyToAsync(buffer);
        }

        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? string.Empty, context.Request.ContentType, buffer.ToArray(), headers);
        _requests.Enqueue(request);

        FakeAnswer? answer = null;
        lock (_lock)
        {
            for (var i = 0; i < _scripts.Count; i++)
            {
                if (_scripts[i].Match(request))
                {
                    var script = _scripts[i];
                    if (script.Once)
                    {
                        _scripts.RemoveAt(i);
                    }

                    answer = script.Answer(request);
                    break;
                }
            }
        }

        try
        {
            answer ??= Engine is null ? DefaultAnswer(request) : EngineAnswer(Engine, request) ?? DefaultAnswer(request);
        }
        catch (FakeEngineException ex)
        {
            answer = new FakeAnswer(400, new JsonObject { ["error"] = new JsonObject { ["type"] = "parsing_exception", ["reason"] = ex.Message }, ["status"] = 400 }.ToJsonString());
        }
        catch (Exception ex)
        {
            answer = new FakeAnswer(500, new JsonObject { ["error"] = new JsonObject { ["type"] = "fake_failure", ["reason"] = ex.ToString() } }.ToJsonString());
        }

        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json";
        if (Flavor is FakeFlavor.Elasticsearch7 or FakeFlavor.Elasticsearch8 or FakeFlavor.Elasticsearch9)
        {
            context.Response.Headers["X-Elastic-Product"] = "Elasticsearch";
        }

        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        if (request.Method != "HEAD")
        {
            await context.Response.WriteAsync(answer.Body);
        }
    }

    private static FakeAnswer? EngineAnswer(FakeSearchEngine engine, RecordedRequest request)
    {
        var path = request.Path;
        switch (request.Method)
        {
            case "POST" when path == "/_bulk":
                return engine.Bulk(request);
            case "POST" or "GET" when path == "/_msearch":
                return engine.MultiSearch(request);
            case "POST" or "GET" when path.EndsWith("/_search", StringComparison.Ordinal):
                return engine.Search(path[1..^"/_search".Length], request.Json);
            case "GET" when path.StartsWith("/_cat/indices/", StringComparison.Ordinal):
                return new FakeAnswer(200, new JsonArray([.. engine.CatIndices(path["/_cat/indices/".Length..]).Select(i => (JsonNode)new JsonObject { ["index"] = i })]).ToJsonString());
            case "HEAD" when path.StartsWith("/_alias/", StringComparison.Ordinal):
                return new FakeAnswer(engine.AliasExists(path["/_alias/".Length..]) ? 200 : 404, "{}");
            case "GET" or "PUT" or "POST" or "DELETE" when path.Split('/') is [_, var index, var endpoint, var id] && endpoint is "_doc" or "_create" && !index.StartsWith('_'):
                return engine.Document(request.Method, Uri.UnescapeDataString(index), endpoint, Uri.UnescapeDataString(id), request.Query, request.Body.Length == 0 ? null : request.Json);
            case "PUT" when !path.StartsWith("/_", StringComparison.Ordinal):
                return engine.CreateIndex(path[1..], request.Json);
            case "DELETE" when !path.StartsWith("/_", StringComparison.Ordinal):
                engine.Delete(path[1..].Split(','));
                return new FakeAnswer(200, """{"acknowledged":true}""");
            default:
                return null;
        }
    }

    private FakeAnswer DefaultAnswer(RecordedRequest request)
    {
        var path = request.Path;
        if (request.Method == "GET" && path == "/")
        {
            return new FakeAnswer(200, VersionDocument(Flavor));
        }

        if (request.Method == "DELETE")
        {
            lock (_lock)
            {
                foreach (var name in path.TrimStart('/').Split(','))
                {
                    Indices.Remove(name);
                }
            }
        }

        if (path.StartsWith("/_index_template/", StringComparison.Ordinal) || (request.Method == "PUT" && !path.Contains("/_", StringComparison.Ordinal)) || request.Method == "DELETE")
        {
            return new FakeAnswer(200, """{"acknowledged":true}""");
        }

        if (path == "/_bulk")
        {
            return BulkAnswer(request, _ => (201, null));
        }

        if (request.Method == "HEAD" && path.StartsWith("/_alias/", StringComparison.Ordinal))
        {
            return new FakeAnswer(404, "{}");
        }

        if (path.StartsWith("/_cat/indices", StringComparison.Ordinal))
        {
            lock (_lock)
            {
                return new FakeAnswer(200, new JsonArray([.. Indices.Select(i => (JsonNode)new JsonObject { ["index"] = i })]).ToJsonString());
            }
        }

        if (path.EndsWith("/_refresh", StringComparison.Ordinal))
        {
            return new FakeAnswer(200, """{"_shards":{"total":1,"successful":1,"failed":0}}""");
        }

        if (path.EndsWith("/_search", StringComparison.Ordinal))
        {
            return SearchAnswer();
        }

        return new FakeAnswer(400, """{"error":{"type":"fake_unhandled","reason":"the fake does not know this request"},"status":400}""");
    }

    /// <summary>The <c>GET /</c> documents, in the shape each product answers.</summary>
    public static string VersionDocument(FakeFlavor flavor) => flavor switch
    {
        FakeFlavor.Elasticsearch7 => """{"name":"n1","cluster_name":"c","cluster_uuid":"u","version":{"number":"7.17.22","build_flavor":"default","build_type":"docker","lucene_version":"8.11.3","minimum_wire_compatibility_version":"6.8.0","minimum_index_compatibility_version":"6.0.0-beta1"},"tagline":"You Know, for Search"}""",
        FakeFlavor.Elasticsearch8 => """{"name":"n1","cluster_name":"c","cluster_uuid":"u","version":{"number":"8.15.3","build_flavor":"default","build_type":"docker","lucene_version":"9.11.1","minimum_wire_compatibility_version":"7.17.0","minimum_index_compatibility_version":"7.0.0"},"tagline":"You Know, for Search"}""",
        FakeFlavor.Elasticsearch9 => """{"name":"n1","cluster_name":"c","cluster_uuid":"u","version":{"number":"9.1.0","build_flavor":"default","build_type":"docker","lucene_version":"10.2.2","minimum_wire_compatibility_version":"8.19.0","minimum_index_compatibility_version":"8.0.0"},"tagline":"You Know, for Search"}""",
        FakeFlavor.OpenSearch2 => """{"name":"n1","cluster_name":"c","cluster_uuid":"u","version":{"distribution":"opensearch","number":"2.17.1","build_type":"tar","lucene_version":"9.11.1","minimum_wire_compatibility_version":"7.10.0","minimum_index_compatibility_version":"7.0.0"},"tagline":"The OpenSearch Project: https://opensearch.org/"}""",
        FakeFlavor.OpenSearch3 => """{"name":"n1","cluster_name":"c","cluster_uuid":"u","version":{"distribution":"opensearch","number":"3.0.0","build_type":"tar","lucene_version":"10.1.0","minimum_wire_compatibility_version":"2.19.0","minimum_index_compatibility_version":"2.0.0"},"tagline":"The OpenSearch Project: https://opensearch.org/"}""",
        _ => throw new ArgumentOutOfRangeException(nameof(flavor)),
    };
}
