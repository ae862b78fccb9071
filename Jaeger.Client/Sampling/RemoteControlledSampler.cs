using Jaeger.Client.Diagnostics;
using Jaeger.Client.Remote;
using Jaeger.Model;
using Jaeger.Sampling;
using Microsoft.Extensions.Logging;

namespace Jaeger.Client.Sampling;

/// <summary>
/// Polls the agent's sampling endpoint (<c>GET {endpoint}?service=</c>) now and every refresh interval and applies
/// the strategy it serves (probabilistic, rate-limiting or per-operation). A failed or unusable poll keeps the last good sampler.
/// </summary>
internal sealed class RemoteControlledSampler : EndpointPoller, ISampler
{
    private readonly TimeProvider _time;
    private readonly int _maxOperations;
    private readonly ClientMetrics _metrics;
    private volatile ISampler _sampler;

    public RemoteControlledSampler(string serviceName, string endpoint, ISampler initialSampler, TimeSpan refreshInterval, int maxOperations,
        TimeProvider time, ClientMetrics metrics, ILogger logger, HttpClient? http = null, Action<bool>? polled = null)
        : base(endpoint, serviceName, refreshInterval, time, http, logger, polled)
    {
        _sampler = initialSampler;
        _maxOperations = maxOperations;
        _time = time;
        _metrics = metrics;
        Start();
    }

    public ISampler Current => _sampler;

    protected override string Subject => "sampler";

    public SamplingStatus Sample(string operation, TraceId traceId) => _sampler.Sample(operation, traceId);

    protected override void Count(bool fetched, bool applied)
    {
        _metrics.SamplerQuery(fetched);
        if (fetched)
        {
            _metrics.SamplerUpdate(applied);
        }
    }

    protected override bool TryApply(byte[] body, out string error)
    {
        if (!SamplingStrategyJson.TryRead(body, out var strategy, out error))
        {
            return false;
        }

        if (TryApply(strategy))
        {
            return true;
        }

        error = strategy.Type == SamplingStrategyType.RateLimiting
            ? "strategyType RATE_LIMITING without rateLimitingSampling"
            : "strategyType PROBABILISTIC without probabilisticSampling";
        return false;
    }

    /// <summary>Per-operation strategies win; otherwise the section that <see cref="SamplingStrategy.Type"/> names.</summary>
    private bool TryApply(SamplingStrategy strategy)
    {
        if (strategy.OperationSampling is { } operations)
        {
            if (_sampler is PerOperationSampler perOperation)
            {
                perOperation.Update(operations);
            }
            else
            {
                _sampler = new PerOperationSampler(_maxOperations, operations, _time);
            }

            return true;
        }

        if (strategy.Type == SamplingStrategyType.Probabilistic && strategy.SamplingRate is { } rate)
        {
            if (_sampler is not ProbabilisticSampler p || p.Rate != rate)
            {
                _sampler = new ProbabilisticSampler(rate);
            }

            return true;
        }

        if (strategy.Type == SamplingStrategyType.RateLimiting && strategy.MaxTracesPerSecond is { } max)
        {
            if (_sampler is not RateLimitingSampler r || r.MaxTracesPerSecond != max)
            {
                _sampler = new RateLimitingSampler(max, _time);
            }

            return true;
        }

        return false;
    }

    public override string ToString() => $"remote({_sampler})";
}
