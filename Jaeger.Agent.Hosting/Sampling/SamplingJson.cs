using System.Buffers;
using System.Collections.Immutable;
using System.Text.Json;

namespace Jaeger.Agent.Hosting.Sampling;

/// <summary>
/// The JSON forms of a sampling strategy. <see cref="Write"/> produces Jaeger agent's <c>/sampling</c> shape
/// (protobuf JSON, enum as a string, unset strategies left out) or, with <c>legacy</c>, the <c>/</c> shape (the
/// Thrift struct, enum as its integer code). <see cref="Read"/> accepts either, as served by a collector.
/// </summary>
internal static class SamplingJson
{
    public static void Write(IBufferWriter<byte> output, SamplingStrategy strategy, bool legacy)
    {
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
            json.WriteStartObject("probabilisticSampling");
            json.WriteNumber("samplingRate", rate);
            json.WriteEndObject();
        }

        if (strategy.MaxTracesPerSecond is { } max)
        {
            json.WriteStartObject("rateLimitingSampling");
            json.WriteNumber("maxTracesPerSecond", max);
            json.WriteEndObject();
        }

        if (strategy.Operations is { } operations)
        {
            json.WriteStartObject("operationSampling");
            json.WriteNumber("defaultSamplingProbability", operations.DefaultSamplingProbability);
            json.WriteNumber("defaultLowerBoundTracesPerSecond", operations.DefaultLowerBoundTracesPerSecond);
            json.WriteStartArray("perOperationStrategies");
            foreach (var operation in operations.Strategies)
            {
                json.WriteStartObject();
                json.WriteString("operation", operation.Operation);
                json.WriteStartObject("probabilisticSampling");
                json.WriteNumber("samplingRate", operation.SamplingRate);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            // The Thrift field is optional (Go omits it when unset); protobuf JSON with defaults always writes it.
            if (!legacy || operations.DefaultUpperBoundTracesPerSecond != 0)
            {
                json.WriteNumber("defaultUpperBoundTracesPerSecond", operations.DefaultUpperBoundTracesPerSecond);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>Parses a collector's answer; throws <see cref="JsonException"/> or <see cref="FormatException"/> when it is not a strategy.</summary>
    public static SamplingStrategy Read(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 16 });
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a sampling strategy is a JSON object");
        }

        var type = SamplingStrategyType.Probabilistic;
        if (root.TryGetProperty("strategyType", out var typeElement))
        {
            type = typeElement.ValueKind switch
            {
                JsonValueKind.String when typeElement.ValueEquals("RATE_LIMITING") => SamplingStrategyType.RateLimiting,
                JsonValueKind.String when typeElement.ValueEquals("PROBABILISTIC") => SamplingStrategyType.Probabilistic,
                JsonValueKind.Number when typeElement.GetInt32() is 0 or 1 => (SamplingStrategyType)typeElement.GetInt32(),
                _ => throw new FormatException($"unknown strategyType {typeElement.GetRawText()}"),
            };
        }

        double? rate = null;
        if (root.TryGetProperty("probabilisticSampling", out var probabilistic) && probabilistic.ValueKind == JsonValueKind.Object)
        {
            rate = Number(probabilistic, "samplingRate");
        }

        int? max = null;
        if (root.TryGetProperty("rateLimitingSampling", out var rateLimiting) && rateLimiting.ValueKind == JsonValueKind.Object)
        {
            max = rateLimiting.TryGetProperty("maxTracesPerSecond", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : 0;
        }

        PerOperationSampling? operations = null;
        if (root.TryGetProperty("operationSampling", out var perOperation) && perOperation.ValueKind == JsonValueKind.Object)
        {
            var strategies = ImmutableArray.CreateBuilder<OperationSampling>();
            if (perOperation.TryGetProperty("perOperationStrategies", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    var name = item.TryGetProperty("operation", out var op) && op.ValueKind == JsonValueKind.String ? op.GetString()! : string.Empty;
                    var opRate = item.TryGetProperty("probabilisticSampling", out var p) && p.ValueKind == JsonValueKind.Object ? Number(p, "samplingRate") : 0;
                    strategies.Add(new OperationSampling(name, opRate));
                }
            }

            operations = new PerOperationSampling(
                Number(perOperation, "defaultSamplingProbability"),
                Number(perOperation, "defaultLowerBoundTracesPerSecond"),
                strategies.ToImmutable(),
                Number(perOperation, "defaultUpperBoundTracesPerSecond"));
        }

        return new SamplingStrategy(type, rate, max, operations);
    }

    private static double Number(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;
}
