using System.Buffers;
using System.Text.Json;

namespace Jaeger.Collector.Sampling;

/// <summary>The kind of a sampling strategy.</summary>
public enum SamplingStrategyType
{
    /// <summary>Sample each trace with a fixed probability.</summary>
    Probabilistic,

    /// <summary>Sample at most a number of traces per second.</summary>
    RateLimiting,
}

/// <summary>The probabilistic rate of one operation.</summary>
/// <param name="Operation">The operation name.</param>
/// <param name="SamplingRate">The probability, 0 to 1.</param>
public readonly record struct OperationSamplingStrategy(string Operation, double SamplingRate);

/// <summary>Per-operation strategies of a service.</summary>
/// <param name="DefaultSamplingProbability">The probability of operations not listed.</param>
/// <param name="DefaultLowerBoundTracesPerSecond">The guaranteed minimum rate per operation (Jaeger's file store leaves it 0).</param>
/// <param name="PerOperationStrategies">The listed operations.</param>
/// <param name="DefaultUpperBoundTracesPerSecond">The maximum rate per operation (0 when unset).</param>
public sealed record PerOperationSamplingStrategies(
    double DefaultSamplingProbability,
    double DefaultLowerBoundTracesPerSecond,
    IReadOnlyList<OperationSamplingStrategy> PerOperationStrategies,
    double DefaultUpperBoundTracesPerSecond = 0);

/// <summary>A service's sampling strategy, as Jaeger's SamplingManager returns it.</summary>
public sealed record SamplingStrategy
{
    /// <summary>The default when no strategy is configured: probabilistic 0.001.</summary>
    public static SamplingStrategy Default { get; } = Probabilistic(0.001);

    /// <summary>The kind.</summary>
    public SamplingStrategyType Type { get; init; }

    /// <summary>The probability when <see cref="Type"/> is probabilistic.</summary>
    public double SamplingRate { get; init; }

    /// <summary>Traces per second when <see cref="Type"/> is rate limiting.</summary>
    public int MaxTracesPerSecond { get; init; }

    /// <summary>Per-operation strategies, or null.</summary>
    public PerOperationSamplingStrategies? OperationSampling { get; init; }

    /// <summary>A probabilistic strategy.</summary>
    public static SamplingStrategy Probabilistic(double rate) => new() { Type = SamplingStrategyType.Probabilistic, SamplingRate = rate };

    /// <summary>A rate-limiting strategy.</summary>
    public static SamplingStrategy RateLimiting(int maxTracesPerSecond) => new() { Type = SamplingStrategyType.RateLimiting, MaxTracesPerSecond = maxTracesPerSecond };

    /// <summary>
    /// The JSON Jaeger serves at <c>/sampling</c> and <c>/api/sampling</c>: protobuf-JSON with the enum as a string
    /// and the unused strategy left out, for example
    /// <c>{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}</c>.
    /// </summary>
    public void WriteJson(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        if (Type == SamplingStrategyType.RateLimiting)
        {
            json.WriteString("strategyType", "RATE_LIMITING");
            json.WriteStartObject("rateLimitingSampling");
            json.WriteNumber("maxTracesPerSecond", MaxTracesPerSecond);
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("strategyType", "PROBABILISTIC");
            json.WriteStartObject("probabilisticSampling");
            json.WriteNumber("samplingRate", SamplingRate);
            json.WriteEndObject();
        }

        if (OperationSampling is { } operations)
        {
            json.WriteStartObject("operationSampling");
            json.WriteNumber("defaultSamplingProbability", operations.DefaultSamplingProbability);
            json.WriteNumber("defaultLowerBoundTracesPerSecond", operations.DefaultLowerBoundTracesPerSecond);
            json.WriteStartArray("perOperationStrategies");
            foreach (var operation in operations.PerOperationStrategies)
            {
                json.WriteStartObject();
                json.WriteString("operation", operation.Operation);
                json.WriteStartObject("probabilisticSampling");
                json.WriteNumber("samplingRate", operation.SamplingRate);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("defaultUpperBoundTracesPerSecond", operations.DefaultUpperBoundTracesPerSecond);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>The JSON of <see cref="WriteJson"/> as a string.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteJson(buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>Answers which sampling strategy a service should use (the collector's strategy store).</summary>
public interface ISamplingStrategyProvider
{
    /// <summary>The strategy for <paramref name="serviceName"/>: its own when configured, else the default.</summary>
    ValueTask<SamplingStrategy> GetSamplingStrategyAsync(string serviceName, CancellationToken cancellationToken = default);
}
