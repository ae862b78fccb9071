using Jaeger.Sampling;
using Proto = Jaeger.Protos.ApiV2;

namespace Jaeger.Hosting.Protos;

/// <summary>Maps between <see cref="SamplingStrategy"/> and Jaeger's api_v2 <c>SamplingStrategyResponse</c>, for the collector's SamplingManager and the agent's client of it.</summary>
internal static class ApiV2SamplingMapper
{
    /// <summary>The response; a null section stays unset. The int32 <c>maxTracesPerSecond</c> takes the whole part of the rate.</summary>
    public static Proto.SamplingStrategyResponse ToProto(SamplingStrategy strategy)
    {
        var response = new Proto.SamplingStrategyResponse
        {
            StrategyType = strategy.Type == SamplingStrategyType.RateLimiting ? Proto.SamplingStrategyType.RateLimiting : Proto.SamplingStrategyType.Probabilistic,
        };
        if (strategy.SamplingRate is { } rate)
        {
            response.ProbabilisticSampling = new Proto.ProbabilisticSamplingStrategy { SamplingRate = rate };
        }

        if (strategy.MaxTracesPerSecond is { } max)
        {
            response.RateLimitingSampling = new Proto.RateLimitingSamplingStrategy { MaxTracesPerSecond = (int)Math.Clamp(max, 0, int.MaxValue) };
        }

        if (strategy.OperationSampling is { } operations)
        {
            var proto = new Proto.PerOperationSamplingStrategies
            {
                DefaultSamplingProbability = operations.DefaultSamplingProbability,
                DefaultLowerBoundTracesPerSecond = operations.DefaultLowerBoundTracesPerSecond,
                DefaultUpperBoundTracesPerSecond = operations.DefaultUpperBoundTracesPerSecond,
            };
            foreach (var operation in operations.PerOperationStrategies)
            {
                proto.PerOperationStrategies.Add(new Proto.OperationSamplingStrategy
                {
                    Operation = operation.Operation,
                    ProbabilisticSampling = new Proto.ProbabilisticSamplingStrategy { SamplingRate = operation.SamplingRate },
                });
            }

            response.OperationSampling = proto;
        }

        return response;
    }

    /// <summary>The strategy; an unset section becomes null, an operation without its probabilistic section gets rate 0 (protobuf's default).</summary>
    public static SamplingStrategy FromProto(Proto.SamplingStrategyResponse response)
    {
        PerOperationSamplingStrategies? operations = null;
        if (response.OperationSampling is { } perOperation)
        {
            var list = new OperationSamplingStrategy[perOperation.PerOperationStrategies.Count];
            for (var i = 0; i < list.Length; i++)
            {
                var operation = perOperation.PerOperationStrategies[i];
                list[i] = new OperationSamplingStrategy(operation.Operation, operation.ProbabilisticSampling?.SamplingRate ?? 0);
            }

            operations = new PerOperationSamplingStrategies(
                perOperation.DefaultSamplingProbability,
                perOperation.DefaultLowerBoundTracesPerSecond,
                list,
                perOperation.DefaultUpperBoundTracesPerSecond);
        }

        return new SamplingStrategy
        {
            Type = response.StrategyType == Proto.SamplingStrategyType.RateLimiting ? SamplingStrategyType.RateLimiting : SamplingStrategyType.Probabilistic,
            SamplingRate = response.ProbabilisticSampling?.SamplingRate,
            MaxTracesPerSecond = response.RateLimitingSampling?.MaxTracesPerSecond,
            OperationSampling = operations,
        };
    }
}
