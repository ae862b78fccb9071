using System.Buffers;
using System.Text.Json;
using Jaeger.Model;
using Jaeger.Storage.Elasticsearch.Documents;
using Jaeger.Storage.Elasticsearch.Indices;

namespace Jaeger.Storage.Elasticsearch.Reading;

/// <summary>
/// Jaeger's Elasticsearch reader, with its known traps fixed: services and operations from the service index (terms
/// aggregations), trace ids from a bool query over span documents (service, operation, duration, start-time window
/// and, per tag, a should over <c>tag.*</c>, <c>process.tag.*</c> and the nested <c>tags</c>, <c>process.tags</c>
/// and <c>logs.fields</c>), aggregated by <c>traceID</c>; then whole traces by id.
/// </summary>
/// <remarks>
/// Differences from Jaeger: tag values are matched exactly (term), not as regular expressions; the start-time
/// window is exact to the microsecond (<c>startTime</c> beside <c>startTimeMillis</c>); traces are ordered by their
/// true start (the earliest span of the whole trace, found by a second aggregation) instead of the latest matching
/// span; a trace is read whole with <c>search_after</c> paging on (startTime, spanID), never capped at 10 000 spans.
/// </remarks>
internal sealed class ElasticsearchSpanReader : ISpanReader
{
    private readonly SearchClient _client;
    private readonly IndexNames _names;
    private readonly SpanDocument _document;
    private readonly TagsAsFields _tagsAsFields;
    private readonly ElasticsearchStorageOptions _options;
    private readonly TimeProvider _time;

    public ElasticsearchSpanReader(SearchClient client, IndexNames names, SpanDocument document, TagsAsFields tagsAsFields, ElasticsearchStorageOptions options, TimeProvider time)
    {
        _client = client;
        _names = names;
        _document = document;
        _tagsAsFields = tagsAsFields;
        _options = options;
        _time = time;
    }

    /// <summary>Searches without a service name, tags with duration, process tags, log fields and binary tags (as hex text).</summary>
    public SearchCapabilities Capabilities =>
        SearchCapabilities.SearchWithoutServiceName | SearchCapabilities.TagsWithDuration | SearchCapabilities.ProcessTags |
        SearchCapabilities.LogFields | SearchCapabilities.BinaryTags;

