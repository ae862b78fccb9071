using System.Buffers;
using System.Text.Json;
using Jaeger.Storage.Elasticsearch.Transport;

namespace Jaeger.Storage.Elasticsearch.Indices;

/// <summary>
/// The composable index templates (<c>PUT /_index_template/&lt;name&gt;</c>) of Jaeger v2's <c>jaeger-*-8.json</c> mappings,
/// used for Elasticsearch 8 and 9 and for OpenSearch 2 and 3 (all support composable templates). ILM adds the read
/// alias and <c>lifecycle {name, rollover_alias}</c> on Elasticsearch, <c>plugins.index_state_management.rollover_alias</c>
/// on OpenSearch.
/// </summary>
internal static class IndexTemplates
{
    /// <summary>The path and body of the template of <paramref name="kind"/>.</summary>
    public static (string Path, byte[] Body) Build(IndexKind kind, IndexNames names, ElasticsearchStorageOptions options, ServerVersion version)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("priority", options.TemplatePriority);
            w.WriteString("index_patterns", names.Prefix + IndexNames.BaseName(kind) + "-*");
            w.WriteStartObject("template");
            var ilm = options.UseIlm && kind is IndexKind.Span or IndexKind.Service or IndexKind.Dependencies or IndexKind.Sampling;
            if (ilm)
            {
                w.WriteStartObject("aliases");
                w.WriteStartObject(names.Alias(kind, write: false));
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteStartObject("settings");
            w.WriteNumber("index.number_of_shards", options.Shards);
            w.WriteNumber("index.number_of_replicas", options.Replicas);
            if (kind is IndexKind.Span or IndexKind.Service)
            {
                w.WriteNumber("index.mapping.nested_fields.limit", 50);
                w.WriteBoolean("index.requests.cache.enable", true);
            }

            if (ilm)
            {
                if (version.IsOpenSearch)
                {
                    w.WriteString("plugins.index_state_management.rollover_alias", names.Alias(kind, write: true));
                }
                else
                {
                    w.WriteStartObject("lifecycle");
                    w.WriteString("name", options.IlmPolicyName);
                    w.WriteString("rollover_alias", names.Alias(kind, write: true));
                    w.WriteEndObject();
                }
            }

            w.WriteEndObject();
            w.WritePropertyName("mappings");
            switch (kind)
            {
                case IndexKind.Span:
                    WriteSpanMappings(w);
                    break;
                case IndexKind.Service:
                    WriteServiceMappings(w);
                    break;
                default:
                    w.WriteStartObject();
                    w.WriteEndObject();
                    break;
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return ("/_index_template/" + names.TemplateName(kind), buffer.WrittenSpan.ToArray());
    }

    private static void WriteSpanMappings(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartArray("dynamic_templates");
        DynamicKeywordTemplate(w, "span_tags_map", "tag.*");
        DynamicKeywordTemplate(w, "process_tags_map", "process.tag.*");
        w.WriteEndArray();
        w.WriteStartObject("properties");
        Keyword(w, "traceID");
        Keyword(w, "parentSpanID");
        Keyword(w, "spanID");
        Keyword(w, "operationName");
        Typed(w, "startTime", "long");
        w.WriteStartObject("startTimeMillis");
        w.WriteString("type", "date");
        w.WriteString("format", "epoch_millis");
        w.WriteEndObject();
        Typed(w, "duration", "long");
        Typed(w, "flags", "integer");
        w.WriteStartObject("logs");
        w.WriteString("type", "nested");
        w.WriteBoolean("dynamic", false);
        w.WriteStartObject("properties");
        Typed(w, "timestamp", "long");
        NestedKeyValues(w, "fields");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("process");
        w.WriteStartObject("properties");
        Keyword(w, "serviceName");
        Typed(w, "tag", "object");
        NestedKeyValues(w, "tags");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("references");
        w.WriteString("type", "nested");
        w.WriteBoolean("dynamic", false);
        w.WriteStartObject("properties");
        Keyword(w, "refType");
        Keyword(w, "traceID");
        Keyword(w, "spanID");
        w.WriteEndObject();
        w.WriteEndObject();
        Typed(w, "tag", "object");
        NestedKeyValues(w, "tags");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteServiceMappings(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartArray("dynamic_templates");
        DynamicKeywordTemplate(w, "span_tags_map", "tag.*");
        DynamicKeywordTemplate(w, "process_tags_map", "process.tag.*");
        w.WriteEndArray();
        w.WriteStartObject("properties");
        Keyword(w, "serviceName");
        Keyword(w, "operationName");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void DynamicKeywordTemplate(Utf8JsonWriter w, string name, string pathMatch)
    {
        w.WriteStartObject();
        w.WriteStartObject(name);
        w.WriteStartObject("mapping");
        w.WriteString("type", "keyword");
        w.WriteNumber("ignore_above", 256);
        w.WriteEndObject();
        w.WriteString("path_match", pathMatch);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void NestedKeyValues(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "nested");
        w.WriteBoolean("dynamic", false);
        w.WriteStartObject("properties");
        Keyword(w, "key");
        Keyword(w, "value");
        Keyword(w, "type");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Keyword(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "keyword");
        w.WriteNumber("ignore_above", 256);
        w.WriteEndObject();
    }

    private static void Typed(Utf8JsonWriter w, string name, string type)
    {
        w.WriteStartObject(name);
        w.WriteString("type", type);
        w.WriteEndObject();
    }
}
