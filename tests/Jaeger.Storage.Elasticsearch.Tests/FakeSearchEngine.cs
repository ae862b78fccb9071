using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>
/// An in-memory interpreter of the Elasticsearch requests this package sends, following the server's documented
/// semantics, so the conformance kit can run without a cluster. It stores documents from <c>_bulk</c> (an index is created
/// on first write; an <c>_id</c> replaces the document with that id), resolves index expressions (comma lists,
/// <c>*</c> wildcards, <c>-</c> exclusions, aliases; missing names skipped as with <c>ignore_unavailable</c>), and evaluates
/// the query DSL: <c>bool</c> (filter, must, should with <c>minimum_should_match</c>, must_not), <c>term</c>, <c>terms</c>,
/// <c>range</c>, <c>exists</c>, <c>nested</c>, <c>match_all</c>; <c>terms</c> aggregations with <c>max</c>/<c>min</c> sub-aggregations
/// and metric ordering; <c>sort</c>, <c>search_after</c> and <c>size</c>. Field types are those of the package's templates:
/// keyword fields compare as text (numbers and booleans by their JSON text, values over 256 characters not indexed),
/// <c>startTime</c>/<c>duration</c>/<c>flags</c>/<c>timestamp</c> of logs as longs, <c>startTimeMillis</c> as epoch
/// milliseconds, <c>timestamp</c> strings as dates with millisecond resolution. Fields under a nested path are visible
/// only inside a <c>nested</c> query, as in Elasticsearch. Anything else is refused with a 400, never guessed.
/// </summary>
internal sealed class FakeSearchEngine
{
    private static readonly string[] NestedPaths = ["tags", "process.tags", "logs", "logs.fields", "references"];
    private static readonly HashSet<string> LongFields = new(StringComparer.Ordinal) { "startTime", "duration", "flags", "logs.timestamp", "throughputs.Count" };

    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<(string Id, JsonObject Source)>> _indices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(string Index, bool Write)>> _aliases = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Index, string Id), long> _seqNos = new();
    private long _nextId;
    private long _nextSeqNo;

    public IReadOnlyList<string> IndexNames
    {
        get
        {
            lock (_lock)
            {
                return [.. _indices.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    public FakeAnswer Bulk(RecordedRequest request)
    {
        var lines = request.Lines;
        var items = new JsonArray();
        lock (_lock)
        {
            for (var i = 0; i + 1 < lines.Count; i += 2)
            {
                var action = lines[i]["index"] ?? throw new FakeEngineException("only index actions are interpreted");
                var name = action["_index"]!.GetValue<string>();
                var target = ResolveWrite(name);
                if (!_indices.TryGetValue(target, out var docs))
                {
                    docs = [];
                    _indices[target] = docs;
                }

                var id = action["_id"]?.GetValue<string>();
                var status = 201;
                if (id is not null && docs.FindIndex(d => d.Id == id) is var at and >= 0)
                {
                    docs[at] = (id, lines[i + 1].AsObject().DeepClone().AsObject());
                    status = 200;
                }
                else
                {
                    id ??= $"fake{Interlocked.Increment(ref _nextId)}";
                    docs.Add((id, lines[i + 1].AsObject().DeepClone().AsObject()));
                }

                items.Add(new JsonObject { ["index"] = new JsonObject { ["_index"] = target, ["_id"] = id, ["status"] = status, ["result"] = status == 201 ? "created" : "updated" } });
            }
        }

        return new FakeAnswer(200, new JsonObject { ["took"] = 1, ["errors"] = false, ["items"] = items }.ToJsonString());
    }

    /// <summary>
    /// The single-document API with optimistic concurrency, as Elasticsearch documents it: <c>GET /{index}/_doc/{id}</c>
    /// (realtime, with <c>_seq_no</c> and <c>_primary_term</c>; 404 with <c>found:false</c>), <c>PUT /{index}/_create/{id}</c>
    /// (409 <c>version_conflict_engine_exception</c> when the id exists), <c>PUT /{index}/_doc/{id}</c> and
    /// <c>DELETE /{index}/_doc/{id}</c> with <c>if_seq_no</c>/<c>if_primary_term</c> (409 when they are not the document's).
    /// Every write takes the next sequence number; the primary term is always 1 (no fail-over here).
    /// </summary>
    public FakeAnswer Document(string method, string index, string endpoint, string id, string query, JsonNode? body)
    {
        var parameters = System.Web.HttpUtility.ParseQueryString(query);
        long? ifSeqNo = parameters["if_seq_no"] is { } seq ? long.Parse(seq, CultureInfo.InvariantCulture) : null;
        long? ifTerm = parameters["if_primary_term"] is { } term ? long.Parse(term, CultureInfo.InvariantCulture) : null;
        lock (_lock)
        {
            var docs = _indices.TryGetValue(index, out var list) ? list : null;
            var at = docs?.FindIndex(d => d.Id == id) ?? -1;
            var current = at >= 0 ? _seqNos.GetValueOrDefault((index, id)) : -1;
            if ((ifSeqNo is not null || ifTerm is not null) && (at < 0 || ifSeqNo != current || ifTerm != 1))
            {
                return Conflict(index, id, at < 0 ? "document missing" : $"required seqNo [{ifSeqNo}], primary term [{ifTerm}]. current document has seqNo [{current}] and primary term [1]");
            }

            switch (method, endpoint)
            {
                case ("GET", "_doc"):
                    return at < 0
                        ? new FakeAnswer(404, new JsonObject { ["_index"] = index, ["_id"] = id, ["found"] = false }.ToJsonString())
                        : new FakeAnswer(200, new JsonObject { ["_index"] = index, ["_id"] = id, ["_version"] = current + 1, ["_seq_no"] = current, ["_primary_term"] = 1, ["found"] = true, ["_source"] = docs![at].Source.DeepClone() }.ToJsonString());
                case ("PUT" or "POST", "_create") when at >= 0:
                    return Conflict(index, id, "document already exists");
                case ("PUT" or "POST", "_create" or "_doc"):
                    if (docs is null)
                    {
                        docs = [];
                        _indices[index] = docs;
                    }

                    var source = body?.AsObject().DeepClone().AsObject() ?? throw new FakeEngineException("a document write needs a body");
                    if (at >= 0)
                    {
                        docs[at] = (id, source);
                    }
                    else
                    {
                        docs.Add((id, source));
                    }

                    var seqNo = _nextSeqNo++;
                    _seqNos[(index, id)] = seqNo;
                    return new FakeAnswer(at >= 0 ? 200 : 201, new JsonObject { ["_index"] = index, ["_id"] = id, ["result"] = at >= 0 ? "updated" : "created", ["_seq_no"] = seqNo, ["_primary_term"] = 1 }.ToJsonString());
                case ("DELETE", "_doc"):
                    if (at < 0)
                    {
                        return new FakeAnswer(404, new JsonObject { ["_index"] = index, ["_id"] = id, ["result"] = "not_found" }.ToJsonString());
                    }

                    docs!.RemoveAt(at);
                    _seqNos.Remove((index, id));
                    return new FakeAnswer(200, new JsonObject { ["_index"] = index, ["_id"] = id, ["result"] = "deleted", ["_seq_no"] = _nextSeqNo++, ["_primary_term"] = 1 }.ToJsonString());
                default:
                    throw new FakeEngineException($"{method} /{index}/{endpoint}/{id} is not interpreted");
            }
        }

        static FakeAnswer Conflict(string index, string id, string why) =>
            new(409, new JsonObject { ["error"] = new JsonObject { ["type"] = "version_conflict_engine_exception", ["reason"] = $"[{id}]: version conflict, {why}", ["index"] = index }, ["status"] = 409 }.ToJsonString());
    }

    public FakeAnswer CreateIndex(string name, JsonNode? body)
    {
        lock (_lock)
        {
            if (_indices.ContainsKey(name))
            {
                return new FakeAnswer(400, $$"""{"error":{"type":"resource_already_exists_exception","reason":"index [{{name}}] already exists"},"status":400}""");
            }

            _indices[name] = [];
            foreach (var (alias, settings) in body?["aliases"]?.AsObject() ?? [])
            {
                if (!_aliases.TryGetValue(alias, out var targets))
                {
                    targets = [];
                    _aliases[alias] = targets;
                }

                targets.Add((name, settings?["is_write_index"]?.GetValue<bool>() ?? false));
            }
        }

        return new FakeAnswer(200, $$"""{"acknowledged":true,"shards_acknowledged":true,"index":"{{name}}"}""");
    }

    public bool AliasExists(string alias)
    {
        lock (_lock)
        {
            return _aliases.ContainsKey(alias);
        }
    }

    public void Delete(IEnumerable<string> names)
    {
        lock (_lock)
        {
            foreach (var name in names)
            {
                _indices.Remove(name);
                foreach (var targets in _aliases.Values)
                {
                    targets.RemoveAll(t => t.Index == name);
                }
            }
        }
    }

    public IReadOnlyList<string> CatIndices(string expression)
    {
        lock (_lock)
        {
            return [.. Resolve(expression).Order(StringComparer.Ordinal)];
        }
    }

    public FakeAnswer Search(string expression, JsonNode? body)
    {
        List<JsonObject> docs;
        lock (_lock)
        {
            docs = [.. Resolve(expression).SelectMany(i => _indices[i].Select(d => d.Source))];
        }

        var query = body?["query"];
        if (query is not null)
        {
            Validate(query);
        }

        var matching = query is null ? docs : docs.Where(d => Matches(query, new Scope(d, string.Empty))).ToList();
        var result = new JsonObject
        {
            ["took"] = 1,
            ["timed_out"] = false,
            ["_shards"] = new JsonObject { ["total"] = 1, ["successful"] = 1, ["skipped"] = 0, ["failed"] = 0 },
        };

        var size = body?["size"]?.GetValue<int>() ?? 10;
        var sort = body?["sort"]?.AsArray().Select(ParseSort).ToList() ?? [];
        IEnumerable<JsonObject> ordered = matching;
        if (sort.Count > 0)
        {
            var keyed = matching.Select(d => (Doc: d, Keys: sort.Select(s => SortValue(d, s.Field)).ToArray())).ToList();
            keyed.Sort((a, b) => CompareKeys(a.Keys, b.Keys, sort));
            if (body?["search_after"] is JsonArray after)
            {
                var afterKeys = after.Select(v => (object?)(v!.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.GetValue<double>())).ToArray();
                keyed = [.. keyed.Where(k => CompareKeys(k.Keys, afterKeys, sort) > 0)];
            }

            ordered = keyed.Select(k => k.Doc);
            result["hits"] = Hits(matching.Count, keyed.Take(size).Select(k => (k.Doc, (JsonArray?)new JsonArray([.. k.Keys.Select(SortJson)]))), body?["_source"]);
        }
        else
        {
            result["hits"] = Hits(matching.Count, ordered.Take(size).Select(d => (d, (JsonArray?)null)), body?["_source"]);
        }

        if (body?["aggregations"] is JsonObject aggregations)
        {
            var aggs = new JsonObject();
            foreach (var (name, definition) in aggregations)
            {
                aggs[name] = Aggregate(definition!.AsObject(), matching);
            }

            result["aggregations"] = aggs;
        }

        return new FakeAnswer(200, result.ToJsonString());
    }

    /// <summary>_msearch: header and body lines; each header's <c>index</c> (string or array) is an index expression.</summary>
    public FakeAnswer MultiSearch(RecordedRequest request)
    {
        var lines = request.Lines;
        var responses = new JsonArray();
        for (var i = 0; i + 1 < lines.Count; i += 2)
        {
            var index = lines[i]["index"] ?? lines[i]["indices"] ?? throw new FakeEngineException("an _msearch header needs index");
            var expression = index is JsonArray array ? string.Join(',', array.Select(n => n!.GetValue<string>())) : index.GetValue<string>();
            try
            {
                var answer = JsonNode.Parse(Search(expression, lines[i + 1]).Body)!.AsObject();
                answer["status"] = 200;
                responses.Add(answer);
            }
            catch (FakeEngineException ex)
            {
                responses.Add(new JsonObject { ["error"] = new JsonObject { ["type"] = "parsing_exception", ["reason"] = ex.Message }, ["status"] = 400 });
            }
        }

        return new FakeAnswer(200, new JsonObject { ["took"] = 1, ["responses"] = responses }.ToJsonString());
    }

    private static JsonObject Hits(int total, IEnumerable<(JsonObject Doc, JsonArray? Sort)> hits, JsonNode? sourceFilter)
    {
        string[]? includes = sourceFilter switch
        {
            null => null,
            JsonArray fields => [.. fields.Select(f => f!.GetValue<string>())],
            _ => throw new FakeEngineException($"_source {sourceFilter.ToJsonString()} is not interpreted (only a list of field paths)"),
        };
        var array = new JsonArray();
        var n = 0;
        foreach (var (doc, sort) in hits)
        {
            var hit = new JsonObject { ["_index"] = "fake", ["_id"] = $"hit{n++}", ["_score"] = null, ["_source"] = includes is null ? doc.DeepClone() : FilterSource(doc, includes) };
            if (sort is not null)
            {
                hit["sort"] = sort;
            }

            array.Add(hit);
        }

        return new JsonObject { ["total"] = new JsonObject { ["value"] = total, ["relation"] = "eq" }, ["max_score"] = null, ["hits"] = array };
    }

    /// <summary>A <c>_source</c> filter of field paths: only those fields, through objects and arrays of objects, as Elasticsearch returns them.</summary>
    private static JsonObject FilterSource(JsonObject doc, string[] includes)
    {
        var result = new JsonObject();
        foreach (var path in includes)
        {
            if (path.Contains('*', StringComparison.Ordinal))
            {
                throw new FakeEngineException($"_source pattern '{path}' is not interpreted");
            }

            Copy(doc, result, path.Split('.'), 0);
        }

        return result;

        static void Copy(JsonObject from, JsonObject to, string[] parts, int at)
        {
            if (!from.TryGetPropertyValue(parts[at], out var value))
            {
                return;
            }

            if (at == parts.Length - 1)
            {
                to[parts[at]] = value?.DeepClone();
                return;
            }

            switch (value)
            {
                case JsonObject child:
                    if (to[parts[at]] is not JsonObject target)
                    {
                        target = new JsonObject();
                        to[parts[at]] = target;
                    }

                    Copy(child, target, parts, at + 1);
                    break;
                case JsonArray items:
                    if (to[parts[at]] is not JsonArray targets)
                    {
                        targets = new JsonArray([.. items.Select(_ => (JsonNode)new JsonObject())]);
                        to[parts[at]] = targets;
                    }

                    for (var k = 0; k < items.Count; k++)
                    {
                        if (items[k] is JsonObject item)
                        {
                            Copy(item, targets[k]!.AsObject(), parts, at + 1);
                        }
                    }

                    break;
            }
        }
    }

    private static JsonObject Aggregate(JsonObject definition, List<JsonObject> docs)
    {
        if (definition["terms"] is not JsonObject terms)
        {
            throw new FakeEngineException($"aggregation {definition.ToJsonString()} is not interpreted");
        }

        var field = terms["field"]!.GetValue<string>();
        var size = terms["size"]?.GetValue<int>() ?? 10;
        var groups = new Dictionary<string, List<JsonObject>>(StringComparer.Ordinal);
        foreach (var doc in docs)
        {
            foreach (var key in KeywordValues(new Scope(doc, string.Empty), field).Distinct())
            {
                if (!groups.TryGetValue(key, out var list))
                {
                    list = [];
                    groups[key] = list;
                }

                list.Add(doc);
            }
        }

        var subs = definition["aggregations"]?.AsObject() ?? definition["aggs"]?.AsObject();
        var buckets = groups.Select(g =>
        {
            var bucket = new JsonObject { ["key"] = g.Key, ["doc_count"] = g.Value.Count };
            foreach (var (name, sub) in subs ?? [])
            {
                var (kind, metricField) = sub!["max"] is { } max ? ("max", max["field"]!.GetValue<string>()) : sub["min"] is { } min ? ("min", min["field"]!.GetValue<string>()) : throw new FakeEngineException($"sub-aggregation {sub.ToJsonString()} is not interpreted");
                var values = g.Value.SelectMany(d => NumericValues(new Scope(d, string.Empty), metricField)).ToList();
                bucket[name] = new JsonObject { ["value"] = values.Count == 0 ? null : kind == "max" ? values.Max() : values.Min() };
            }

            return bucket;
        }).ToList();

        var order = terms["order"] switch
        {
            JsonArray array => array.Select(o => o!.AsObject().Single()).Select(p => (p.Key, p.Value!.GetValue<string>())).ToList(),
            JsonObject single => single.Select(p => (p.Key, p.Value!.GetValue<string>())).ToList(),
            _ => [("_count", "desc")],
        };
        buckets.Sort((a, b) =>
        {
            foreach (var (key, direction) in order)
            {
                var c = key switch
                {
                    "_count" => a["doc_count"]!.GetValue<int>().CompareTo(b["doc_count"]!.GetValue<int>()),
                    "_key" => string.CompareOrdinal(a["key"]!.GetValue<string>(), b["key"]!.GetValue<string>()),
                    _ => (a[key]!["value"]?.GetValue<double>() ?? double.MinValue).CompareTo(b[key]!["value"]?.GetValue<double>() ?? double.MinValue),
                };
                if (c != 0)
                {
                    return direction == "desc" ? -c : c;
                }
            }

            return string.CompareOrdinal(a["key"]!.GetValue<string>(), b["key"]!.GetValue<string>());
        });

        var kept = buckets.Take(size).ToList();
        return new JsonObject
        {
            ["doc_count_error_upper_bound"] = 0,
            ["sum_other_doc_count"] = buckets.Skip(size).Sum(b => b["doc_count"]!.GetValue<int>()),
            ["buckets"] = new JsonArray([.. kept]),
        };
    }

    private bool Matches(JsonNode query, Scope scope)
    {
        var clause = query.AsObject().Single();
        var body = clause.Value!;
        switch (clause.Key)
        {
            case "match_all":
                return true;
            case "bool":
            {
                var must = Clauses(body["must"]).Concat(Clauses(body["filter"])).ToList();
                var should = Clauses(body["should"]).ToList();
                var mustNot = Clauses(body["must_not"]).ToList();
                var minimum = body["minimum_should_match"]?.GetValue<int>() ?? (should.Count > 0 && must.Count == 0 ? 1 : 0);
                return must.All(q => Matches(q, scope)) && mustNot.All(q => !Matches(q, scope)) && should.Count(q => Matches(q, scope)) >= minimum;
            }

            case "term":
            {
                var (field, value) = body.AsObject().Single();
                var expected = value is JsonObject o ? o["value"]! : value!;
                return KeywordValues(scope, field).Contains(Keyword(expected), StringComparer.Ordinal);
            }

            case "terms":
            {
                var (field, values) = body.AsObject().Single();
                var expected = values!.AsArray().Select(v => Keyword(v!)).ToHashSet(StringComparer.Ordinal);
                return KeywordValues(scope, field).Any(expected.Contains);
            }

            case "exists":
                return Values(scope, body["field"]!.GetValue<string>()).Any(v => v is not null);
            case "range":
            {
                var (field, bounds) = body.AsObject().Single();
                return RangeValues(scope, field).Any(v => InRange(v, bounds!.AsObject(), field));
            }

            case "nested":
            {
                var path = body["path"]!.GetValue<string>();
                return NestedObjects(scope, path).Any(o => Matches(body["query"]!, new Scope(o, path + ".")));
            }

            default:
                throw new FakeEngineException($"query [{clause.Key}] is not interpreted");
        }
    }

    /// <summary>Refuses an unknown query anywhere in the tree, whatever the data (as the server parses before it searches).</summary>
    private static void Validate(JsonNode query)
    {
        var clause = query.AsObject().Single();
        switch (clause.Key)
        {
            case "bool":
                foreach (var (key, value) in clause.Value!.AsObject())
                {
                    if (key is "must" or "filter" or "should" or "must_not")
                    {
                        foreach (var inner in Clauses(value))
                        {
                            Validate(inner);
                        }
                    }
                    else if (key != "minimum_should_match")
                    {
                        throw new FakeEngineException($"[bool] does not support [{key}]");
                    }
                }

                break;
            case "nested":
                Validate(clause.Value!["query"] ?? throw new FakeEngineException("[nested] requires a query"));
                break;
            case "term" or "terms" or "range" or "exists" or "match_all":
                break;
            default:
                throw new FakeEngineException($"query [{clause.Key}] is not interpreted");
        }
    }

    private static IEnumerable<JsonNode> Clauses(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => array.Select(n => n!),
        _ => [node],
    };

    /// <summary>The objects at a nested path, from the root or from an enclosing nested object.</summary>
    private static IEnumerable<JsonObject> NestedObjects(Scope scope, string path)
    {
        if (!path.StartsWith(scope.Prefix, StringComparison.Ordinal))
        {
            return [];
        }

        return Walk(scope.Node, path[scope.Prefix.Length..].Split('.'), 0).OfType<JsonObject>();
    }

    /// <summary>Leaf values of a field; a field under a nested path the scope is not inside of is invisible, as in Elasticsearch.</summary>
    private static IEnumerable<JsonNode?> Values(Scope scope, string field)
    {
        if (!field.StartsWith(scope.Prefix, StringComparison.Ordinal))
        {
            return [];
        }

        var relative = field[scope.Prefix.Length..];
        foreach (var nested in NestedPaths)
        {
            if (field.StartsWith(nested + ".", StringComparison.Ordinal) && !scope.Prefix.StartsWith(nested + ".", StringComparison.Ordinal))
            {
                return [];
            }
        }

        return Walk(scope.Node, relative.Split('.'), 0).SelectMany(v => v is JsonArray a ? a.AsEnumerable() : [v]);
    }

    private static IEnumerable<JsonNode?> Walk(JsonNode? node, string[] parts, int at)
    {
        if (node is JsonArray array)
        {
            return array.SelectMany(n => Walk(n, parts, at));
        }

        if (at == parts.Length)
        {
            return [node];
        }

        return node is JsonObject o && o.TryGetPropertyValue(parts[at], out var child) ? Walk(child, parts, at + 1) : [];
    }

    private static IEnumerable<string> KeywordValues(Scope scope, string field) =>
        Values(scope, field).Where(v => v is JsonValue).Select(v => Keyword(v!)).Where(k => k.Length <= 256);

    private static string Keyword(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.ToJsonString(),
    };

    private static IEnumerable<double> NumericValues(Scope scope, string field) =>
        Values(scope, field).Where(v => v is JsonValue && v.GetValueKind() == JsonValueKind.Number).Select(v => v!.GetValue<double>());

    private static IEnumerable<object> RangeValues(Scope scope, string field)
    {
        foreach (var value in Values(scope, field))
        {
            if (value is JsonValue && value.GetValueKind() == JsonValueKind.Number)
            {
                yield return value.GetValue<double>();
            }
            else if (value is JsonValue && value.GetValueKind() == JsonValueKind.String && DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                yield return TruncateToMillis(date);
            }
        }
    }

    private static bool InRange(object value, JsonObject bounds, string field)
    {
        foreach (var (op, bound) in bounds)
        {
            int c;
            if (value is DateTimeOffset date)
            {
                var b = TruncateToMillis(DateTimeOffset.Parse(bound!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
                c = date.CompareTo(b);
            }
            else
            {
                c = ((double)value).CompareTo(bound!.GetValue<double>());
            }

            var ok = op switch
            {
                "gte" => c >= 0,
                "gt" => c > 0,
                "lte" => c <= 0,
                "lt" => c < 0,
                _ => throw new FakeEngineException($"range operator [{op}] on [{field}] is not interpreted"),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static DateTimeOffset TruncateToMillis(DateTimeOffset date) =>
        new(date.UtcTicks - (date.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private static (string Field, bool Descending) ParseSort(JsonNode? node)
    {
        var (field, order) = node!.AsObject().Single();
        var direction = order is JsonObject o ? o["order"]!.GetValue<string>() : order!.GetValue<string>();
        return (field, direction == "desc");
    }

    private static object? SortValue(JsonObject doc, string field)
    {
        var scope = new Scope(doc, string.Empty);
        if (LongFields.Contains(field) || field == "startTimeMillis")
        {
            return NumericValues(scope, field).Cast<double?>().FirstOrDefault();
        }

        if (field == "timestamp")
        {
            return RangeValues(scope, field).OfType<DateTimeOffset>().Select(d => (double?)d.ToUnixTimeMilliseconds()).FirstOrDefault();
        }

        return KeywordValues(scope, field).FirstOrDefault();
    }

    private static JsonNode? SortJson(object? value) => value switch
    {
        double d => JsonValue.Create((long)d),
        string s => JsonValue.Create(s),
        _ => null,
    };

    private static int CompareKeys(object?[] a, object?[] b, List<(string Field, bool Descending)> sort)
    {
        for (var i = 0; i < sort.Count; i++)
        {
            var c = (a[i], b[i]) switch
            {
                (double x, double y) => x.CompareTo(y),
                (string x, string y) => string.CompareOrdinal(x, y),
                (null, null) => 0,
                (null, _) => 1, // missing values sort last
                (_, null) => -1,
                _ => throw new FakeEngineException("sort values of different types"),
            };
            if (c != 0)
            {
                return sort[i].Descending ? -c : c;
            }
        }

        return 0;
    }

    private string ResolveWrite(string name)
    {
        if (_aliases.TryGetValue(name, out var targets))
        {
            return targets.SingleOrDefault(t => t.Write).Index ?? throw new FakeEngineException($"alias [{name}] has no write index");
        }

        return name;
    }

    /// <summary>Index expression: comma list of names, aliases and wildcards; "-pattern" removes what the earlier parts matched.</summary>
    private HashSet<string> Resolve(string expression)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in expression.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var exclude = part.StartsWith('-') && result.Count > 0;
            var pattern = exclude ? part[1..] : part;
            var regex = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$");
            var matched = _indices.Keys.Where(k => regex.IsMatch(k))
                .Concat(_aliases.Where(a => regex.IsMatch(a.Key)).SelectMany(a => a.Value.Select(t => t.Index)))
                .ToList();
            if (exclude)
            {
                result.ExceptWith(matched);
            }
            else
            {
                result.UnionWith(matched.Where(_indices.ContainsKey));
            }
        }

        return result;
    }

    private readonly record struct Scope(JsonNode Node, string Prefix);
}

/// <summary>A request the engine does not interpret: answered with a 400, never guessed.</summary>
internal sealed class FakeEngineException(string message) : Exception(message);
