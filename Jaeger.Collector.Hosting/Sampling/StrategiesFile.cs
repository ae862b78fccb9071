using System.Text.Json;
using Jaeger.Sampling;

namespace Jaeger.Collector.Sampling;

/// <summary>The strategies of one Jaeger strategies file, resolved per service.</summary>
internal sealed class StrategySet
{
    public StrategySet(SamplingStrategy defaultStrategy, IReadOnlyDictionary<string, SamplingStrategy> services)
    {
        Default = defaultStrategy;
        Services = services;
    }

    public static StrategySet Empty { get; } = new(SamplingStrategy.Default, new Dictionary<string, SamplingStrategy>());

    public SamplingStrategy Default { get; }

    public IReadOnlyDictionary<string, SamplingStrategy> Services { get; }

    public SamplingStrategy For(string service) => Services.TryGetValue(service, out var strategy) ? strategy : Default;
}

/// <summary>
/// Parses Jaeger's strategies file: <c>default_strategy</c>, <c>service_strategies</c> and their
/// <c>operation_strategies</c>, with Jaeger's merge rules (the default's operations are merged into each service,
/// the service's own win; ratelimiting operation entries are skipped; ratelimiting params are truncated to int).
/// </summary>
internal static class StrategiesFile
{
    private const double DefaultProbability = 0.001;

    public static bool TryParse(ReadOnlySpan<byte> json, out StrategySet strategies, out string error)
    {
        strategies = StrategySet.Empty;
        error = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the strategies file must hold a JSON object";
                return false;
            }

            var defaultStrategy = SamplingStrategy.Default;
            IReadOnlyList<OperationSamplingStrategy> defaultOperations = [];
            if (root.TryGetProperty("default_strategy", out var defaultElement) && defaultElement.ValueKind == JsonValueKind.Object)
            {
                if (!TryParseStrategy(defaultElement, "default_strategy", out defaultStrategy, out error))
                {
                    return false;
                }

                defaultOperations = ParseOperations(defaultElement);
                if (defaultOperations.Count > 0)
                {
                    defaultStrategy = defaultStrategy with { OperationSampling = new PerOperationSamplingStrategies(ProbabilityOf(defaultStrategy), 0, defaultOperations) };
                }
            }

            var services = new Dictionary<string, SamplingStrategy>(StringComparer.Ordinal);
            if (root.TryGetProperty("service_strategies", out var servicesElement) && servicesElement.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var element in servicesElement.EnumerateArray())
                {
                    if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("service", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
                    {
                        error = $"service_strategies[{index}] needs a \"service\" string";
                        return false;
                    }

                    if (!TryParseStrategy(element, $"service_strategies[{index}]", out var strategy, out error))
                    {
                        return false;
                    }

                    var own = ParseOperations(element);
                    var merged = new List<OperationSamplingStrategy>(own);
                    foreach (var operation in defaultOperations)
                    {
                        if (!merged.Exists(o => o.Operation == operation.Operation))
                        {
                            merged.Add(operation);
                        }
                    }

                    if (merged.Count > 0)
                    {
                        strategy = strategy with { OperationSampling = new PerOperationSamplingStrategies(ProbabilityOf(strategy), 0, merged) };
                    }

                    services[nameElement.GetString()!] = strategy;
                    index++;
                }
            }

            strategies = new StrategySet(defaultStrategy, services);
            return true;
        }
        catch (JsonException ex)
        {
            error = "the strategies file is not valid JSON: " + ex.Message;
            return false;
        }
    }

    private static double ProbabilityOf(SamplingStrategy strategy) =>
        strategy.Type == SamplingStrategyType.Probabilistic && strategy.SamplingRate is { } rate ? rate : DefaultProbability;

    private static bool TryParseStrategy(JsonElement element, string where, out SamplingStrategy strategy, out string error)
    {
        strategy = SamplingStrategy.Default;
        error = string.Empty;
        var type = element.TryGetProperty("type", out var typeElement) && typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString() : null;
        var param = element.TryGetProperty("param", out var paramElement) && paramElement.ValueKind == JsonValueKind.Number ? paramElement.GetDouble() : (double?)null;
        switch (type)
        {
            case "probabilistic":
                var rate = param ?? DefaultProbability;
                if (rate is < 0 or > 1)
                {
                    error = $"{where}: a probabilistic param must be from 0 to 1, not {rate}";
                    return false;
                }

                strategy = SamplingStrategy.Probabilistic(rate);
                return true;
            case "ratelimiting":
                var perSecond = param ?? 0;
                if (perSecond < 0 || perSecond > int.MaxValue)
                {
                    error = $"{where}: a ratelimiting param must be a non-negative number of traces per second, not {perSecond}";
                    return false;
                }

                strategy = SamplingStrategy.RateLimiting(Math.Truncate(perSecond));
                return true;
            default:
                error = $"{where}: \"type\" must be \"probabilistic\" or \"ratelimiting\", not {(type is null ? "missing" : "\"" + type + "\"")}";
                return false;
        }
    }

    private static List<OperationSamplingStrategy> ParseOperations(JsonElement element)
    {
        var result = new List<OperationSamplingStrategy>();
        if (!element.TryGetProperty("operation_strategies", out var operations) || operations.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (var operation in operations.EnumerateArray())
        {
            if (operation.ValueKind == JsonValueKind.Object &&
                operation.TryGetProperty("operation", out var name) && name.ValueKind == JsonValueKind.String &&
                operation.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "probabilistic" &&
                operation.TryGetProperty("param", out var param) && param.ValueKind == JsonValueKind.Number)
            {
                result.Add(new OperationSamplingStrategy(name.GetString()!, Math.Clamp(param.GetDouble(), 0, 1)));
            }
        }

        return result;
    }
}
