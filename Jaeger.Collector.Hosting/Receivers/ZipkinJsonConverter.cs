using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Jaeger.Model;

namespace Jaeger.Collector.Receivers;

/// <summary>
/// Maps Zipkin v2 JSON (an array of spans) to the model: localEndpoint.serviceName becomes the process,
/// kind becomes <c>span.kind</c>, remoteEndpoint becomes <c>peer.*</c> tags, annotations become logs with an
/// <c>event</c> field, <c>debug</c> sets the debug flag, and an <c>error</c> tag becomes <c>error=true</c> (the
/// message kept as <c>error.message</c> unless it is "true").
/// </summary>
internal static class ZipkinJsonConverter
{
    public static bool TryConvert(ReadOnlySpan<byte> utf8, List<Span> output, out string error)
    {
        error = string.Empty;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            error = "the body is not valid JSON: " + ex.Message;
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                error = "the body must be a JSON array of Zipkin v2 spans";
                return false;
            }

            var processes = new Dictionary<string, Process>(StringComparer.Ordinal);
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (!TryConvertSpan(element, processes, out var span, out var spanError))
                {
                    error = $"span {index}: {spanError}";
                    return false;
                }

                output.Add(span);
                index++;
            }
        }

        return true;
    }

    private static bool TryConvertSpan(JsonElement element, Dictionary<string, Process> processes, out Span span, out string error)
    {
        span = null!;
        error = string.Empty;
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = "a span must be a JSON object";
            return false;
        }

        if (!TryGetString(element, "traceId", out var traceHex) || traceHex.Length is not (16 or 32) || !TraceId.TryParse(traceHex, out var traceId) || traceId.IsEmpty)
        {
            error = "traceId must be 16 or 32 hex characters and not zero";
            return false;
        }

        if (!TryGetString(element, "id", out var idHex) || idHex.Length != 16 || !SpanId.TryParse(idHex, out var spanId))
        {
            error = "id must be 16 hex characters";
            return false;
        }

        var references = ImmutableArray<SpanRef>.Empty;
        if (TryGetString(element, "parentId", out var parentHex))
        {
            if (parentHex.Length != 16 || !SpanId.TryParse(parentHex, out var parentId))
            {
                error = "parentId must be 16 hex characters";
                return false;
            }

            if (!parentId.IsEmpty)
            {
                references = [new SpanRef(traceId, parentId, SpanRefType.ChildOf)];
            }
        }

        if (!TryGetInt64(element, "timestamp", out var timestamp) || !TryGetInt64(element, "duration", out var duration))
        {
            error = "timestamp and duration must be integers (microseconds) when present";
            return false;
        }

        var tags = ImmutableArray.CreateBuilder<KeyValue>();
        if (TryGetString(element, "kind", out var kind))
        {
            var lower = kind.ToLowerInvariant();
            if (lower is not ("client" or "server" or "producer" or "consumer"))
            {
                error = $"kind must be CLIENT, SERVER, PRODUCER or CONSUMER, not '{kind}'";
                return false;
            }

            tags.Add(KeyValue.String(WellKnownTags.SpanKind, lower));
        }

        if (element.TryGetProperty("tags", out var tagsElement) && tagsElement.ValueKind != JsonValueKind.Null)
        {
            if (tagsElement.ValueKind != JsonValueKind.Object)
            {
                error = "tags must be an object of strings";
                return false;
            }

            foreach (var property in tagsElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    error = $"tag '{property.Name}' must have a string value";
                    return false;
                }

                var value = property.Value.GetString()!;
                if (property.Name == WellKnownTags.Error)
                {
                    tags.Add(KeyValue.Bool(WellKnownTags.Error, true));
                    if (value.Length > 0 && value != "true")
                    {
                        tags.Add(KeyValue.String("error.message", value));
                    }
                }
                else
                {
                    tags.Add(KeyValue.String(property.Name, value));
                }
            }
        }

        if (element.TryGetProperty("remoteEndpoint", out var remote) && remote.ValueKind == JsonValueKind.Object)
        {
            if (TryGetString(remote, "serviceName", out var peer) && peer.Length > 0)
            {
                tags.Add(KeyValue.String(WellKnownTags.PeerService, peer));
            }

            if (TryGetString(remote, "ipv4", out var ipv4))
            {
                tags.Add(KeyValue.String(WellKnownTags.PeerHostIPv4, ipv4));
            }

            if (TryGetString(remote, "ipv6", out var ipv6))
            {
                tags.Add(KeyValue.String(WellKnownTags.PeerHostIPv6, ipv6));
            }

            if (remote.TryGetProperty("port", out var port) && port.ValueKind == JsonValueKind.Number && port.TryGetInt64(out var portNumber))
            {
                tags.Add(KeyValue.Int64(WellKnownTags.PeerPort, portNumber));
            }
        }

        if (element.TryGetProperty("shared", out var shared) && shared.ValueKind == JsonValueKind.True)
        {
            tags.Add(KeyValue.Bool("zipkin.shared", true));
        }

        var logs = ImmutableArray.CreateBuilder<Log>();
        if (element.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == JsonValueKind.Array)
        {
            foreach (var annotation in annotations.EnumerateArray())
            {
                if (annotation.ValueKind != JsonValueKind.Object || !TryGetInt64(annotation, "timestamp", out var at) || !TryGetString(annotation, "value", out var text))
                {
                    error = "an annotation needs an integer timestamp and a string value";
                    return false;
                }

                logs.Add(new Log(at, [KeyValue.String(WellKnownTags.LogEvent, text)]));
            }
        }

        var service = string.Empty;
        var processTags = ImmutableArray<KeyValue>.Empty;
        if (element.TryGetProperty("localEndpoint", out var local) && local.ValueKind == JsonValueKind.Object)
        {
            TryGetString(local, "serviceName", out service);
            if (TryGetString(local, "ipv4", out var ip))
            {
                processTags = [KeyValue.String(WellKnownTags.Ip, ip)];
            }
        }

        var processKey = service + "\n" + (processTags.IsEmpty ? string.Empty : processTags[0].StringValue);
        if (!processes.TryGetValue(processKey, out var process))
        {
            process = new Process(service, processTags);
            processes[processKey] = process;
        }

        var flags = SpanFlags.Sampled;
        if (element.TryGetProperty("debug", out var debug) && debug.ValueKind == JsonValueKind.True)
        {
            flags |= SpanFlags.Debug;
        }

        TryGetString(element, "name", out var name);
        span = new Span
        {
            TraceId = traceId,
            SpanId = spanId,
            OperationName = name,
            References = references,
            Flags = flags,
            StartTimeMicros = timestamp,
            DurationMicros = duration,
            Tags = tags.ToImmutable(),
            Logs = logs.ToImmutable(),
            Process = process,
        };
        return true;
    }

    private static bool TryGetString(JsonElement element, string name, out string value)
    {
        if (element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String)
        {
            value = property.GetString()!;
            return true;
        }

        value = string.Empty;
        return false;
    }

    // Absent is fine (0); present must be an integer.
    private static bool TryGetInt64(JsonElement element, string name, out long value)
    {
        value = 0;
        if (!element.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (property.ValueKind == JsonValueKind.Number)
        {
            if (property.TryGetInt64(out value))
            {
                return true;
            }

            return property.TryGetDouble(out var d) && long.TryParse(Math.Truncate(d).ToString(CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
        }

        return false;
    }
}
