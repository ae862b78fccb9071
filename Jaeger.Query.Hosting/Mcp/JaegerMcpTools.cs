using System.Collections.Immutable;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jaeger.Model;
using Jaeger.Query.Api;
using Jaeger.Storage;
using Jaeger.Storage.Filtering;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Jaeger.Query.Mcp;

/// <summary>
/// The tools of Jaeger's MCP extension (names, parameters and answer fields as Jaeger's), over the query handler's
/// storage, archive fallback and adjusters. Every answer is JSON text bounded by <see cref="JaegerQueryMcpOptions"/>:
/// a list stops at its limit with <c>"truncated": true</c> and a count of everything beside it, and a long value is cut
/// and ends with <see cref="TruncationMarker"/>. A bad argument is a tool error (<see cref="McpException"/>) that
/// names the parameter.
/// </summary>
[McpServerToolType]
internal sealed class JaegerMcpTools(QueryHandler handler)
{
    /// <summary>Ends a value cut at <see cref="JaegerQueryMcpOptions.MaxValueLength"/>.</summary>
    internal const string TruncationMarker = "…[truncated]";

    /// <summary>Jaeger's default <c>search_depth</c>.</summary>
    internal const int DefaultSearchDepth = 10;

    /// <summary>Jaeger's default <c>limit</c> of services and span names.</summary>
    internal const int DefaultListLimit = 100;

    // A pattern is the caller's: bound the time a match may take.
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private JaegerQueryMcpOptions Limits => handler.Options.Mcp;