    public async ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default)
    {
        var (indices, field) = ServiceSource();
        var body = SearchClient.Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("size", 0);
            w.WriteStartObject("aggregations");
            WriteTermsAggregation(w, "distinct_services", field, _options.MaxDocCount);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        var names = await AggregationKeysAsync(indices, body, "distinct_services", cancellationToken).ConfigureAwait(false);
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public async ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(query.ServiceName, nameof(query));
        if (!string.IsNullOrEmpty(query.SpanKind))
        {
            return await GetOperationsOfKindAsync(query.ServiceName, query.SpanKind, cancellationToken).ConfigureAwait(false);
        }

        var (indices, serviceField) = ServiceSource();
        var body = SearchClient.Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("size", 0);
            w.WriteStartObject("query");
            w.WriteStartObject("term");
            w.WriteString(serviceField, query.ServiceName);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("aggregations");
            WriteTermsAggregation(w, "distinct_operations", "operationName", _options.MaxDocCount);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        var names = await AggregationKeysAsync(indices, body, "distinct_operations", cancellationToken).ConfigureAwait(false);
        names.Sort(StringComparer.Ordinal);
        return [.. names.Select(n => new Operation(n))];
    }

    // Service documents carry no span kind (Jaeger ignores the filter and lists every operation). Asked for one kind,
    // the operations come from the span documents of the same window whose span.kind tag has that value.
    private async Task<IReadOnlyList<Operation>> GetOperationsOfKindAsync(string service, string kind, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        IReadOnlyList<string> indices = _names.Archive ? [_names.AllForRead(IndexKind.Span)] : _names.ForRange(IndexKind.Span, now - _options.MaxSpanAge, now);
        var body = SearchClient.Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("size", 0);
            w.WriteStartObject("query");
            w.WriteStartObject("bool");
            w.WriteStartArray("filter");
            Term(w, "process.serviceName", service);
            w.WriteStartObject();
            w.WriteStartObject("bool");
            w.WriteStartArray("should");
            Term(w, "tag." + _tagsAsFields.FieldName("span.kind"), kind);
            NestedKeyValue(w, "tags", "span.kind", kind);
            w.WriteEndArray();
            w.WriteNumber("minimum_should_match", 1);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("aggregations");
            WriteTermsAggregation(w, "distinct_operations", "operationName", _options.MaxDocCount);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        var names = await AggregationKeysAsync(indices, body, "distinct_operations", cancellationToken).ConfigureAwait(false);
        names.Sort(StringComparer.Ordinal);
        return [.. names.Select(n => new Operation(n, kind))];
    }

    public async ValueTask<Trace?> GetTraceAsync(TraceGetParameters query, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> indices = query.StartTime is { } start
            ? _names.ForRange(IndexKind.Span, start.AddHours(-1), (query.EndTime ?? _time.GetUtcNow()).AddHours(1))
            : [_names.AllForRead(IndexKind.Span)];
        var spans = await ReadTraceAsync(query.TraceId, indices, cancellationToken).ConfigureAwait(false);
        return spans.Count == 0 ? null : new Trace(spans);
    }

    public async ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
    {
        var ids = await FindTraceIdsAsync(query, cancellationToken).ConfigureAwait(false);
        return await ReadTracesAsync(ids, [_names.AllForRead(IndexKind.Span)], cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default) =>
        this.SummarizeFoundTracesAsync(query, cancellationToken);

    public async ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        SearchCapabilityCheck.ThrowIfUnsupported(query, Capabilities);
        IReadOnlyList<string> indices = query.StartTimeMin is { } min && query.StartTimeMax is { } max
            ? _names.ForRange(IndexKind.Span, min, max)
            : [_names.AllForRead(IndexKind.Span)];

        // 1. The traces with a matching span, newest matching span first (Jaeger's aggregation).
        var candidates = await TraceIdAggregationAsync(indices, BuildFindQuery(query), "max", _options.MaxCandidateTraces, cancellationToken).ConfigureAwait(false);
        if (candidates.Count == 0)
        {
            return [];
        }

        // 2. Their true starts: the earliest span of each whole trace, wherever it is stored.
        var starts = await TraceIdAggregationAsync(
            [_names.AllForRead(IndexKind.Span)],
            w =>
            {
                w.WriteStartObject("terms");
                w.WriteStartArray("traceID");
                foreach (var (id, _) in candidates)
                {
                    w.WriteStringValue(id.ToString());
                }

                w.WriteEndArray();
                w.WriteEndObject();
            },
            "min",
            candidates.Count,
            cancellationToken).ConfigureAwait(false);
        var startOf = new Dictionary<TraceId, long>(starts.Count);
        foreach (var (id, start) in starts)
        {
            startOf[id] = start;
        }

        return [.. candidates
            .Select(c => (c.Id, Start: startOf.TryGetValue(c.Id, out var s) ? s : c.Start))
            .OrderByDescending(c => c.Start)
            .ThenBy(c => c.Id)
            .Take(query.Limit)
            .Select(c => c.Id)];
    }

    /// <summary>The query of a search, as one bool of filters on one span document.</summary>
    internal Action<Utf8JsonWriter> BuildFindQuery(TraceQueryParameters query) => w =>
    {
        w.WriteStartObject("bool");
        w.WriteStartArray("filter");
        if (query.DurationMin is not null || query.DurationMax is not null)
        {
            WriteRange(w, "duration", query.DurationMin is { } dmin ? Time.ToMicros(dmin) : null, query.DurationMax is { } dmax ? Time.ToMicros(dmax) : null);
        }

        if (query.StartTimeMin is not null || query.StartTimeMax is not null)
        {
            // startTimeMillis (a date) lets Elasticsearch skip shards; startTime (µs) makes the bounds exact.
            long? min = query.StartTimeMin is { } from ? Time.ToUnixMicros(from) : null;
            long? max = query.StartTimeMax is { } to ? Time.ToUnixMicros(to) : null;
            WriteRange(w, "startTimeMillis", min / 1000, max / 1000);
            WriteRange(w, "startTime", min, max);
        }

        if (!string.IsNullOrEmpty(query.ServiceName))
        {
            Term(w, "process.serviceName", query.ServiceName);
        }

        if (!string.IsNullOrEmpty(query.OperationName))
        {
            Term(w, "operationName", query.OperationName);
        }

        foreach (var (key, value) in query.Tags)
        {
            w.WriteStartObject();
            w.WriteStartObject("bool");
            w.WriteStartArray("should");
            var field = _tagsAsFields.FieldName(key);
            Term(w, "tag." + field, value);
            Term(w, "process.tag." + field, value);
            NestedKeyValue(w, "tags", key, value);
            NestedKeyValue(w, "process.tags", key, value);
            NestedKeyValue(w, "logs.fields", key, value);
            w.WriteEndArray();
            w.WriteNumber("minimum_should_match", 1);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    };

    private async Task<List<(TraceId Id, long Start)>> TraceIdAggregationAsync(IReadOnlyList<string> indices, Action<Utf8JsonWriter> query, string metric, int size, CancellationToken cancellationToken)
    {
        var body = SearchClient.Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("size", 0);
            w.WriteStartObject("query");
            query(w);
            w.WriteEndObject();
            w.WriteStartObject("aggregations");
            w.WriteStartObject("traceIDs");
            w.WriteStartObject("terms");
            w.WriteString("field", "traceID");
            w.WriteNumber("size", size);
            w.WriteStartArray("order");
            w.WriteStartObject();
            w.WriteString("startTime", "desc");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("aggregations");
            w.WriteStartObject("startTime");
            w.WriteStartObject(metric);
            w.WriteString("field", "startTime");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        });
        using var doc = await _client.SendJsonAsync(HttpMethod.POST, SearchClient.SearchPath(indices), body, cancellationToken).ConfigureAwait(false);
        var result = new List<(TraceId, long)>();
        var seen = new HashSet<TraceId>();
        if (doc is null || !doc.RootElement.TryGetProperty("aggregations", out var aggs) || !aggs.TryGetProperty("traceIDs", out var agg))
        {
            return result;
        }

        foreach (var bucket in agg.GetProperty("buckets").EnumerateArray())
        {
            var key = bucket.GetProperty("key").GetString();
            if (!TraceId.TryParse(key, out var id))
            {
                throw new StorageException("bad_document", $"'{key}' is not a trace id.", isTransient: false);
            }

            var value = bucket.TryGetProperty("startTime", out var st) && st.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Number ? (long)v.GetDouble() : 0;
            if (seen.Add(id))
            {
                result.Add((id, value));
            }
        }

        return result;
    }

    /// <summary>Every span of a trace, page by page (search_after on startTime and spanID).</summary>
    private async Task<List<Span>> ReadTraceAsync(TraceId traceId, IReadOnlyList<string> indices, CancellationToken cancellationToken)
    {
        var page = new TracePage(traceId);
        await ReadRestAsync(page, indices, cancellationToken).ConfigureAwait(false);
        return page.Spans;
    }

    /// <summary>
    /// Several traces, as Jaeger's multiRead: the first page of every trace in one <c>_msearch</c>, then the traces with
    /// more spans page by page. Traces come back in the order of <paramref name="traceIds"/>; unknown ones are left out.
    /// </summary>
    private async Task<List<Trace>> ReadTracesAsync(IReadOnlyList<TraceId> traceIds, IReadOnlyList<string> indices, CancellationToken cancellationToken)
    {
        var pages = traceIds.Select(id => new TracePage(id)).ToList();
        if (pages.Count == 0)
        {
            return [];
        }

        var buffer = new ArrayBufferWriter<byte>();
        foreach (var page in pages)
        {
            buffer.Write(SearchClient.Json(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("index");
                foreach (var index in indices)
                {
                    foreach (var part in index.Split(','))
                    {
                        w.WriteStringValue(part);
                    }
                }

                w.WriteEndArray();
                w.WriteBoolean("ignore_unavailable", true);
                w.WriteBoolean("allow_no_indices", true);
                w.WriteEndObject();
            }));
            buffer.Write("\n"u8);
            buffer.Write(TraceSearchBody(page));
            buffer.Write("\n"u8);
        }

        using (var doc = await _client.SendJsonAsync(HttpMethod.POST, "/_msearch", buffer.WrittenSpan.ToArray(), cancellationToken, "application/x-ndjson").ConfigureAwait(false))
        {
            var responses = doc?.RootElement.GetProperty("responses");
            if (responses is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() != pages.Count)
            {
                throw new StorageException("bad_response", $"_msearch answered {(responses?.ValueKind == JsonValueKind.Array ? responses.Value.GetArrayLength() : 0)} responses for {pages.Count} searches.", isTransient: false);
            }

            var i = 0;
            foreach (var response in array.EnumerateArray())
            {
                var page = pages[i++];
                if (response.TryGetProperty("error", out var error))
                {
                    var (type, reason) = (error.TryGetProperty("type", out var t) ? t.GetString() : null, error.TryGetProperty("reason", out var r) ? r.GetString() : null);
                    if (type == "index_not_found_exception")
                    {
                        page.Done = true;
                        continue;
                    }

                    throw new StorageException(type ?? "search_failed", $"Reading trace {page.TraceId} failed: {type}: {reason}", isTransient: response.TryGetProperty("status", out var st) && st.GetInt32() is 429 or >= 500);
                }

                SearchClient.ThrowOnShardFailures(response, $"Reading trace {page.TraceId}");
                AddHits(page, response);
            }
        }

        var traces = new List<Trace>(pages.Count);
        foreach (var page in pages)
        {
            await ReadRestAsync(page, indices, cancellationToken).ConfigureAwait(false);
            if (page.Spans.Count > 0)
            {
                traces.Add(new Trace(page.Spans));
            }
        }

        return traces;
    }

    private async Task ReadRestAsync(TracePage page, IReadOnlyList<string> indices, CancellationToken cancellationToken)
    {
        var path = SearchClient.SearchPath(indices);
        while (!page.Done)
        {
            using var doc = await _client.SendJsonAsync(HttpMethod.POST, path, TraceSearchBody(page), cancellationToken).ConfigureAwait(false);
            if (doc is null)
            {
                return;
            }

            AddHits(page, doc.RootElement);
        }
    }

    private byte[] TraceSearchBody(TracePage page) => SearchClient.Json(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("size", _options.MaxDocCount);
        w.WriteStartObject("query");
        w.WriteStartObject("bool");
        w.WriteStartArray("filter");
        WriteTraceIdQuery(w, page.TraceId);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartArray("sort");
        w.WriteStartObject();
        w.WriteString("startTime", "asc");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("spanID", "asc");
        w.WriteEndObject();
        w.WriteEndArray();
        if (page.AfterTime is { } t)
        {
            w.WriteStartArray("search_after");
            w.WriteNumberValue(t);
            w.WriteStringValue(page.AfterSpan);
            w.WriteEndArray();
        }

        w.WriteEndObject();
    });

    // Adds one page of hits; the trace is done when the page is not full.
    private void AddHits(TracePage page, JsonElement response)
    {
        var count = 0;
        foreach (var hit in response.GetProperty("hits").GetProperty("hits").EnumerateArray())
        {
            count++;
            Span span;
            try
            {
                span = _document.Read(hit.GetProperty("_source"));
            }
            catch (FormatException ex)
            {
                throw new StorageException("bad_document", $"Span document {hit.GetProperty("_id")} of trace {page.TraceId} cannot be read: {ex.Message}", isTransient: false, ex);
            }

            page.Spans.Add(span);
            if (hit.TryGetProperty("sort", out var sort) && sort.GetArrayLength() == 2)
            {
                page.AfterTime = sort[0].GetInt64();
                page.AfterSpan = sort[1].GetString();
            }
            else
            {
                page.AfterTime = span.StartTimeMicros;
                page.AfterSpan = span.SpanId.ToString();
            }
        }

        page.Done = count < _options.MaxDocCount;
    }

    /// <summary>Jaeger's trace-id query: the id as written, and its unpadded pre-1.16 form when it starts with 0.</summary>
    internal static void WriteTraceIdQuery(Utf8JsonWriter w, TraceId traceId)
    {
        var text = traceId.ToString();
        if (text[0] != '0')
        {
            Term(w, "traceID", text);
            return;
        }

        var legacy = traceId.High == 0
            ? traceId.Low.ToString("x", System.Globalization.CultureInfo.InvariantCulture)
            : traceId.High.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + traceId.Low.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        w.WriteStartObject();
        w.WriteStartObject("terms");
        w.WriteStartArray("traceID");
        w.WriteStringValue(text);
        w.WriteStringValue(legacy);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private (IReadOnlyList<string> Indices, string ServiceField) ServiceSource()
    {
        if (_names.Archive)
        {
            // The archive holds no service documents: its services come from the span documents.
            return ([_names.AllForRead(IndexKind.Span)], "process.serviceName");
        }

        var now = _time.GetUtcNow();
        return (_names.ForRange(IndexKind.Service, now - _options.MaxSpanAge, now), "serviceName");
    }

    private async Task<List<string>> AggregationKeysAsync(IReadOnlyList<string> indices, byte[] body, string name, CancellationToken cancellationToken)
    {
        using var doc = await _client.SendJsonAsync(HttpMethod.POST, SearchClient.SearchPath(indices), body, cancellationToken).ConfigureAwait(false);
        var keys = new List<string>();
        if (doc is null || !doc.RootElement.TryGetProperty("aggregations", out var aggs) || !aggs.TryGetProperty(name, out var agg))
        {
            return keys;
        }

        foreach (var bucket in agg.GetProperty("buckets").EnumerateArray())
        {
            var key = bucket.GetProperty("key");
            keys.Add(key.ValueKind == JsonValueKind.String ? key.GetString()! : throw new StorageException("bad_aggregation", $"A non-string key in aggregation {name}.", isTransient: false));
        }

        return keys;
    }

    private sealed class TracePage(TraceId traceId)
    {
        public TraceId TraceId { get; } = traceId;

        public List<Span> Spans { get; } = [];

        public long? AfterTime { get; set; }

        public string? AfterSpan { get; set; }

        public bool Done { get; set; }
    }

    private static void WriteTermsAggregation(Utf8JsonWriter w, string name, string field, int size)
    {
        w.WriteStartObject(name);
        w.WriteStartObject("terms");
        w.WriteString("field", field);
        w.WriteNumber("size", size);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Term(Utf8JsonWriter w, string field, string value)
    {
        w.WriteStartObject();
        w.WriteStartObject("term");
        w.WriteString(field, value);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void NestedKeyValue(Utf8JsonWriter w, string path, string key, string value)
    {
        w.WriteStartObject();
        w.WriteStartObject("nested");
        w.WriteString("path", path);
        w.WriteStartObject("query");
        w.WriteStartObject("bool");
        w.WriteStartArray("filter");
        Term(w, path + ".key", key);
        Term(w, path + ".value", value);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>One <c>{"range":{field:{"gte":..,"lte":..}}}</c> filter; a null bound is left out.</summary>
    private static void WriteRange(Utf8JsonWriter w, string field, long? gte, long? lte)
    {
        w.WriteStartObject();
        w.WriteStartObject("range");
        w.WriteStartObject(field);
        if (gte is { } low)
        {
            w.WriteNumber("gte", low);
        }

        if (lte is { } high)
        {
            w.WriteNumber("lte", high);
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
