using System.Collections.Concurrent;
using System.Collections.Immutable;
using Jaeger.Model;
using Jaeger.Sampling;

namespace Jaeger.Client.Sampling;

/// <summary>A sampling decision and the tags a sampled root span carries.</summary>
internal readonly record struct SamplingStatus(bool IsSampled, ImmutableArray<KeyValue> Tags);

/// <summary>Decides, at the root of a trace only, whether the trace is recorded.</summary>
internal interface ISampler : IDisposable
{
    SamplingStatus Sample(string operation, TraceId traceId);
}

internal static class SamplerTypes
{
    public const string Const = "const";
    public const string Probabilistic = "probabilistic";
    public const string RateLimiting = "ratelimiting";
    public const string LowerBound = "lowerbound";
    public const string Remote = "remote";

    public static ImmutableArray<KeyValue> Tags(string type, double param) =>
        [KeyValue.String(WellKnownTags.SamplerType, type), KeyValue.Float64(WellKnownTags.SamplerParam, param)];
}

/// <summary>Always or never samples.</summary>
internal sealed class ConstSampler(bool decision) : ISampler
{
    private readonly SamplingStatus _status = new(decision,
        [KeyValue.String(WellKnownTags.SamplerType, SamplerTypes.Const), KeyValue.Bool(WellKnownTags.SamplerParam, decision)]);

    public bool Decision => decision;

    public SamplingStatus Sample(string operation, TraceId traceId) => _status;

    public void Dispose()
    {
    }
}

/// <summary>Samples a fixed fraction of traces, deterministically per trace id (Jaeger's rule: the low 63 bits of the id against a boundary).</summary>
internal sealed class ProbabilisticSampler : ISampler
{
    private const ulong MaxRandom = 0x7FFF_FFFF_FFFF_FFFF;
    private readonly ulong _boundary;
    private readonly SamplingStatus _sampled;
    private readonly SamplingStatus _notSampled;

    public ProbabilisticSampler(double rate)
    {
        if (double.IsNaN(rate) || rate < 0 || rate > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The sampling rate must be between 0 and 1.");
        }

        Rate = rate;
        _boundary = rate >= 1 ? ulong.MaxValue : (ulong)(MaxRandom * rate);
        _sampled = new(true, SamplerTypes.Tags(SamplerTypes.Probabilistic, rate));
        _notSampled = new(false, _sampled.Tags);
    }

    public double Rate { get; }

    public bool IsSampled(TraceId traceId) => (traceId.Low & MaxRandom) < _boundary;

    public SamplingStatus Sample(string operation, TraceId traceId) => IsSampled(traceId) ? _sampled : _notSampled;

    public void Dispose()
    {
    }
}

/// <summary>A token bucket: credits accrue per second up to a maximum balance; it starts full.</summary>
internal sealed class RateLimiter
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private double _creditsPerSecond;
    private double _maxBalance;
    private double _balance;
    private long _lastTick;

    public RateLimiter(double creditsPerSecond, double maxBalance, TimeProvider time)
    {
        _time = time;
        _creditsPerSecond = creditsPerSecond;
        _maxBalance = maxBalance;
        _balance = maxBalance;
        _lastTick = time.GetTimestamp();
    }

    public bool TryTake(double cost = 1)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_lastTick, now).TotalSeconds;
            _lastTick = now;
            _balance = Math.Min(_maxBalance, _balance + (elapsed * _creditsPerSecond));
            if (_balance >= cost)
            {
                _balance -= cost;
                return true;
            }

            return false;
        }
    }

    public void Update(double creditsPerSecond, double maxBalance)
    {
        lock (_lock)
        {
            // Keep the fill ratio so an update neither grants a burst nor starves.
            var ratio = _maxBalance > 0 ? _balance / _maxBalance : 1;
            _creditsPerSecond = creditsPerSecond;
            _maxBalance = maxBalance;
            _balance = maxBalance * ratio;
        }
    }
}

/// <summary>Samples at most a number of traces per second.</summary>
internal sealed class RateLimitingSampler : ISampler
{
    private readonly RateLimiter _limiter;
    private readonly SamplingStatus _sampled;
    private readonly SamplingStatus _notSampled;

    public RateLimitingSampler(double maxTracesPerSecond, TimeProvider time)
    {
        if (double.IsNaN(maxTracesPerSecond) || maxTracesPerSecond < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxTracesPerSecond), maxTracesPerSecond, "The rate must not be negative.");
        }

        MaxTracesPerSecond = maxTracesPerSecond;
        _limiter = new RateLimiter(maxTracesPerSecond, Math.Max(maxTracesPerSecond, 1), time);
        _sampled = new(true, SamplerTypes.Tags(SamplerTypes.RateLimiting, maxTracesPerSecond));
        _notSampled = new(false, _sampled.Tags);
    }

    public double MaxTracesPerSecond { get; }

    public SamplingStatus Sample(string operation, TraceId traceId) => _limiter.TryTake() ? _sampled : _notSampled;

    public void Dispose()
    {
    }
}

