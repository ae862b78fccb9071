using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using Jaeger.Protos.Otlp.Collector.Trace.V1;

namespace Jaeger.Hosting.Otlp;

/// <summary>
/// Reads OTLP/JSON (the collector's OTLP/HTTP JSON receiver and the query service's <c>/api/transform</c>). It is protobuf-JSON except that trace and span ids are hex, not base64, so the ids are
/// rewritten to base64 in one streaming pass before the protobuf JSON parser (which accepts camelCase, enum
/// integers and int64 as strings or numbers) reads the message.
/// </summary>
internal static class OtlpJsonReader
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true).WithRecursionLimit(64));

    public static bool TryParse(ReadOnlySpan<byte> utf8, out ExportTraceServiceRequest request, out string error)
    {
        request = null!;
        error = string.Empty;
        var buffer = new ArrayBufferWriter<byte>(utf8.Length + 64);
        try
        {
            if (!TryRewriteIds(utf8, buffer, out error))
            {
                return false;
            }

            request = Parser.Parse<ExportTraceServiceRequest>(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
            return true;
        }
        catch (JsonException ex)
        {
            error = "the body is not valid JSON: " + ex.Message;
        }
        catch (InvalidProtocolBufferException ex)
        {
            error = "the body is not an OTLP ExportTraceServiceRequest: " + ex.Message;
        }
        catch (InvalidJsonException ex)
        {
            error = "the body is not valid OTLP JSON: " + ex.Message;
        }
        catch (FormatException ex)
        {
            error = "the body is not valid OTLP JSON: " + ex.Message;
        }

        return false;
    }

    private static bool TryRewriteIds(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output, out string error)
    {
        error = string.Empty;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        var idProperty = false;
        Span<byte> idBytes = stackalloc byte[16];
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    writer.WriteStartObject();
                    break;
                case JsonTokenType.EndObject:
                    writer.WriteEndObject();
                    break;
                case JsonTokenType.StartArray:
                    writer.WriteStartArray();
                    break;
                case JsonTokenType.EndArray:
                    writer.WriteEndArray();
                    break;
                case JsonTokenType.PropertyName:
                    idProperty = reader.ValueTextEquals("traceId"u8) || reader.ValueTextEquals("spanId"u8) || reader.ValueTextEquals("parentSpanId"u8) ||
                        reader.ValueTextEquals("trace_id"u8) || reader.ValueTextEquals("span_id"u8) || reader.ValueTextEquals("parent_span_id"u8);
                    writer.WritePropertyName(reader.GetString()!);
                    continue;
                case JsonTokenType.String:
                    if (idProperty)
                    {
                        var hex = reader.GetString()!;
                        if (hex.Length > 32 || hex.Length % 2 != 0 || !TryFromHex(hex, idBytes[..(hex.Length / 2)]))
                        {
                            error = $"'{(hex.Length > 40 ? hex[..40] + "..." : hex)}' is not a hex trace or span id";
                            return false;
                        }

                        writer.WriteStringValue(Convert.ToBase64String(idBytes[..(hex.Length / 2)]));
                    }
                    else
                    {
                        writer.WriteStringValue(reader.GetString());
                    }

                    break;
                case JsonTokenType.Number:
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True:
                    writer.WriteBooleanValue(true);
                    break;
                case JsonTokenType.False:
                    writer.WriteBooleanValue(false);
                    break;
                case JsonTokenType.Null:
                    writer.WriteNullValue();
                    break;
                default:
                    break;
            }

            idProperty = false;
        }

        writer.Flush();
        return true;
    }

    private static bool TryFromHex(string hex, Span<byte> destination) =>
        Convert.FromHexString(hex, destination, out _, out var written) == OperationStatus.Done && written == destination.Length;
}
