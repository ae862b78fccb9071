using System.Collections.Frozen;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Jaeger.Query.Ui;

/// <summary>The web UI: files embedded in the assembly (resource names "ui/..."), index.html for every page route.</summary>
internal sealed class UiFiles
{
    /// <summary>The page routes that answer index.html, so deep links survive a reload.</summary>
    public static readonly string[] Pages = ["/", "/search", "/trace/{id}", "/dependencies", "/compare", "/compare/{a}/{b}", "/file", "/file/{id}", "/monitor"];

    // No inline script or style anywhere: the UI only loads its own files, and trace data is rendered as text.
    internal const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, byte[]> Files = LoadFiles();

    private readonly byte[] _index;

    public UiFiles(string basePath)
    {
        var baseHref = basePath == "/" ? "/" : basePath + "/";
        var html = Encoding.UTF8.GetString(Files["index.html"]);
        _index = Encoding.UTF8.GetBytes(html.Replace("<base href=\"/\"", "<base href=\"" + System.Net.WebUtility.HtmlEncode(baseHref) + "\"", StringComparison.Ordinal));
    }

    public static IEnumerable<string> FileNames => Files.Keys;

    public Task ServeIndexAsync(HttpContext context)
    {
        var response = context.Response;
        SetSecurityHeaders(response);
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.ContentLength = _index.Length;
        return response.Body.WriteAsync(_index, context.RequestAborted).AsTask();
    }

    public Task ServeStaticAsync(HttpContext context)
    {
        var file = context.Request.RouteValues["file"] as string ?? string.Empty;
        var response = context.Response;
        if (!Files.TryGetValue(file, out var bytes) || file == "index.html")
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        SetSecurityHeaders(response);
        response.ContentType = ContentType(file);
        response.Headers.CacheControl = "no-cache";
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    private static void SetSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    };

    private static FrozenDictionary<string, byte[]> LoadFiles()
    {
        var assembly = typeof(UiFiles).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith("ui/", StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            files[name["ui/".Length..]] = memory.ToArray();
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
