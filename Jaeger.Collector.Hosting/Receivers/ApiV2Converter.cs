using Jaeger.Collector.Sampling;
using Proto = Jaeger.Protos.ApiV2;

namespace Jaeger.Collector.Receivers;

/// <summary>Converts sampling strategies to Jaeger's api_v2 protobuf response.</summary>
internal static class ApiV2Converter
{
    public static Proto.SamplingStrategyResponse ToProto(SamplingStrategy strategy)
    {
        var response = new Proto.SamplingStrategyResponse();
        if (strategy.Type == SamplingStrategyType.RateLimiting)
        {
            response.StrategyType = Proto.SamplingStrategyType.RateLimiting;
            response.RateLimitingSampling = new Proto.RateLimitingSamplingStrategy { MaxTracesPerSecond = strategy.MaxTracesPerSecond };
        }
        else
        {
            response.StrategyType = Proto.SamplingStrategyType.Probabilistic;
            response.ProbabilisticSampling = new Proto.ProbabilisticSamplingStrategy { SamplingRate = strategy.SamplingRate };
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
}
