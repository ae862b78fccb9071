using Jaeger.Configuration;

namespace Jaeger.Query;

/// <summary>
/// The MCP (Model Context Protocol) endpoint of the query role (section <c>Jaeger:Query:Mcp</c>): <c>{BasePath}/api/ai/mcp</c>
/// on the role's own HTTP listener, over Streamable HTTP, offering the tools of Jaeger's MCP extension. Off by default.
/// Every answer is bounded by the limits below; an answer cut at a limit says so (<c>"truncated": true</c>).
/// </summary>
public sealed class JaegerQueryMcpOptions
{
    /// <summary>Serves the MCP endpoint on the query role's HTTP listener (<see cref="JaegerQueryOptions.HttpListenAddress"/>).</summary>
    public bool Enabled { get; set; }

    /// <summary>The most traces one <c>search_traces</c> call returns; a larger <c>search_depth</c> is lowered to it (Jaeger's <c>max_search_results</c>).</summary>
    [Between(1, 10_000)]
    public int MaxSearchResults { get; set; } = 100;

    /// <summary>The most spans one <c>get_span_details</c> call may ask for, and the most error spans <c>get_trace_errors</c> details (Jaeger's <c>max_span_details_per_request</c>).</summary>
    [Between(1, 1_000)]
    public int MaxSpanDetails { get; set; } = 20;

    /// <summary>The most spans <c>get_trace_topology</c> lists and the most segments <c>get_critical_path</c> lists.</summary>
    [Between(1, 1_000_000)]
    public int MaxSpans { get; set; } = 1_000;

    /// <summary>The most entries <c>get_services</c>, <c>get_span_names</c> and <c>get_service_dependencies</c> list; a larger <c>limit</c> is lowered to it.</summary>
    [Between(1, 1_000_000)]
    public int MaxListItems { get; set; } = 1_000;

    /// <summary>The most characters of one name or attribute value in an answer; a longer one is cut and ends with <c>…[truncated]</c>.</summary>
    [Between(16, 1_048_576)]
    public int MaxValueLength { get; set; } = 1_024;
}
