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

    /// <summary>Searches without a service name, tags with duration, process tags, log fields, binary tags (as hex text), with an exact limit, and lists operations with their span kinds.</summary>
    public SearchCapabilities Capabilities =>
        SearchCapabilities.SearchWithoutServiceName | SearchCapabilities.TagsWithDuration | SearchCapabilities.ProcessTags |
        SearchCapabilities.LogFields | SearchCapabilities.BinaryTags | SearchCapabilities.ExactLimit | SearchCapabilities.OperationSpanKinds;

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

    /// <summary>The span kinds an operation is listed with: OpenTracing's and OpenTelemetry's values of the <c>span.kind</c> tag.</summary>
    internal static readonly string[] SpanKinds = ["server", "client", "producer", "consumer", "internal"];

    // Service documents carry no span kind (as in Jaeger, whose reader lists every operation without one), so the kinds
    // come from the span documents of the same window: one _msearch with the service document aggregation, one
    // aggregation of operations per kind (spans whose span.kind tag has it), and one of operations of spans without a
    // span.kind tag. An operation only in the service index (its spans gone, or with another span.kind value) is listed
    // without a kind.
    public async ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(query.ServiceName, nameof(query));
        if (!string.IsNullOrEmpty(query.SpanKind))
        {
            var names = await AggregationKeysAsync(SpanIndicesOfMaxSpanAge(), OperationsOfKindBody(query.ServiceName, query.SpanKind), "distinct_operations", cancellationToken).ConfigureAwait(false);
            names.Sort(StringComparer.Ordinal);
            return [.. names.Select(n => new Operation(n, query.SpanKind))];
        }

        var (serviceIndices, serviceField) = ServiceSource();
        var service = query.ServiceName;
        var searches = new List<(IReadOnlyList<string> Indices, byte[] Body)>
        {
            (serviceIndices, SearchClient.Json(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("size", 0);
                w.WriteStartObject("query");
                w.WriteStartObject("term");
                w.WriteString(serviceField, service);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteStartObject("aggregations");
                WriteTermsAggregation(w, "distinct_operations", "operationName", _options.MaxDocCount);
                w.WriteEndObject();
                w.WriteEndObject();
            })),
        };
        var spanIndices = SpanIndicesOfMaxSpanAge();
        foreach (var kind in SpanKinds)
        {
            searches.Add((spanIndices, OperationsOfKindBody(service, kind)));
        }

        searches.Add((spanIndices, OperationsOfKindBody(service, null)));
        var answers = await MultiAggregationKeysAsync(searches, "distinct_operations", cancellationToken).ConfigureAwait(false);

        var operations = new HashSet<Operation>();
        var withKind = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < SpanKinds.Length; i++)
        {
            foreach (var name in answers[i + 1])
            {
                operations.Add(new Operation(name, SpanKinds[i]));
                withKind.Add(name);
            }
        }

        foreach (var name in answers[^1])
        {
            operations.Add(new Operation(name));
        }

        foreach (var name in answers[0])
        {
            if (!withKind.Contains(name))
            {
                operations.Add(new Operation(name));
            }
        }

        return [.. operations.OrderBy(o => o.Name, StringComparer.Ordinal).ThenBy(o => o.SpanKind, StringComparer.Ordinal)];
    }

    private IReadOnlyList<string> SpanIndicesOfMaxSpanAge()
    {
        var now = _time.GetUtcNow();
        return _names.Archive ? [_names.AllForRead(IndexKind.Span)] : _names.ForRange(IndexKind.Span, now - _options.MaxSpanAge, now);
    }

    // The operations of the service's spans whose span.kind tag (nested, or a tags-as-fields field) is `kind`; with a
    // null kind, of its spans without a span.kind tag.
    private byte[] OperationsOfKindBody(string service, string? kind) => SearchClient.Json(w =>
    {
        var field = "tag." + _tagsAsFields.FieldName("span.kind");
        w.WriteStartObject();
        w.WriteNumber("size", 0);
        w.WriteStartObject("query");
        w.WriteStartObject("bool");
        w.WriteStartArray("filter");
        Term(w, "process.serviceName", service);
        if (kind is not null)
        {
            AnyOf(w, w =>
            {
                Term(w, field, kind);
                NestedKeyValue(w, "tags", "span.kind", kind);
            });
        }

        w.WriteEndArray();
        if (kind is null)
        {
            w.WriteStartArray("must_not");
            w.WriteStartObject();
            w.WriteStartObject("exists");
            w.WriteString("field", field);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteStartObject("nested");
            w.WriteString("path", "tags");
            w.WriteStartObject("query");
            w.WriteStartObject("term");
            w.WriteString("tags.key", "span.kind");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("aggregations");
        WriteTermsAggregation(w, "distinct_operations", "operationName", _options.MaxDocCount);
        w.WriteEndObject();
        w.WriteEndObject();
    });

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

    /// <summary>The span fields a summary needs: no tags, logs or process tags are read.</summary>
    private static readonly string[] SummaryFields = ["traceID", "spanID", "parentSpanID", "references", "startTime", "duration", "operationName", "process.serviceName"];

    /// <summary>
    /// Summaries of the found traces, exact in every field, without reading whole span documents: every span of the
    /// traces with only <see cref="SummaryFields"/> (a <c>_source</c> filter: ids, references, times, operation and
    /// service), and the ids of their spans tagged <c>error=true</c> from one search. Each summary is then computed as
    /// <see cref="TraceSummary.FromTrace"/> does (root, orphans and first-appearance order need span-level data, which
    /// an aggregation could only give through scripts).
    /// </summary>
    public async ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
    {
        var ids = await FindTraceIdsAsync(query, cancellationToken).ConfigureAwait(false);
        if (ids.Count == 0)
        {
            return [];
        }

        IReadOnlyList<string> indices = [_names.AllForRead(IndexKind.Span)];
        var traces = await ReadTracesAsync(ids, indices, cancellationToken, SummaryFields).ConfigureAwait(false);
        var errors = await ErrorSpansAsync(ids, indices, cancellationToken).ConfigureAwait(false);
        var summaries = new List<TraceSummary>(traces.Count);
        foreach (var trace in traces)
        {
            foreach (var span in trace.Spans)
            {
                if (errors.Contains((span.TraceId, span.SpanId)))
                {
                    span.Tags = [KeyValue.Bool(WellKnownTags.Error, true)];
                }
            }

            summaries.Add(TraceSummary.FromTrace(trace));
        }

        return summaries;
    }

    /// <summary>The spans of <paramref name="traceIds"/> tagged <c>error=true</c> (as text or bool, nested or as a field), paged with search_after.</summary>
    private async Task<HashSet<(TraceId, SpanId)>> ErrorSpansAsync(IReadOnlyList<TraceId> traceIds, IReadOnlyList<string> indices, CancellationToken cancellationToken)
    {
        var errors = new HashSet<(TraceId, SpanId)>();
        var path = SearchClient.SearchPath(indices);
        string? afterTrace = null, afterSpan = null;
        while (true)
        {
            var body = SearchClient.Json(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("size", _options.MaxDocCount);
                w.WriteStartArray("_source");
                w.WriteStringValue("traceID");
                w.WriteStringValue("spanID");
                w.WriteEndArray();
                w.WriteStartObject("query");
                w.WriteStartObject("bool");
                w.WriteStartArray("filter");
                AnyOf(w, w =>
                {
                    foreach (var id in traceIds)
                    {
                        WriteTraceIdQuery(w, id);
                    }
                });
                AnyOf(w, w =>
                {
                    Term(w, "tag." + _tagsAsFields.FieldName(WellKnownTags.Error), "true");
                    NestedKeyValue(w, "tags", WellKnownTags.Error, "true");
                });
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
                WriteAscendingSort(w, "traceID", "spanID");
                if (afterTrace is not null)
                {
                    w.WriteStartArray("search_after");
                    w.WriteStringValue(afterTrace);
                    w.WriteStringValue(afterSpan);
                    w.WriteEndArray();
                }

                w.WriteEndObject();
            });
            using var doc = await _client.SendJsonAsync(HttpMethod.POST, path, body, cancellationToken).ConfigureAwait(false);
            if (doc is null)
            {
                return errors;
            }

            var count = 0;
            foreach (var hit in doc.RootElement.GetProperty("hits").GetProperty("hits").EnumerateArray())
            {
                count++;
                var source = hit.GetProperty("_source");
                afterTrace = source.GetProperty("traceID").GetString();
                afterSpan = source.GetProperty("spanID").GetString();
                if (TraceId.TryParse(afterTrace, out var traceId) && SpanId.TryParse(afterSpan, out var spanId))
                {
                    errors.Add((traceId, spanId));
                }
                else
                {
                    throw new StorageException("bad_document", $"Span document {hit.GetProperty("_id")} has no valid traceID/spanID.", isTransient: false);
                }
            }

            if (count < _options.MaxDocCount)
            {
                return errors;
            }
        }
    }

    public async ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        SearchCapabilityCheck.ThrowIfUnsupported(query, Capabilities);
        IReadOnlyList<string> indices = query.StartTimeMin is { } min && query.StartTimeMax is { } max
            ? _names.ForRange(IndexKind.Span, min, max)
            : [_names.AllForRead(IndexKind.Span)];

        // Candidates come newest matching span (M) first, MaxCandidateTraces at a time; each one's true start S (its
        // earliest span) comes from a second aggregation. S <= M, so once the limit-th newest S found is later than
        // the M of the last candidate, no unseen trace can rank above it: the result is exact. Otherwise the next page
        // is the traces whose matching spans all start at or before that M, except those already seen at exactly it.
        var find = BuildFindQuery(query);
        var startOf = new Dictionary<TraceId, long>();
        var seenAtBound = new List<TraceId>();
        long? bound = null;
        while (true)
        {
            var page = bound is { } below ? FollowingPage(find, below, seenAtBound) : find;
            var candidates = await TraceIdAggregationAsync(indices, page, "max", _options.MaxCandidateTraces, cancellationToken).ConfigureAwait(false);
            await AddTrueStartsAsync(candidates, startOf, cancellationToken).ConfigureAwait(false);
            if (candidates.Count < _options.MaxCandidateTraces)
            {
                break;
            }

            var last = candidates[^1].Start;
            if (bound != last)
            {
                seenAtBound.Clear();
            }

            foreach (var (id, latest) in candidates)
            {
                if (latest == last && !seenAtBound.Contains(id))
                {
                    seenAtBound.Add(id);
                }
            }

            bound = last;
            if (startOf.Count >= query.Limit && Ranked(startOf, query.Limit)[^1].Start > last)
            {
                break;
            }
        }

        return [.. Ranked(startOf, query.Limit).Select(c => c.Id)];
    }

    private static List<(TraceId Id, long Start)> Ranked(Dictionary<TraceId, long> startOf, int limit) =>
        [.. startOf.Select(p => (Id: p.Key, Start: p.Value)).OrderByDescending(c => c.Start).ThenBy(c => c.Id).Take(limit)];

    // The search restricted to spans starting at or before `bound`, without the traces already seen with a matching span at it.
    private static Action<Utf8JsonWriter> FollowingPage(Action<Utf8JsonWriter> find, long bound, List<TraceId> seenAtBound) => w =>
    {
        w.WriteStartObject("bool");
        w.WriteStartArray("filter");
        w.WriteStartObject();
        find(w);
        w.WriteEndObject();
        WriteRange(w, "startTime", null, bound);
        w.WriteEndArray();
        w.WriteStartArray("must_not");
        w.WriteStartObject();
        WriteTraceIdTerms(w, seenAtBound);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    };

    // The earliest span of each new candidate's whole trace, wherever it is stored.
    private async Task AddTrueStartsAsync(List<(TraceId Id, long Start)> candidates, Dictionary<TraceId, long> startOf, CancellationToken cancellationToken)
    {
        var fresh = new List<TraceId>();
        foreach (var (id, latest) in candidates)
        {
            if (startOf.TryAdd(id, latest))
            {
                fresh.Add(id);
            }
        }

        if (fresh.Count == 0)
        {
            return;
        }

        var starts = await TraceIdAggregationAsync([_names.AllForRead(IndexKind.Span)], w => WriteTraceIdTerms(w, fresh), "min", fresh.Count, cancellationToken).ConfigureAwait(false);
        foreach (var (id, start) in starts)
        {
            startOf[id] = start;
        }
    }

    private static void WriteTraceIdTerms(Utf8JsonWriter w, IEnumerable<TraceId> ids)
    {
        w.WriteStartObject("terms");
        w.WriteStartArray("traceID");
        foreach (var id in ids)
        {
            w.WriteStringValue(id.ToString());
        }

        w.WriteEndArray();
        w.WriteEndObject();
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
            var field = _tagsAsFields.FieldName(key);
            AnyOf(w, w =>
            {
                Term(w, "tag." + field, value);
                Term(w, "process.tag." + field, value);
                NestedKeyValue(w, "tags", key, value);
                NestedKeyValue(w, "process.tags", key, value);
                NestedKeyValue(w, "logs.fields", key, value);
            });
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
    private async Task<List<Trace>> ReadTracesAsync(IReadOnlyList<TraceId> traceIds, IReadOnlyList<string> indices, CancellationToken cancellationToken, string[]? sourceFields = null)
    {
        var pages = traceIds.Select(id => new TracePage(id) { SourceFields = sourceFields }).ToList();
        if (pages.Count == 0)
        {
            return [];
        }

        var buffer = new ArrayBufferWriter<byte>();
        foreach (var page in pages)
        {
            buffer.Write(MultiSearchHeader(indices));
            buffer.Write("\n"u8);
            buffer.Write(TraceSearchBody(page));
            buffer.Write("\n"u8);
        }

        using (var doc = await _client.SendJsonAsync(HttpMethod.POST, "/_msearch", buffer.WrittenSpan.ToArray(), cancellationToken, "application/x-ndjson").ConfigureAwait(false))
        {
            var i = 0;
            foreach (var response in MultiSearchResponses(doc, pages.Count))
            {
                var page = pages[i++];
                if (MultiSearchError(response, $"Reading trace {page.TraceId}"))
                {
                    page.Done = true;
                    continue;
                }

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
        if (page.SourceFields is { } fields)
        {
            w.WriteStartArray("_source");
            foreach (var field in fields)
            {
                w.WriteStringValue(field);
            }

            w.WriteEndArray();
        }
        w.WriteStartObject("query");
        w.WriteStartObject("bool");
        w.WriteStartArray("filter");
        WriteTraceIdQuery(w, page.TraceId);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        WriteAscendingSort(w, "startTime", "spanID");
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

    /// <summary>Several aggregation searches in one <c>_msearch</c>: the keys of aggregation <paramref name="name"/> of each, in order; a missing index answers none.</summary>
    private async Task<List<string>[]> MultiAggregationKeysAsync(List<(IReadOnlyList<string> Indices, byte[] Body)> searches, string name, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var (indices, body) in searches)
        {
            buffer.Write(MultiSearchHeader(indices));
            buffer.Write("\n"u8);
            buffer.Write(body);
            buffer.Write("\n"u8);
        }

        using var doc = await _client.SendJsonAsync(HttpMethod.POST, "/_msearch", buffer.WrittenSpan.ToArray(), cancellationToken, "application/x-ndjson").ConfigureAwait(false);
        var responses = MultiSearchResponses(doc, searches.Count);
        var result = new List<string>[searches.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var keys = result[i] = [];
            var response = responses[i];
            if (MultiSearchError(response, "Listing operations") || !response.TryGetProperty("aggregations", out var aggs) || !aggs.TryGetProperty(name, out var agg))
            {
                continue;
            }

            foreach (var bucket in agg.GetProperty("buckets").EnumerateArray())
            {
                var key = bucket.GetProperty("key");
                keys.Add(key.ValueKind == JsonValueKind.String ? key.GetString()! : throw new StorageException("bad_aggregation", $"A non-string key in aggregation {name}.", isTransient: false));
            }
        }

        return result;
    }

    /// <summary>An <c>_msearch</c> header line: the indices (comma lists split), missing ones skipped.</summary>
    private static byte[] MultiSearchHeader(IReadOnlyList<string> indices) => SearchClient.Json(w =>
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
    });

    /// <summary>The <c>responses</c> of an <c>_msearch</c> answer, checked to hold one per search.</summary>
    private static List<JsonElement> MultiSearchResponses(JsonDocument? doc, int count)
    {
        var responses = doc?.RootElement.GetProperty("responses");
        if (responses is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() != count)
        {
            throw new StorageException("bad_response", $"_msearch answered {(responses?.ValueKind == JsonValueKind.Array ? responses.Value.GetArrayLength() : 0)} responses for {count} searches.", isTransient: false);
        }

        return [.. array.EnumerateArray()];
    }

    /// <summary>
    /// True when one <c>_msearch</c> response is a missing index (nothing found); throws for any other error and for
    /// partial answers (shard failures); false for a whole answer.
    /// </summary>
    private static bool MultiSearchError(JsonElement response, string what)
    {
        if (response.TryGetProperty("error", out var error))
        {
            var (type, reason) = (error.TryGetProperty("type", out var t) ? t.GetString() : null, error.TryGetProperty("reason", out var r) ? r.GetString() : null);
            if (type == "index_not_found_exception")
            {
                return true;
            }

            throw new StorageException(type ?? "search_failed", $"{what} failed: {type}: {reason}", isTransient: response.TryGetProperty("status", out var st) && st.GetInt32() is 429 or >= 500);
        }

        SearchClient.ThrowOnShardFailures(response, what);
        return false;
    }

    private sealed class TracePage(TraceId traceId)
    {
        public TraceId TraceId { get; } = traceId;

        public List<Span> Spans { get; } = [];

        public long? AfterTime { get; set; }

        public string? AfterSpan { get; set; }

        public bool Done { get; set; }

        /// <summary>The document fields to read (a <c>_source</c> filter); null for whole documents.</summary>
        public string[]? SourceFields { get; init; }
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

    /// <summary>A clause that matches when any of the clauses <paramref name="clauses"/> writes matches (bool should, minimum 1).</summary>
    private static void AnyOf(Utf8JsonWriter w, Action<Utf8JsonWriter> clauses)
    {
        w.WriteStartObject();
        w.WriteStartObject("bool");
        w.WriteStartArray("should");
        clauses(w);
        w.WriteEndArray();
        w.WriteNumber("minimum_should_match", 1);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary><c>"sort":[{first:"asc"},{second:"asc"}]</c>: the order <c>search_after</c> pages on.</summary>
    private static void WriteAscendingSort(Utf8JsonWriter w, string first, string second)
    {
        w.WriteStartArray("sort");
        w.WriteStartObject();
        w.WriteString(first, "asc");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString(second, "asc");
        w.WriteEndObject();
        w.WriteEndArray();
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
