using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Jaeger.Sampling;

/// <summary>
/// The JSON of a <see cref="SamplingStrategy"/>: what Jaeger's agent serves at <c>GET /sampling?service=</c> and its
/// collector at <c>GET /api/sampling?service=</c> (protobuf JSON, the enum as a string, absent sections left out),
/// and the legacy agent form of <c>GET /?service=</c> (the Thrift struct, the enum as its integer code).
/// </summary>
public static class SamplingStrategyJson
{
    private const int MaxDepth = 16;

    /// <summary>Writes <paramref name="strategy"/> in Jaeger's <c>/sampling</c> form, or with <paramref name="legacy"/> in the legacy <c>/</c> form.</summary>
    /// <param name="output">Receives UTF-8 JSON.</param>
    /// <param name="strategy">The strategy.</param>
    /// <param name="legacy">True for the legacy Thrift form: <c>strategyType</c> as 0 or 1, a zero <c>defaultUpperBoundTracesPerSecond</c> left out.</param>
    public static void Write(IBufferWriter<byte> output, SamplingStrategy strategy, bool legacy = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(strategy);
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        if (legacy)
        {
            json.WriteNumber("strategyType", (int)strategy.Type);
        }
        else
        {
            json.WriteString("strategyType", strategy.Type == SamplingStrategyType.RateLimiting ? "RATE_LIMITING" : "PROBABILISTIC");
        }

        if (strategy.SamplingRate is { } rate)
        {
            WriteProbabilistic(json, rate);
        }

        if (strategy.MaxTracesPerSecond is { } max)
        {
            json.WriteStartObject("rateLimitingSampling");
            json.WriteNumber("maxTracesPerSecond", max);
            json.WriteEndObject();
        }

        if (strategy.OperationSampling is { } operations)
        {
            json.WriteStartObject("operationSampling");
            json.WriteNumber("defaultSamplingProbability", operations.DefaultSamplingProbability);
            json.WriteNumber("defaultLowerBoundTracesPerSecond", operations.DefaultLowerBoundTracesPerSecond);
            json.WriteStartArray("perOperationStrategies");
            foreach (var operation in operations.PerOperationStrategies)
            {
                json.WriteStartObject();
                json.WriteString("operation", operation.Operation);
                WriteProbabilistic(json, operation.SamplingRate);
                json.WriteEndObject();
            }

            json.WriteEndArray();

            // The Thrift field is optional (Go leaves it out when unset); protobuf JSON with defaults always has it.
            if (!legacy || operations.DefaultUpperBoundTracesPerSecond != 0)
            {
                json.WriteNumber("defaultUpperBoundTracesPerSecond", operations.DefaultUpperBoundTracesPerSecond);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>The JSON of <see cref="Write"/> as a string.</summary>
    public static string ToJson(SamplingStrategy strategy, bool legacy = false)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        Write(buffer, strategy, legacy);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Reads a strategy in either form. <c>strategyType</c> may be <c>"PROBABILISTIC"</c> / <c>"RATE_LIMITING"</c>
    /// (any case), 0 / 1, or absent (then it follows the section present); sections may be absent or null; numbers
    /// may be JSON numbers or numeric strings (as protobuf JSON allows); unknown fields are ignored. A present section
    /// needs its value (<c>samplingRate</c>, <c>maxTracesPerSecond</c>, <c>operation</c>); a missing
    /// <c>defaultSamplingProbability</c> is 0.001, a missing bound 0. Rates must be from 0 to 1, rates per second
    /// non-negative.
    /// </summary>
    /// <param name="utf8Json">The JSON.</param>
    /// <param name="strategy">The strategy, when the JSON is one.</param>
    /// <param name="error">Otherwise what is wrong, naming the field.</param>
    public static bool TryRead(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out SamplingStrategy? strategy, out string error)
    {
        strategy = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);

            // Data after the value is an error: reading on throws on it.
            reader.Read();

            return TryRead(document.RootElement, out strategy, out error);
        }
        catch (JsonException ex)
        {
            error = "a sampling strategy must be JSON: " + ex.Message;
            return false;
        }
    }

    private static void WriteProbabilistic(Utf8JsonWriter json, double rate)
    {
        json.WriteStartObject("probabilisticSampling");
        json.WriteNumber("samplingRate", rate);
        json.WriteEndObject();
    }

    private static bool TryRead(JsonElement root, [NotNullWhen(true)] out SamplingStrategy? strategy, out string error)
    {
        strategy = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = $"a sampling strategy must be a JSON object, not {Describe(root)}";
            return false;
        }

        double? rate = null;
        double? max = null;
        PerOperationSamplingStrategies? operations = null;
        if (!TryGetSection(root, "probabilisticSampling", out var probabilistic, out error) ||
            !TryGetSection(root, "rateLimitingSampling", out var rateLimiting, out error) ||
            !TryGetSection(root, "operationSampling", out var perOperation, out error))
        {
            return false;
        }

        if (probabilistic is { } p)
        {
            if (!TryReadRate(p, "probabilisticSampling", out var value, out error))
            {
                return false;
            }

            rate = value;
        }

        if (rateLimiting is { } r)
        {
            if (!TryReadNumber(r, "maxTracesPerSecond", "rateLimitingSampling.maxTracesPerSecond", null, out var value, out error))
            {
                return false;
            }

            max = value;
        }

        if (perOperation is { } o && !TryReadOperations(o, out operations, out error))
        {
            return false;
        }

        if (!TryReadType(root, inferred: rate is null && max is not null ? SamplingStrategyType.RateLimiting : SamplingStrategyType.Probabilistic, out var type, out error))
        {
            return false;
        }

        strategy = new SamplingStrategy { Type = type, SamplingRate = rate, MaxTracesPerSecond = max, OperationSampling = operations };
        return true;
    }

