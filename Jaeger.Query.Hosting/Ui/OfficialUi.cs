using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jaeger.Query.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Jaeger.Query.Ui;

/// <summary>
/// A user-supplied build of the official Jaeger UI (<see cref="JaegerQueryOptions.UiAssetsPath"/>), served as Jaeger's
/// query service serves its own: <c>/static/*</c> from the folder, every other path the rewritten index.html. The
/// rewrite fills the placeholders the official index.html carries: <c>JAEGER_CONFIG</c> from
/// <see cref="JaegerQueryOptions.UiConfigPath"/>, <c>JAEGER_VERSION</c>, <c>JAEGER_BACKEND_CAPABILITIES</c> (and the
/// older <c>JAEGER_STORAGE_CAPABILITIES</c>) from what is really configured, and the base path in <c>&lt;base href&gt;</c>.
/// </summary>
internal sealed partial class OfficialUi
{
    private const string Section = JaegerQueryOptions.SectionName;

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private readonly PhysicalFileProvider _files;
    private readonly QueryHandler _handler;
    private readonly string _index;

    private OfficialUi(string assetsPath, string? configPath, string basePath, QueryHandler handler)
    {
        if (!TryReadIndex(assetsPath, out var index, out var error) || !TryLoadConfig(configPath, out var config, out error))
        {
            throw new InvalidOperationException(error);
        }

        // Replacements go through evaluators, so a '$' in the configuration is copied, not read as a substitution.
        if (config is { IsScript: true })
        {
            index = ConfigScriptPattern().Replace(index, _ => config.Text, 1);
        }
        else if (config is not null)
        {
            index = ConfigPattern().Replace(index, _ => "JAEGER_CONFIG = " + config.Text + ";");
        }

        index = VersionPattern().Replace(index, _ => "JAEGER_VERSION = " + VersionJson() + ";");
        if (basePath != "/")
        {
            index = index.Replace("<base href=\"/\"", "<base href=\"" + System.Net.WebUtility.HtmlEncode(basePath) + "/\"", StringComparison.Ordinal);
        }

        _index = index;
        _files = new PhysicalFileProvider(Path.GetFullPath(assetsPath));
        _handler = handler;
    }

    /// <summary>Maps the official UI's routes; call after the API routes, whose literal prefixes take precedence.</summary>
    public static void Map(IEndpointRouteBuilder group, string basePath, QueryHandler handler)
    {
        var ui = new OfficialUi(handler.Options.UiAssetsPath!, handler.Options.UiConfigPath, basePath, handler);
        group.MapGet("/static/{**file}", context => ui.ServeFileAsync(context, "static/" + (context.Request.RouteValues["file"] as string ?? string.Empty), orIndex: false));
        group.MapGet("/{**path}", context => ui.ServeFileAsync(context, context.Request.RouteValues["path"] as string ?? string.Empty, orIndex: true));
    }

    /// <summary>Start-time checks: the folder has an index.html, and the configuration file reads and parses.</summary>
    public static void Validate(JaegerQueryOptions options, List<string> failures)
    {
        if (!string.IsNullOrEmpty(options.UiAssetsPath) && !TryReadIndex(options.UiAssetsPath, out _, out var error))
        {
            failures.Add(error);
        }

        if (!string.IsNullOrEmpty(options.UiConfigPath))
        {
            if (string.IsNullOrEmpty(options.UiAssetsPath))
            {
                failures.Add($"{Section}:{nameof(options.UiConfigPath)} configures the official Jaeger UI and needs {Section}:{nameof(options.UiAssetsPath)}; the built-in UI takes no configuration file.");
            }
            else if (!TryLoadConfig(options.UiConfigPath, out _, out error))
            {
                failures.Add(error);
            }
        }
    }