    [McpServerTool(Name = "get_services", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Lists the names of the services that have traces, sorted. Use them as service_name in the other tools.")]
    public async Task<string> GetServices(
        [Description("Optional regex pattern to filter service names")] string? pattern = null,
        [Description("Maximum number of services to return (default: 100)")] int limit = DefaultListLimit,
        CancellationToken cancellationToken = default)
    {
        var regex = ParsePattern(pattern, "pattern");
        var max = Bound(limit, DefaultListLimit, Limits.MaxListItems, "limit");
        var services = await handler.Reader.GetServicesAsync(cancellationToken).ConfigureAwait(false);
        var matching = new List<string>();
        foreach (var service in services)
        {
            if (Matches(regex, service))
            {
                matching.Add(service);
            }
        }

        matching.Sort(StringComparer.Ordinal);
        return Json((matching, max), (w, s) =>
        {
            w.WriteStartArray("services");
            for (var i = 0; i < s.matching.Count && i < s.max; i++)
            {
                w.WriteStringValue(Cut(s.matching[i]));
            }

            w.WriteEndArray();
            WriteTotal(w, s.matching.Count, s.max);
        });
    }

    [McpServerTool(Name = "get_span_names", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Lists the span (operation) names of a service, with their span kinds. Use get_services to discover service names.")]
    public async Task<string> GetSpanNames(
        [Description("Filter by service name (required). Use get_services to discover valid names")] string service_name,
        [Description("Optional regex pattern to filter span names")] string? pattern = null,
        [Description("Optional span kind filter (e.g. SERVER CLIENT PRODUCER CONSUMER INTERNAL)")] string? span_kind = null,
        [Description("Maximum number of span names to return (default: 100)")] int limit = DefaultListLimit,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(service_name))
        {
            throw new McpException("service_name is required; use get_services to discover valid names");
        }

        var kind = ParseSpanKind(span_kind);
        var regex = ParsePattern(pattern, "pattern");
        var max = Bound(limit, DefaultListLimit, Limits.MaxListItems, "limit");
        var operations = await handler.Reader.GetOperationsAsync(new OperationQueryParameters(service_name, kind), cancellationToken).ConfigureAwait(false);
        var matching = new List<Operation>();
        foreach (var operation in operations)
        {
            if (Matches(regex, operation.Name))
            {
                matching.Add(operation);
            }
        }

        return Json((matching, max), (w, s) =>
        {
            w.WriteStartArray("span_names");
            for (var i = 0; i < s.matching.Count && i < s.max; i++)
            {
                w.WriteStartObject();
                w.WriteString("name", Cut(s.matching[i].Name));
                if (s.matching[i].SpanKind.Length > 0)
                {
                    w.WriteString("span_kind", s.matching[i].SpanKind.ToUpperInvariant());
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteTotal(w, s.matching.Count, s.max);
        });
    }

    [McpServerTool(Name = "search_traces", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Finds traces with a span matching every condition and returns short summaries of them (no spans). Follow up with get_trace_topology, get_trace_errors or get_critical_path.")]
    public async Task<string> SearchTraces(
        [Description("Start of time interval (RFC3339 or relative like -1h)")] string start_time_min,
        [Description("End of time interval (RFC3339 or relative like now). Default: now")] string? start_time_max = null,
        [Description("Filter by service name. Use get_services to discover valid names")] string? service_name = null,
        [Description("Filter by operation/span name")] string? operation_name = null,
        [Description("Key-value pairs to match against span/resource attributes")] Dictionary<string, string>? attributes = null,
        [Description("If true only return traces containing error spans")] bool with_errors = false,
        [Description("Minimum duration filter (e.g. 2s 100ms)")] string? duration_min = null,
        [Description("Maximum duration filter (e.g. 10s 1m)")] string? duration_max = null,
        [Description("Maximum search depth (default: 10 max: 100)")] int search_depth = DefaultSearchDepth,
        [Description("Optional filter expression one span must satisfy, e.g. http.status_code >= 500 AND duration > 1s")] string? filter = null,
        CancellationToken cancellationToken = default)
    {
        var now = handler.Time.GetUtcNow();
        var start = ParseTime(start_time_min, now, "start_time_min", required: true);
        var end = ParseTime(start_time_max, now, "start_time_max", required: false);
        if (start > end)
        {
            throw new McpException("start_time_min must not be after start_time_max");
        }

        SpanFilter? parsedFilter = null;
        if (!string.IsNullOrWhiteSpace(filter) && !FilterParameter.TryParse(filter, out parsedFilter, out var filterError))
        {
            throw new McpException($"filter: {filterError}");
        }

        var tags = new Dictionary<string, string>(attributes ?? [], StringComparer.Ordinal);
        if (with_errors)
        {
            tags[WellKnownTags.Error] = "true";
        }

        var depth = Bound(search_depth, DefaultSearchDepth, Math.Min(Limits.MaxSearchResults, handler.Options.MaxLimit), "search_depth");
        var query = new TraceQueryParameters
        {
            ServiceName = string.IsNullOrEmpty(service_name) ? null : service_name,
            OperationName = string.IsNullOrEmpty(operation_name) ? null : operation_name,
            Tags = tags,
            Filter = parsedFilter,
            StartTimeMin = start,
            StartTimeMax = end,
            DurationMin = ParseDuration(duration_min, "duration_min"),
            DurationMax = ParseDuration(duration_max, "duration_max"),
            Limit = depth,
        };

        if (query.ServiceName is null && (handler.Reader.Capabilities & SearchCapabilities.SearchWithoutServiceName) == 0)
        {
            throw new McpException("service_name is required by this storage; use get_services to discover valid names");
        }

        IReadOnlyList<TraceSummary> summaries;
        try
        {
            query.Validate();
            handler.CheckSearch(query);
            summaries = await handler.Reader.FindTraceSummariesAsync(query, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new McpException(e.Message);
        }

        return Json(summaries, (w, summaries) =>
        {
            w.WriteStartArray("traces");
            foreach (var summary in summaries)
            {
                w.WriteStartObject();
                w.WriteString("trace_id", summary.TraceId.ToString());
                w.WriteString("root_service", Cut(summary.RootServiceName));
                w.WriteString("root_operation", Cut(summary.RootOperationName));
                w.WriteString("start_time", Rfc3339(summary.StartTimeMicros));
                w.WriteNumber("duration_us", summary.DurationMicros);
                w.WriteNumber("span_count", summary.SpanCount);
                w.WriteNumber("service_count", summary.Services.Count);
                w.WriteBoolean("has_errors", summary.ErrorSpanCount > 0);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    [McpServerTool(Name = "get_trace_topology", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("The structure of a trace without attributes or events: a flat depth-first list of spans whose path is the slash-separated span ids from the root down to the span.")]
    public async Task<string> GetTraceTopology(
        [Description("Unique identifier for the trace")] string trace_id,
        [Description("Maximum depth of the tree. 0 for full tree")] int depth = 0,
        CancellationToken cancellationToken = default)
    {
        if (depth < 0)
        {
            throw new McpException($"depth must be 0 (the full tree) or more, not {depth}");
        }

        var trace = await GetTraceAsync(trace_id, cancellationToken).ConfigureAwait(false);
        var tree = new TraceTree(trace);
        return Json((trace, tree, depth, max: Limits.MaxSpans), (w, s) =>
        {
            w.WriteString("trace_id", s.trace.TraceId.ToString());
            w.WriteStartArray("spans");

            // Depth-first with an explicit stack: a deep trace cannot exhaust the thread's stack.
            var stack = new Stack<(Span Span, string Path, int Level)>();
            for (var i = s.tree.Roots.Count - 1; i >= 0; i--)
            {
                var root = s.tree.Roots[i];
                var parent = root.ParentSpanId;

                // An orphan's path starts with the parent it names, where it would attach.
                var path = parent.IsEmpty || parent == root.SpanId ? root.SpanId.ToString() : parent + "/" + root.SpanId;
                stack.Push((root, path, 1));
            }

            var listed = 0;
            while (stack.Count > 0 && listed < s.max)
            {
                var (span, path, level) = stack.Pop();
                var children = s.tree.ChildrenOf(span);
                var expand = s.depth == 0 || level < s.depth;
                w.WriteStartObject();
                w.WriteString("path", path);
                w.WriteString("service", Cut(span.Process.ServiceName));
                w.WriteString("span_name", Cut(span.OperationName));
                w.WriteString("start_time", Rfc3339(span.StartTimeMicros));
                w.WriteNumber("duration_us", span.DurationMicros);
                w.WriteString("status", Status(span).Code);
                if (!expand && children.Count > 0)
                {
                    w.WriteNumber("truncated_children", children.Count);
                }

                w.WriteEndObject();
                listed++;
                if (expand)
                {
                    for (var i = children.Count - 1; i >= 0; i--)
                    {
                        stack.Push((children[i], path + "/" + children[i].SpanId, level + 1));
                    }
                }
            }

            w.WriteEndArray();
            w.WriteNumber("total_span_count", s.trace.Spans.Count);
            w.WriteBoolean("truncated", stack.Count > 0);
        });
    }

    [McpServerTool(Name = "get_span_details", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Full details of chosen spans of a trace: attributes, events, links and status.")]
    public async Task<string> GetSpanDetails(
        [Description("Unique identifier for the trace")] string trace_id,
        [Description("List of span IDs to fetch details for. Recommended to limit to 20 spans or fewer")] string[] span_ids,
        CancellationToken cancellationToken = default)
    {
        if (span_ids is null || span_ids.Length == 0)
        {
            throw new McpException("span_ids must list at least one span id");
        }

        if (span_ids.Length > Limits.MaxSpanDetails)
        {
            throw new McpException($"span_ids lists {span_ids.Length} span ids; at most {Limits.MaxSpanDetails} per request");
        }

        var wanted = new HashSet<SpanId>();
        foreach (var text in span_ids)
        {
            if (!SpanId.TryParse(text, out var id) || id.IsEmpty)
            {
                throw new McpException($"span_ids: '{Cut(text ?? string.Empty)}' is not a non-zero hex span id of 1 to 16 digits");
            }

            wanted.Add(id);
        }

        var trace = await GetTraceAsync(trace_id, cancellationToken).ConfigureAwait(false);
        var found = new List<Span>();
        var seen = new HashSet<SpanId>();
        foreach (var span in trace.Spans)
        {
            if (wanted.Contains(span.SpanId))
            {
                found.Add(span);
                seen.Add(span.SpanId);
            }
        }

        return Json((trace, found, missing: wanted.Where(id => !seen.Contains(id)).ToList()), (w, s) =>
        {
            w.WriteString("trace_id", s.trace.TraceId.ToString());
            w.WriteStartArray("spans");
            foreach (var span in s.found)
            {
                WriteSpanDetail(w, span);
            }

            w.WriteEndArray();
            if (s.missing.Count > 0)
            {
                w.WriteStartArray("not_found");
                foreach (var id in s.missing)
                {
                    w.WriteStringValue(id.ToString());
                }

                w.WriteEndArray();
            }
        });
    }

    [McpServerTool(Name = "get_trace_errors", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Full details of the spans of a trace that have an error status. total_error_count says how many there are when the list is cut.")]
    public async Task<string> GetTraceErrors(
        [Description("Unique identifier for the trace")] string trace_id,
        CancellationToken cancellationToken = default)
    {
        var trace = await GetTraceAsync(trace_id, cancellationToken).ConfigureAwait(false);
        var errors = trace.Spans.Where(TraceSummary.IsError).ToList();
        return Json((trace, errors, max: Limits.MaxSpanDetails), (w, s) =>
        {
            w.WriteString("trace_id", s.trace.TraceId.ToString());
            w.WriteNumber("total_error_count", s.errors.Count);
            w.WriteStartArray("spans");
            for (var i = 0; i < s.errors.Count && i < s.max; i++)
            {
                WriteSpanDetail(w, s.errors[i]);
            }

            w.WriteEndArray();
            w.WriteBoolean("truncated", s.errors.Count > s.max);
        });
    }

    [McpServerTool(Name = "get_critical_path", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("The critical path of a trace: the sequence of span segments that determined its end-to-end latency, earliest first. A segment's self_time_us is time spent in that span itself, not waiting for a child.")]
    public async Task<string> GetCriticalPath(
        [Description("Unique identifier for the trace")] string trace_id,
        CancellationToken cancellationToken = default)
    {
        var trace = await GetTraceAsync(trace_id, cancellationToken).ConfigureAwait(false);
        var tree = new TraceTree(trace);
        var sections = tree.CriticalPath();
        return Json((trace, tree, sections, max: Limits.MaxSpans), (w, s) =>
        {
            long pathTotal = 0;
            foreach (var section in s.sections)
            {
                pathTotal += section.EndMicros - section.StartMicros;
            }

            w.WriteString("trace_id", s.trace.TraceId.ToString());
            w.WriteNumber("total_duration_us", s.tree.End - s.tree.Start);
            w.WriteNumber("critical_path_duration_us", pathTotal);
            w.WriteStartArray("segments");
            for (var i = 0; i < s.sections.Count && i < s.max; i++)
            {
                var section = s.sections[i];
                w.WriteStartObject();
                w.WriteString("span_id", section.Span.SpanId.ToString());
                w.WriteString("service", Cut(section.Span.Process.ServiceName));
                w.WriteString("span_name", Cut(section.Span.OperationName));
                w.WriteNumber("self_time_us", section.EndMicros - section.StartMicros);
                w.WriteNumber("start_offset_us", section.StartMicros - s.tree.Start);
                w.WriteNumber("end_offset_us", section.EndMicros - s.tree.Start);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNumber("total_segment_count", s.sections.Count);
            w.WriteBoolean("truncated", s.sections.Count > s.max);
        });
    }

    [McpServerTool(Name = "get_service_dependencies", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("The service dependency graph of a time range: which service calls which, and how many times.")]
    public async Task<string> GetServiceDependencies(
        [Description("Start of time range (RFC3339 or relative like -24h). Default: -24h")] string? start_time = null,
        [Description("End of time range (RFC3339 or relative like now). Default: now")] string? end_time = null,
        CancellationToken cancellationToken = default)
    {
        var now = handler.Time.GetUtcNow();
        var end = ParseTime(end_time, now, "end_time", required: false);
        var start = string.IsNullOrEmpty(start_time) ? end - handler.Options.DefaultDependenciesLookback : ParseTime(start_time, now, "start_time", required: false);
        if (start >= end)
        {
            throw new McpException("start_time must be before end_time");
        }

        var links = await handler.GetSummedDependenciesAsync(end, end - start, string.Empty, cancellationToken).ConfigureAwait(false);
        return Json((links, max: Limits.MaxListItems), (w, s) =>
        {
            w.WriteStartArray("dependencies");
            for (var i = 0; i < s.links.Count && i < s.max; i++)
            {
                w.WriteStartObject();
                w.WriteString("caller", Cut(s.links[i].Parent));
                w.WriteString("callee", Cut(s.links[i].Child));
                w.WriteNumber("call_count", s.links[i].CallCount);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteTotal(w, s.links.Count, s.max);
        });
    }

    /// <summary>The trace as the HTTP API serves it: primary store, else the archive, then the adjusters.</summary>
    private async Task<Trace> GetTraceAsync(string traceId, CancellationToken cancellationToken)
    {
        if (!TraceId.TryParse(traceId, out var id) || id.IsEmpty)
        {
            throw new McpException($"trace_id: '{Cut(traceId ?? string.Empty)}' is not a non-zero hex trace id of 1 to 32 digits");
        }

        var trace = await handler.GetTraceOrArchivedAsync(new TraceGetParameters(id), cancellationToken).ConfigureAwait(false)
            ?? throw new McpException($"trace {id} not found");
        return handler.Adjust(trace, raw: false);
    }

    /// <summary>One span as Jaeger's <c>SpanDetail</c>; attributes, events and links beyond the list limit are counted as dropped.</summary>
    private void WriteSpanDetail(Utf8JsonWriter w, Span span)
    {
        w.WriteStartObject();
        w.WriteString("span_id", span.SpanId.ToString());
        w.WriteString("trace_id", span.TraceId.ToString());
        var parent = span.ParentSpanId;
        if (!parent.IsEmpty)
        {
            w.WriteString("parent_span_id", parent.ToString());
        }

        w.WriteString("service", Cut(span.Process.ServiceName));
        w.WriteString("operation", Cut(span.OperationName));
        w.WriteString("start_time", Rfc3339(span.StartTimeMicros));
        w.WriteNumber("duration_us", span.DurationMicros);
        var (code, message) = Status(span);
        w.WriteStartObject("status");
        w.WriteString("code", code);
        if (message.Length > 0)
        {
            w.WriteString("message", Cut(message));
        }

        w.WriteEndObject();
        WriteAttributes(w, "attributes", "dropped_attributes_count", span.Tags, skip: null);

        var max = Limits.MaxListItems;
        if (span.Logs.Length > 0)
        {
            w.WriteStartArray("events");
            for (var i = 0; i < span.Logs.Length && i < max; i++)
            {
                var log = span.Logs[i];
                w.WriteStartObject();
                w.WriteString("name", Cut(OtlpJson.EventName(log)));
                w.WriteString("timestamp", Rfc3339(log.TimestampMicros));
                WriteAttributes(w, "attributes", "dropped_attributes_count", log.Fields, skip: WellKnownTags.LogEvent);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (span.Logs.Length > max)
            {
                w.WriteNumber("dropped_events_count", span.Logs.Length - max);
            }
        }

        // Links are the references other than the parent (as OTLP has them).
        var links = 0;
        var parentSkipped = false;
        foreach (var reference in span.References)
        {
            if (!parentSkipped && reference.TraceId == span.TraceId && reference.SpanId == parent)
            {
                parentSkipped = true;
                continue;
            }

            if (links == 0)
            {
                w.WriteStartArray("links");
            }

            if (links < max)
            {
                w.WriteStartObject();
                w.WriteString("trace_id", reference.TraceId.ToString());
                w.WriteString("span_id", reference.SpanId.ToString());
                w.WriteEndObject();
            }

            links++;
        }

        if (links > 0)
        {
            w.WriteEndArray();
            if (links > max)
            {
                w.WriteNumber("dropped_links_count", links - max);
            }
        }

        w.WriteEndObject();
    }

    private void WriteAttributes(Utf8JsonWriter w, string name, string droppedName, ImmutableArray<KeyValue> tags, string? skip)
    {
        var max = Limits.MaxListItems;
        var written = 0;
        var dropped = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            if (tag.Key == skip)
            {
                continue;
            }

            var key = Cut(tag.Key);
            if (written >= max || !seen.Add(key))
            {
                // Beyond the limit, or a repeated key that a JSON object cannot hold twice.
                dropped++;
                continue;
            }

            if (written == 0)
            {
                w.WriteStartObject(name);
            }

            written++;
            switch (tag.Type)
            {
                case KeyValueType.Bool:
                    w.WriteBoolean(key, tag.BoolValue);
                    break;
                case KeyValueType.Int64:
                    w.WriteNumber(key, tag.Int64Value);
                    break;
                case KeyValueType.Float64 when double.IsFinite(tag.Float64Value):
                    w.WriteNumber(key, tag.Float64Value);
                    break;
                default:
                    w.WriteString(key, Cut(tag.ValueAsString()));
                    break;
            }
        }

        if (written > 0)
        {
            w.WriteEndObject();
        }

        if (dropped > 0)
        {
            w.WriteNumber(droppedName, dropped);
        }
    }

    /// <summary>The span's OTLP status as Jaeger's tools name it (Unset, Ok, Error) and its message.</summary>
    private static (string Code, string Message) Status(Span span)
    {
        var code = "Unset";
        var message = string.Empty;
        foreach (var tag in span.Tags)
        {
            switch (tag.Key)
            {
                case WellKnownTags.Error when tag.ValueEquals("true"):
                    code = "Error";
                    break;
                case "otel.status_code" when code == "Unset" && tag.ValueEquals("OK"):
                    code = "Ok";
                    break;
                case "otel.status_description":
                    message = tag.ValueAsString();
                    break;
            }
        }

        return (code, message);
    }

    private static void WriteTotal(Utf8JsonWriter w, int total, int max)
    {
        w.WriteNumber("total", total);
        w.WriteBoolean("truncated", total > max);
    }

    private string Cut(string text) =>
        text.Length <= Limits.MaxValueLength ? text : string.Concat(text.AsSpan(0, Limits.MaxValueLength), TruncationMarker);

    private static int Bound(int requested, int fallback, int max, string name)
    {
        if (requested < 0)
        {
            throw new McpException($"{name} must not be negative, not {requested}");
        }

        return Math.Min(requested == 0 ? fallback : requested, max);
    }

    private Regex? ParsePattern(string? pattern, string name)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return null;
        }

        if (pattern.Length > Limits.MaxValueLength)
        {
            throw new McpException($"{name} is longer than {Limits.MaxValueLength} characters");
        }

        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, PatternTimeout);
        }
        catch (ArgumentException e)
        {
            throw new McpException($"{name}: '{pattern}' is not a valid regular expression: {e.Message}");
        }
    }

    private static bool Matches(Regex? regex, string text)
    {
        try
        {
            return regex is null || regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new McpException($"pattern took longer than {PatternTimeout.TotalMilliseconds} ms to match '{text}'; simplify it");
        }
    }

    private static string? ParseSpanKind(string? kind)
    {
        if (string.IsNullOrEmpty(kind))
        {
            return null;
        }

        var lower = kind.ToLowerInvariant();
        return lower is "server" or "client" or "producer" or "consumer" or "internal"
            ? lower
            : throw new McpException($"span_kind must be one of SERVER, CLIENT, PRODUCER, CONSUMER or INTERNAL, not '{kind}'");
    }

    private static string Rfc3339(long micros) =>
        Time.FromUnixMicros(micros).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>RFC3339, "now", or a negative duration before now such as -1h or -2d.</summary>
    private static DateTimeOffset ParseTime(string? text, DateTimeOffset now, string name, bool required)
    {
        if (string.IsNullOrEmpty(text))
        {
            return required ? throw new McpException($"{name} is required (RFC3339 or relative like -1h)") : now;
        }

        if (text == "now")
        {
            return now;
        }

        if (text[0] == '-' && GoDuration.TryParse(text, out var offset, out _, allowDays: true))
        {
            return now + offset;
        }

        if (text.Length <= 64 && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }

        throw new McpException($"{name}: '{text}' is neither RFC3339 nor a relative time such as -1h");
    }

    private static TimeSpan? ParseDuration(string? text, string name)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (!GoDuration.TryParse(text, out var value, out var error))
        {
            throw new McpException($"{name}: {error}");
        }

        return value < TimeSpan.Zero ? throw new McpException($"{name} must not be negative, not '{text}'") : value;
    }

    /// <summary>A JSON object: the tools' answers are text content holding one object.</summary>
    private static string Json<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            write(w, state);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