    private static bool TryReadType(JsonElement root, SamplingStrategyType inferred, out SamplingStrategyType type, out string error)
    {
        type = inferred;
        error = string.Empty;
        if (!root.TryGetProperty("strategyType", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            var name = element.GetString();
            if (string.Equals(name, "PROBABILISTIC", StringComparison.OrdinalIgnoreCase))
            {
                type = SamplingStrategyType.Probabilistic;
                return true;
            }

            if (string.Equals(name, "RATE_LIMITING", StringComparison.OrdinalIgnoreCase))
            {
                type = SamplingStrategyType.RateLimiting;
                return true;
            }
        }
        else if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var code) && code is 0 or 1)
        {
            type = (SamplingStrategyType)code;
            return true;
        }

        error = $"strategyType must be \"PROBABILISTIC\", \"RATE_LIMITING\", 0 or 1, not {element.GetRawText()}";
        return false;
    }

    private static bool TryReadOperations(JsonElement element, [NotNullWhen(true)] out PerOperationSamplingStrategies? operations, out string error)
    {
        operations = null;
        if (!TryReadNumber(element, "defaultSamplingProbability", "operationSampling.defaultSamplingProbability", SamplingStrategy.Default.SamplingRate, out var probability, out error) ||
            !TryReadNumber(element, "defaultLowerBoundTracesPerSecond", "operationSampling.defaultLowerBoundTracesPerSecond", 0, out var lowerBound, out error) ||
            !TryReadNumber(element, "defaultUpperBoundTracesPerSecond", "operationSampling.defaultUpperBoundTracesPerSecond", 0, out var upperBound, out error))
        {
            return false;
        }

        if (probability > 1)
        {
            error = $"operationSampling.defaultSamplingProbability must be from 0 to 1, not {Format(probability)}";
            return false;
        }

        var list = new List<OperationSamplingStrategy>();
        if (element.TryGetProperty("perOperationStrategies", out var array) && array.ValueKind != JsonValueKind.Null)
        {
            if (array.ValueKind != JsonValueKind.Array)
            {
                error = $"operationSampling.perOperationStrategies must be an array, not {Describe(array)}";
                return false;
            }

            var index = 0;
            foreach (var item in array.EnumerateArray())
            {
                var where = $"operationSampling.perOperationStrategies[{index}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    error = $"{where} must be an object, not {Describe(item)}";
                    return false;
                }

                if (!item.TryGetProperty("operation", out var name) || name.ValueKind != JsonValueKind.String)
                {
                    error = $"{where}.operation must be a string";
                    return false;
                }

                if (!TryGetSection(item, "probabilisticSampling", out var probabilistic, out error) || probabilistic is null)
                {
                    error = error.Length > 0 ? $"{where}.{error}" : $"{where}.probabilisticSampling is missing";
                    return false;
                }

                if (!TryReadRate(probabilistic.Value, where + ".probabilisticSampling", out var rate, out error))
                {
                    return false;
                }

                list.Add(new OperationSamplingStrategy(name.GetString()!, rate));
                index++;
            }
        }

        operations = new PerOperationSamplingStrategies(probability, lowerBound, list, upperBound);
        return true;
    }

    /// <summary>The section when it is an object, null when it is absent or null; false (with an error) when it is something else.</summary>
    private static bool TryGetSection(JsonElement parent, string name, out JsonElement? section, out string error)
    {
        error = string.Empty;
        section = null;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            error = $"{name} must be an object, not {Describe(element)}";
            return false;
        }

        section = element;
        return true;
    }

    private static bool TryReadRate(JsonElement section, string where, out double rate, out string error)
    {
        if (!TryReadNumber(section, "samplingRate", where + ".samplingRate", null, out rate, out error))
        {
            return false;
        }

        if (rate > 1)
        {
            error = $"{where}.samplingRate must be from 0 to 1, not {Format(rate)}";
            return false;
        }

        return true;
    }

    /// <summary>A finite non-negative number, or a numeric string; <paramref name="fallback"/> when absent (an error when that is null).</summary>
    private static bool TryReadNumber(JsonElement parent, string name, string where, double? fallback, out double value, out string error)
    {
        error = string.Empty;
        value = fallback ?? 0;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (fallback is null)
            {
                error = $"{where} is missing";
                return false;
            }

            return true;
        }

        var ok = element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetDouble(out value),
            JsonValueKind.String => double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
        if (!ok || !double.IsFinite(value))
        {
            error = $"{where} must be a number, not {element.GetRawText()}";
            return false;
        }

        if (value < 0)
        {
            error = $"{where} must not be negative, not {Format(value)}";
            return false;
        }

        return true;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