    private async Task ServeFileAsync(HttpContext context, string path, bool orIndex)
    {
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        if (path.Length > 0 && path != "index.html")
        {
            // The provider refuses rooted paths, paths that climb above the folder, and hidden or dot files.
            var file = _files.GetFileInfo(path);
            if (file is { Exists: true, IsDirectory: false })
            {
                response.ContentType = ContentTypes.TryGetContentType(file.Name, out var type) ? type : "application/octet-stream";
                response.ContentLength = file.Length;
                await response.SendFileAsync(file, context.RequestAborted).ConfigureAwait(false);
                return;
            }
        }

        if (!orIndex)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var capabilities = BackendCapabilities.Of(_handler);
        var html = BackendCapabilitiesPattern().Replace(_index, _ => "JAEGER_BACKEND_CAPABILITIES = " + capabilities.ToJson() + ";");
        html = StorageCapabilitiesPattern().Replace(html, _ => "JAEGER_STORAGE_CAPABILITIES = {\"archiveStorage\":" + (capabilities.ArchiveStorage ? "true" : "false") + "};");
        var bytes = Encoding.UTF8.GetBytes(html);
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static bool TryReadIndex(string assetsPath, out string index, out string error)
    {
        index = string.Empty;
        var key = $"{Section}:{nameof(JaegerQueryOptions.UiAssetsPath)}";
        var file = Path.Combine(assetsPath, "index.html");
        if (!Directory.Exists(assetsPath))
        {
            error = $"{key}: the folder '{assetsPath}' does not exist.";
            return false;
        }

        try
        {
            index = File.ReadAllText(file, Encoding.UTF8);
            error = string.Empty;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{key}: cannot read '{file}' (a build of the official Jaeger UI has an index.html): {e.Message}";
            return false;
        }
    }

    private sealed record UiConfig(string Text, bool IsScript);

    private static bool TryLoadConfig(string? path, out UiConfig? config, out string error)
    {
        config = null;
        error = string.Empty;
        if (string.IsNullOrEmpty(path))
        {
            return true;
        }

        var key = $"{Section}:{nameof(JaegerQueryOptions.UiConfigPath)}";
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".json" or ".js"))
        {
            error = $"{key}: '{path}' is neither a .json nor a .js file.";
            return false;
        }

        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{key}: cannot read '{path}': {e.Message}";
            return false;
        }

        if (extension == ".js")
        {
            text = text.Trim();
            if (!UiConfigFunction().IsMatch(text))
            {
                error = $"{key}: '{path}' must define function UIConfig().";
                return false;
            }

            config = new UiConfig(text, IsScript: true);
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = $"{key}: '{path}' must hold a JSON object, not {document.RootElement.ValueKind}.";
                return false;
            }

            // Written again with the default encoder, which escapes '<', '>' and '&': the object lands inside a <script>.
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(text.Length);
            using (var w = new Utf8JsonWriter(buffer))
            {
                document.RootElement.WriteTo(w);
            }

            config = new UiConfig(Encoding.UTF8.GetString(buffer.WrittenSpan), IsScript: false);
            return true;
        }
        catch (JsonException e)
        {
            error = $"{key}: cannot parse '{path}': {e.Message}";
            return false;
        }
    }

    private static string VersionJson()
    {
        var informational = typeof(OfficialUi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? string.Empty;
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("gitCommit", plus >= 0 ? informational[(plus + 1)..] : string.Empty);
            w.WriteString("gitVersion", plus >= 0 ? informational[..plus] : informational);
            w.WriteString("buildDate", string.Empty);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [GeneratedRegex("JAEGER_CONFIG *= *DEFAULT_CONFIG;")]
    private static partial Regex ConfigPattern();

    [GeneratedRegex(@"^\s*//\s*JAEGER_CONFIG_JS.*\n.*", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex ConfigScriptPattern();

    [GeneratedRegex("JAEGER_VERSION *= *DEFAULT_VERSION;")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("JAEGER_BACKEND_CAPABILITIES *= *DEFAULT_BACKEND_CAPABILITIES;")]
    private static partial Regex BackendCapabilitiesPattern();

    [GeneratedRegex("JAEGER_STORAGE_CAPABILITIES *= *DEFAULT_STORAGE_CAPABILITIES;")]
    private static partial Regex StorageCapabilitiesPattern();

    [GeneratedRegex(@"function\s+UIConfig(\s)?\(\s?\)(\s)?{")]
    private static partial Regex UiConfigFunction();
}
