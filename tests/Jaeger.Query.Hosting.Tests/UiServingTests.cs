using System.Net;

namespace Jaeger.Query.Hosting.Tests;

[Collection(QueryCollection.Name)]
public sealed class UiServingTests(QueryFixture fixture)
{
    [Theory]
    [InlineData("")]
    [InlineData("search?service=frontend&lookback=1h")]
    [InlineData("trace/00000000000abc01")]
    [InlineData("dependencies")]
    [InlineData("compare?a=1&b=2")]
    public async Task Deep_links_serve_index_html_with_a_strict_content_security_policy(string path)
    {
        using var response = await fixture.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<base href=\"/\"", html, StringComparison.Ordinal);
        Assert.Contains("<script type=\"module\" src=\"static/app.js\"></script>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("static/app.js", "text/javascript")]
    [InlineData("static/search.js", "text/javascript")]
    [InlineData("static/trace.js", "text/javascript")]
    [InlineData("static/style.css", "text/css")]
    [InlineData("static/logo.svg", "image/svg+xml")]
    public async Task Embedded_static_files_are_served_with_their_type(string path, string type)
    {
        using var response = await fixture.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100);
    }

    [Fact]
    public async Task Unknown_static_file_is_404()
    {
        using var response = await fixture.Client.GetAsync("static/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void No_ui_script_assigns_inner_html()
    {
        foreach (var name in Jaeger.Query.Ui.UiFiles.FileNames.Where(n => n.EndsWith(".js", StringComparison.Ordinal)))
        {
            using var stream = typeof(Jaeger.Query.Ui.UiFiles).Assembly.GetManifestResourceStream("ui/" + name)!;
            var text = new StreamReader(stream).ReadToEnd();
            Assert.DoesNotContain(".innerHTML", text, StringComparison.Ordinal);
            Assert.DoesNotContain("outerHTML", text, StringComparison.Ordinal);
            Assert.DoesNotContain("insertAdjacentHTML", text, StringComparison.Ordinal);
            Assert.DoesNotContain("eval(", text, StringComparison.Ordinal);
        }
    }
}
