using Jaeger.Configuration;
using Microsoft.Extensions.Options;

namespace Jaeger.Query;

/// <summary>
/// Options of the query role (configuration section <c>Jaeger:Query</c>), with Jaeger's defaults. Checked when the host
/// starts; every message names the configuration key (<c>Jaeger:Query:BasePath</c>).
/// </summary>
public sealed class JaegerQueryOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Jaeger:Query";

    /// <summary>
    /// Where the HTTP API and the web UI listen (Jaeger's <c>--query.http-server.host-port</c>); port 0 binds a free port.
    /// Null or "" runs no listener of its own (for an app that only uses <c>MapJaegerQuery()</c>).
    /// </summary>
    public string? HttpListenAddress { get; set; } = ":16686";

    /// <summary>Where the gRPC api_v2 QueryService listens (Jaeger's <c>--query.grpc-server.host-port</c>); null or "" turns it off.</summary>
    public string? GrpcListenAddress { get; set; } = ":16685";

    /// <summary>The path under which the API and UI are served (Jaeger's <c>--query.base-path</c>): "/" or "/jaeger" (starts with "/", no trailing "/").</summary>
    public string BasePath { get; set; } = "/";

    /// <summary>How far back a trace search looks when the request gives neither <c>start</c> nor <c>lookback</c> (Jaeger: 2 days).</summary>
    [PositiveDuration]
    public TimeSpan DefaultLookback { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How far back <c>/api/dependencies</c> looks when the request has no <c>lookback</c> (Jaeger: 24 hours).</summary>
    [PositiveDuration]
    public TimeSpan DefaultDependenciesLookback { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The number of traces a search returns when the request has no <c>limit</c> (Jaeger: 100).</summary>
    [Between(1, int.MaxValue)]
    public int DefaultLimit { get; set; } = 100;

    /// <summary>The most traces one search may return; larger <c>limit</c> values are lowered to it (the Jaeger UI's own maximum is 1500).</summary>
    [Between(1, int.MaxValue)]
    public int MaxLimit { get; set; } = 1500;

    /// <summary>Whether spans of one host that lie outside their parent from another host are shifted into it (Jaeger's clock-skew adjuster).</summary>
    public bool AdjustClockSkew { get; set; } = true;

    /// <summary>The largest shift the clock-skew adjuster applies; a larger computed shift is skipped with a warning (Jaeger's default: 1 second).</summary>
    [NotNegativeDuration]
    public TimeSpan MaxClockSkewAdjustment { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether the web UI is served (the API always is).</summary>
    public bool EnableUi { get; set; } = true;

    /// <summary>The largest OTLP JSON file <c>POST /api/transform</c> accepts, in bytes (the UI's "open a file"); larger is a 413.</summary>
    [Between(1, 1024 * 1024 * 1024)]
    public int MaxTransformBodyBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// A folder holding a build of the official Jaeger UI (Jaeger's <c>--query.static-files</c>), served instead of the
    /// built-in UI, with its <c>index.html</c> rewritten as Jaeger's query service does. Null or "" serves the built-in UI.
    /// </summary>
    public string? UiAssetsPath { get; set; }

    /// <summary>
    /// The official UI's configuration file (Jaeger's <c>--query.ui-config</c>): a <c>.json</c> file injected as
    /// <c>JAEGER_CONFIG</c>, or a <c>.js</c> file defining <c>function UIConfig()</c>. Used with <see cref="UiAssetsPath"/>.
    /// </summary>
    public string? UiConfigPath { get; set; }

    /// <summary>
    /// The MCP endpoint <c>{BasePath}/api/ai/mcp</c> for AI agents (section <c>Jaeger:Query:Mcp</c>), off by default. It is
    /// served by the role's own HTTP listener, not by <c>MapJaegerQuery()</c>.
    /// </summary>
    [ValidateObjectMembers]
    public JaegerQueryMcpOptions Mcp { get; set; } = new();

    internal static bool IsValidBasePath(string? path) =>
        path is not null && path.StartsWith('/') && (path.Length == 1 || !path.EndsWith('/')) && !path.Contains("//", StringComparison.Ordinal);
}