/// <summary>Probabilistic, but guarantees a lower bound of traces per second (type "lowerbound").</summary>
internal sealed class GuaranteedThroughputSampler : ISampler
{
    private readonly TimeProvider _time;
    private volatile State _state;

    public GuaranteedThroughputSampler(double samplingRate, double lowerBound, TimeProvider time)
    {
        _time = time;
        _state = new State(new ProbabilisticSampler(samplingRate), new RateLimiter(lowerBound, Math.Max(lowerBound, 1), time), samplingRate, lowerBound);
    }

    public double SamplingRate => _state.Rate;

    public double LowerBound => _state.LowerBound;

    public SamplingStatus Sample(string operation, TraceId traceId)
    {
        var state = _state;
        if (state.Probabilistic.IsSampled(traceId))
        {
            // Consume a credit anyway so the lower bound counts every sampled trace.
            state.LowerBoundLimiter.TryTake();
            return new(true, state.ProbabilisticTags);
        }

        return new(state.LowerBoundLimiter.TryTake(), state.LowerBoundTags);
    }

    public void Update(double samplingRate, double lowerBound)
    {
        var state = _state;
        if (state.Rate == samplingRate && state.LowerBound == lowerBound)
        {
            return;
        }

        var limiter = state.LowerBoundLimiter;
        if (state.LowerBound != lowerBound)
        {
            limiter = new RateLimiter(lowerBound, Math.Max(lowerBound, 1), _time);
        }

        _state = new State(state.Rate == samplingRate ? state.Probabilistic : new ProbabilisticSampler(samplingRate), limiter, samplingRate, lowerBound);
    }

    public void Dispose()
    {
    }

    private sealed class State(ProbabilisticSampler probabilistic, RateLimiter limiter, double rate, double lowerBound)
    {
        public ProbabilisticSampler Probabilistic { get; } = probabilistic;
        public RateLimiter LowerBoundLimiter { get; } = limiter;
        public double Rate { get; } = rate;
        public double LowerBound { get; } = lowerBound;
        public ImmutableArray<KeyValue> ProbabilisticTags { get; } = SamplerTypes.Tags(SamplerTypes.Probabilistic, rate);
        public ImmutableArray<KeyValue> LowerBoundTags { get; } = SamplerTypes.Tags(SamplerTypes.LowerBound, rate);
    }
}

/// <summary>One guaranteed-throughput sampler per operation, up to a cap; operations beyond the cap use the default probabilistic sampler.</summary>
internal sealed class PerOperationSampler : ISampler
{
    private readonly ConcurrentDictionary<string, GuaranteedThroughputSampler> _samplers = new(StringComparer.Ordinal);
    private readonly int _maxOperations;
    private readonly TimeProvider _time;
    private readonly Lock _addLock = new();
    private volatile ProbabilisticSampler _default;
    private double _lowerBound;

    public PerOperationSampler(int maxOperations, PerOperationSamplingStrategies parameters, TimeProvider time)
    {
        _maxOperations = maxOperations;
        _time = time;
        _default = new ProbabilisticSampler(parameters.DefaultSamplingProbability);
        _lowerBound = parameters.DefaultLowerBoundTracesPerSecond;
        Update(parameters);
    }

    public int OperationCount => _samplers.Count;

    public double DefaultSamplingProbability => _default.Rate;

    public double LowerBound => Volatile.Read(ref _lowerBound);

    public bool TryGetOperation(string operation, out GuaranteedThroughputSampler sampler) => _samplers.TryGetValue(operation, out sampler!);

    public SamplingStatus Sample(string operation, TraceId traceId)
    {
        if (_samplers.TryGetValue(operation, out var sampler))
        {
            return sampler.Sample(operation, traceId);
        }

        lock (_addLock)
        {
            if (_samplers.TryGetValue(operation, out sampler))
            {
                return sampler.Sample(operation, traceId);
            }

            if (_samplers.Count >= _maxOperations)
            {
                return _default.Sample(operation, traceId);
            }

            sampler = new GuaranteedThroughputSampler(_default.Rate, LowerBound, _time);
            _samplers[operation] = sampler;
        }

        return sampler.Sample(operation, traceId);
    }

    public void Update(PerOperationSamplingStrategies parameters)
    {
        lock (_addLock)
        {
            Volatile.Write(ref _lowerBound, parameters.DefaultLowerBoundTracesPerSecond);
            foreach (var (operation, rate) in parameters.PerOperationStrategies)
            {
                if (_samplers.TryGetValue(operation, out var existing))
                {
                    existing.Update(rate, parameters.DefaultLowerBoundTracesPerSecond);
                }
                else if (_samplers.Count < _maxOperations)
                {
                    _samplers[operation] = new GuaranteedThroughputSampler(rate, parameters.DefaultLowerBoundTracesPerSecond, _time);
                }
            }

            if (_default.Rate != parameters.DefaultSamplingProbability)
            {
                _default = new ProbabilisticSampler(parameters.DefaultSamplingProbability);
            }
        }
    }

    public void Dispose()
    {
    }
}
