using System.Net;
using System.Text.Json;
using Jaeger.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>
/// <c>Jaeger:Query:UiAssetsPath</c>: a build of the official UI (here a fixture index.html carrying the official
/// placeholders) served instead of the built-in UI, its index.html rewritten as Jaeger's query service does.
/// </summary>
public sealed class OfficialUiTests : IDisposable
{
    private const string Secret = "secret outside the assets folder";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "jaeger-official-ui-" + Guid.NewGuid().ToString("N"));

    public OfficialUiTests()
    {
        var assets = Path.Combine(_root, "ui");
        Directory.CreateDirectory(Path.Combine(assets, "static"));
        var fixture = Path.Combine(AppContext.BaseDirectory, "OfficialUiFixture");
        foreach (var file in Directory.EnumerateFiles(fixture, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(assets, Path.GetRelativePath(fixture, file)));
        }

        File.WriteAllText(Path.Combine(_root, "secret.txt"), Secret);
        File.WriteAllText(Path.Combine(assets, ".hidden"), Secret);
        File.WriteAllText(Path.Combine(_root, "ui-config.json"), """{"archiveEnabled":true,"menu":[{"label":"</script><script>alert(1)</script>","url":"$0 $1"}],"search":{"maxLimit":500}}""");
        File.WriteAllText(Path.Combine(_root, "ui-config.js"), "function UIConfig() { return { x: '$&' }; }\n");
        File.WriteAllText(Path.Combine(_root, "bad-config.json"), """{"archiveEnabled": tru}""");
    }

    private string Assets => Path.Combine(_root, "ui");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class FakeMetricsReader : IMetricsReader
    {
        public TimeSpan MinStep => TimeSpan.FromSeconds(1);

        public ValueTask<MetricFamily> GetLatenciesAsync(MetricsQueryParameters query, double quantile, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<MetricFamily> GetCallRatesAsync(MetricsQueryParameters query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<MetricFamily> GetErrorRatesAsync(MetricsQueryParameters query, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    private static IHost Build(Action<JaegerQueryOptions> configure, bool archive = false, bool metrics = false)
    {
        return TestQueryHost.Build(configure, archive, services =>
        {
            // The in-memory store keeps RED metrics; without them it stands for a storage that has none.
            services.RemoveAll<IMetricsReader>();
            if (metrics)
            {
                services.AddSingleton<IMetricsReader, FakeMetricsReader>();
            }
        });
    }

    private static async Task<T> WithHostAsync<T>(IHost host, Func<HttpClient, Task<T>> test)
    {
        await host.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = host.Services.GetRequiredService<JaegerQuery>().HttpBaseAddress! };
            return await test(client);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private static async Task<(HttpStatusCode Status, string? Type, string Text)> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private static JsonElement Injected(string html, string name)
    {
        var start = html.IndexOf(name + " = ", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{name} was not injected");
        start += name.Length + 3;
        var end = html.IndexOf(";\n", start, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(html[start..end]);
        return doc.RootElement.Clone();
    }

    [Theory]
    [InlineData("")]
    [InlineData("search?service=frontend")]
    [InlineData("trace/00000000000abc01")]
    [InlineData("monitor")]
    [InlineData("index.html")]
    public async Task Every_page_serves_index_html_with_config_version_and_real_capabilities(string path)
    {
        var (status, type, html) = await WithHostAsync(Build(o => { o.UiAssetsPath = Assets; o.UiConfigPath = Path.Combine(_root, "ui-config.json"); }, archive: true, metrics: true), c => GetAsync(c, path));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/html", type);
        Assert.Contains("<base href=\"/\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("= DEFAULT_", html, StringComparison.Ordinal);

        var config = Injected(html, "JAEGER_CONFIG");
        Assert.True(config.GetProperty("archiveEnabled").GetBoolean());
        Assert.Equal(500, config.GetProperty("search").GetProperty("maxLimit").GetInt32());
        var label = config.GetProperty("menu")[0].GetProperty("label").GetString();
        Assert.Equal("</script><script>alert(1)</script>", label);
        Assert.DoesNotContain("</script><script>alert", html, StringComparison.Ordinal);
        Assert.Equal("$0 $1", config.GetProperty("menu")[0].GetProperty("url").GetString());

        var capabilities = Injected(html, "JAEGER_BACKEND_CAPABILITIES");
        Assert.Equal(["archiveStorage", "metricsStorage", "searchWithoutServiceName"], capabilities.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.True(capabilities.GetProperty("archiveStorage").GetBoolean());
        Assert.True(capabilities.GetProperty("metricsStorage").GetBoolean());
        Assert.True(capabilities.GetProperty("searchWithoutServiceName").GetBoolean());
        Assert.True(Injected(html, "JAEGER_STORAGE_CAPABILITIES").GetProperty("archiveStorage").GetBoolean());

        var version = Injected(html, "JAEGER_VERSION");
        Assert.Equal(["gitCommit", "gitVersion", "buildDate"], version.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.False(string.IsNullOrEmpty(version.GetProperty("gitVersion").GetString()));
    }

    [Fact]
    public async Task Capabilities_are_false_when_the_storage_has_no_archive_and_no_metrics_and_the_config_placeholder_stays()
    {
        var html = await WithHostAsync(Build(o => o.UiAssetsPath = Assets), async c => (await GetAsync(c, "search")).Text);
        var capabilities = Injected(html, "JAEGER_BACKEND_CAPABILITIES");
        Assert.False(capabilities.GetProperty("archiveStorage").GetBoolean());
        Assert.False(capabilities.GetProperty("metricsStorage").GetBoolean());
        Assert.Contains("const JAEGER_CONFIG = DEFAULT_CONFIG;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_js_config_replaces_the_line_after_the_marker_comment()
    {
        var html = await WithHostAsync(Build(o => { o.UiAssetsPath = Assets; o.UiConfigPath = Path.Combine(_root, "ui-config.js"); }), async c => (await GetAsync(c, "")).Text);
        Assert.Contains("function UIConfig() { return { x: '$&' }; }", html, StringComparison.Ordinal);
        Assert.DoesNotContain("JAEGER_CONFIG_JS", html, StringComparison.Ordinal);
        Assert.DoesNotContain("this line is replaced", html, StringComparison.Ordinal);
        Assert.Contains("const JAEGER_CONFIG = DEFAULT_CONFIG;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_a_base_path_the_base_href_static_files_and_api_follow_it()
    {
        await WithHostAsync(Build(o => { o.UiAssetsPath = Assets; o.BasePath = "/jaeger/ui"; }), async c =>
        {
            var index = await GetAsync(c, "trace/abc");
            Assert.Contains("<base href=\"/jaeger/ui/\"", index.Text, StringComparison.Ordinal);
            var script = await GetAsync(c, "static/index-fixture.js");
            Assert.Equal(HttpStatusCode.OK, script.Status);
            Assert.Equal("text/javascript", script.Type);
            Assert.Contains("official ui fixture", script.Text, StringComparison.Ordinal);
            var services = await GetAsync(c, "api/services");
            Assert.Equal("application/json", services.Type);
            Assert.Equal(HttpStatusCode.OK, services.Status);
            return 0;
        });
    }

    [Fact]
    public async Task Static_files_come_from_the_folder_and_missing_ones_are_404()
    {
        await WithHostAsync(Build(o => o.UiAssetsPath = Assets), async c =>
        {
            var icon = await GetAsync(c, "favicon.ico");
            Assert.Equal(HttpStatusCode.OK, icon.Status);
            Assert.Equal("fixture icon", icon.Text);
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(c, "static/missing.js")).Status);
            var api = await GetAsync(c, "api/nothing-here");
            Assert.Equal(HttpStatusCode.NotFound, api.Status);
            Assert.Equal("application/json", api.Type);
            return 0;
        });
    }

    [Theory]
    [InlineData("static/..%2F..%2Fsecret.txt")]
    [InlineData("static/%2E%2E/%2E%2E/secret.txt")]
    [InlineData("..%2Fsecret.txt")]
    [InlineData("%2E%2E%2Fsecret.txt")]
    [InlineData("static/..%5C..%5Csecret.txt")]
    [InlineData(".hidden")]
    [InlineData("static/..%2F.hidden")]
    public async Task No_path_reaches_a_file_outside_the_folder_or_a_hidden_file(string path)
    {
        var (status, _, text) = await WithHostAsync(Build(o => o.UiAssetsPath = Assets), c => GetAsync(c, path));
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.True(status is HttpStatusCode.NotFound or HttpStatusCode.OK or HttpStatusCode.BadRequest, status.ToString());
    }

    [Fact]
    public async Task Bad_settings_fail_the_start_naming_the_key()
    {
        async Task<string> StartFailure(Action<JaegerQueryOptions> configure)
        {
            using var host = Build(configure);
            var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
            return e.Message;
        }

        Assert.Contains("Jaeger:Query:UiAssetsPath: the folder '" + Path.Combine(_root, "nope") + "' does not exist.",
            await StartFailure(o => o.UiAssetsPath = Path.Combine(_root, "nope")), StringComparison.Ordinal);
        Assert.Contains("Jaeger:Query:UiAssetsPath: cannot read '" + Path.Combine(_root, "index.html") + "'",
            await StartFailure(o => o.UiAssetsPath = _root), StringComparison.Ordinal);
        Assert.Contains("Jaeger:Query:UiConfigPath: cannot parse '" + Path.Combine(_root, "bad-config.json") + "'",
            await StartFailure(o => { o.UiAssetsPath = Assets; o.UiConfigPath = Path.Combine(_root, "bad-config.json"); }), StringComparison.Ordinal);
        Assert.Contains("Jaeger:Query:UiConfigPath: cannot read '" + Path.Combine(_root, "missing.json") + "'",
            await StartFailure(o => { o.UiAssetsPath = Assets; o.UiConfigPath = Path.Combine(_root, "missing.json"); }), StringComparison.Ordinal);
        Assert.Contains("Jaeger:Query:UiConfigPath: '" + Path.Combine(_root, "secret.txt") + "' is neither a .json nor a .js file.",
            await StartFailure(o => { o.UiAssetsPath = Assets; o.UiConfigPath = Path.Combine(_root, "secret.txt"); }), StringComparison.Ordinal);
        Assert.Contains("Jaeger:Query:UiConfigPath configures the official Jaeger UI and needs Jaeger:Query:UiAssetsPath",
            await StartFailure(o => o.UiConfigPath = Path.Combine(_root, "ui-config.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_built_in_ui_gets_the_same_capabilities_object_from_the_api_plus_the_filter_capability()
    {
        var (status, _, text) = await WithHostAsync(Build(_ => { }, archive: true), c => GetAsync(c, "api/ui/capabilities"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"archiveStorage":true,"metricsStorage":false,"searchWithoutServiceName":true,"filter":true}""", text);
    }
}
