using System.Threading.Channels;
using Jaeger.Client.Diagnostics;
using Jaeger.Client.Sampling;
using Jaeger.Model;
using Jaeger.Sampling;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Client.Tests.Sampling;

public class SamplerTests
{
    [Fact]
    public void Probabilistic_compares_low_63_bits_with_the_boundary()
    {
        var sampler = new ProbabilisticSampler(0.5);
        Assert.True(sampler.Sample("op", new TraceId(0x3FFF_FFFF_FFFF_FFFE)).IsSampled);
        Assert.False(sampler.Sample("op", new TraceId(0x4000_0000_0000_0001)).IsSampled);
        // The top bit is ignored: the same low 63 bits give the same decision.
        Assert.True(sampler.Sample("op", new TraceId(0xBFFF_FFFF_FFFF_FFFE)).IsSampled);
        Assert.True(new ProbabilisticSampler(1).Sample("op", new TraceId(ulong.MaxValue)).IsSampled);
        Assert.False(new ProbabilisticSampler(0).Sample("op", new TraceId(1)).IsSampled);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProbabilisticSampler(1.5));
        var tags = sampler.Sample("op", new TraceId(1)).Tags;
        Assert.Equal("probabilistic", tags[0].StringValue);
        Assert.Equal(0.5, tags[1].Float64Value);
    }

    [Fact]
    public void Probabilistic_rate_is_roughly_honoured_over_random_ids()
    {
        var sampler = new ProbabilisticSampler(0.25);
        var random = new Random(42);
        var sampled = Enumerable.Range(0, 20000).Count(_ => sampler.Sample("op", new TraceId((ulong)random.NextInt64())).IsSampled);
        Assert.InRange(sampled, 4500, 5500);
    }

    [Fact]
    public void Rate_limiting_allows_burst_then_refills_with_time()
    {
        var time = new FakeTimeProvider();
        var sampler = new RateLimitingSampler(2, time);
        Assert.True(sampler.Sample("op", default).IsSampled);
        Assert.True(sampler.Sample("op", default).IsSampled);
        Assert.False(sampler.Sample("op", default).IsSampled);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(sampler.Sample("op", default).IsSampled);
        Assert.False(sampler.Sample("op", default).IsSampled);
        Assert.Equal("ratelimiting", sampler.Sample("op", default).Tags[0].StringValue);
    }

    [Fact]
    public void Guaranteed_throughput_samples_lower_bound_when_probability_says_no()
    {
        var time = new FakeTimeProvider();
        var sampler = new GuaranteedThroughputSampler(0, 1, time);
        var first = sampler.Sample("op", new TraceId(5));
        Assert.True(first.IsSampled);
        Assert.Equal("lowerbound", first.Tags[0].StringValue);
        Assert.False(sampler.Sample("op", new TraceId(5)).IsSampled);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(sampler.Sample("op", new TraceId(5)).IsSampled);

        var always = new GuaranteedThroughputSampler(1, 1, time);
        Assert.Equal("probabilistic", always.Sample("op", new TraceId(5)).Tags[0].StringValue);
    }

    [Fact]
    public void Per_operation_sampler_caps_operations_and_uses_default_beyond()
    {
        var time = new FakeTimeProvider();
        var sampler = new PerOperationSampler(2, new PerOperationSamplingStrategies(0, 0, [new("known", 1.0)]), time);
        Assert.True(sampler.Sample("known", new TraceId(7)).IsSampled);
        // A new operation gets its own guaranteed-throughput sampler (whose bucket starts with one credit).
        Assert.Equal("lowerbound", sampler.Sample("second", new TraceId(7)).Tags[0].StringValue);
        Assert.False(sampler.Sample("second", new TraceId(7)).IsSampled);
        Assert.Equal(2, sampler.OperationCount);
        var third = sampler.Sample("third", new TraceId(7));
        Assert.False(third.IsSampled);
        Assert.Equal("probabilistic", third.Tags[0].StringValue);
        Assert.Equal(2, sampler.OperationCount);

        sampler.Update(new PerOperationSamplingStrategies(1, 0, [new("second", 1.0)]));
        Assert.True(sampler.Sample("second", new TraceId(7)).IsSampled);
        Assert.True(sampler.Sample("third", new TraceId(7)).IsSampled);
    }

    [Fact]
    public async Task Remote_sampler_applies_strategies_keeps_last_good_on_failure_and_follows_changes()
    {
        await using var server = new TinyHttpServer();
        var time = new FakeTimeProvider();
        using var metrics = new ClientMetrics(null);
        using var queries = new MetricCollector<long>(metrics.Meter, "jaeger.client.sampler.queries");
        using var updates = new MetricCollector<long>(metrics.Meter, "jaeger.client.sampler.updates");
        var polls = Channel.CreateUnbounded<bool>();
        server.Enqueue(200, """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.25}}""");
        using var sampler = new RemoteControlledSampler("svc a", $"127.0.0.1:{server.Port}/sampling", new ProbabilisticSampler(0.001),
            TimeSpan.FromMinutes(1), 100, time, metrics, NullLogger.Instance, polled: ok => polls.Writer.TryWrite(ok));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal("GET /sampling?service=svc%20a HTTP/1.1", await server.Requests.Reader.ReadAsync(timeout.Token));
        Assert.True(await polls.Reader.ReadAsync(timeout.Token));
        Assert.Equal(0.25, Assert.IsType<ProbabilisticSampler>(sampler.Current).Rate);

        server.Enqueue(500, "boom");
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await polls.Reader.ReadAsync(timeout.Token));
        Assert.Equal(0.25, Assert.IsType<ProbabilisticSampler>(sampler.Current).Rate);

        server.Enqueue(200, "not json");
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await polls.Reader.ReadAsync(timeout.Token));
        Assert.IsType<ProbabilisticSampler>(sampler.Current);

        server.Enqueue(200, """{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":3}}""");
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await polls.Reader.ReadAsync(timeout.Token));
        Assert.Equal(3, Assert.IsType<RateLimitingSampler>(sampler.Current).MaxTracesPerSecond);

        server.Enqueue(200, """
            {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001},
             "operationSampling":{"defaultSamplingProbability":0.002,"defaultLowerBoundTracesPerSecond":0.5,
               "perOperationStrategies":[{"operation":"GET:/search","probabilisticSampling":{"samplingRate":1}}]}}
            """);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await polls.Reader.ReadAsync(timeout.Token));
        var perOperation = Assert.IsType<PerOperationSampler>(sampler.Current);
        Assert.Equal(0.002, perOperation.DefaultSamplingProbability);
        Assert.True(perOperation.TryGetOperation("GET:/search", out var search));
        Assert.Equal(1, search.SamplingRate);
        Assert.True(sampler.Sample("GET:/search", new TraceId(0x7000_0000_0000_0000)).IsSampled);

        Assert.Equal(4, queries.GetMeasurementSnapshot().Where(m => m.Tags["result"] as string == "ok").Sum(m => m.Value));
        Assert.Equal(1, queries.GetMeasurementSnapshot().Where(m => m.Tags["result"] as string == "err").Sum(m => m.Value));
        Assert.Equal(3, updates.GetMeasurementSnapshot().Where(m => m.Tags["result"] as string == "ok").Sum(m => m.Value));
        Assert.Equal(1, updates.GetMeasurementSnapshot().Where(m => m.Tags["result"] as string == "err").Sum(m => m.Value));
    }

    [Theory]
    [InlineData("""{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1.5}}""")]
    [InlineData("""{"strategyType":"RATE_LIMITING","probabilisticSampling":{"samplingRate":0.5}}""")]
    [InlineData("""{"strategyType":"PROBABILISTIC","rateLimitingSampling":{"maxTracesPerSecond":2}}""")]
    [InlineData("""{"operationSampling":{"perOperationStrategies":[{"operation":"a"}]}}""")]
    public async Task Remote_sampler_keeps_the_last_good_sampler_when_a_strategy_is_unusable(string json)
    {
        await using var server = new TinyHttpServer();
        var time = new FakeTimeProvider();
        using var metrics = new ClientMetrics(null);
        using var updates = new MetricCollector<long>(metrics.Meter, "jaeger.client.sampler.updates");
        var polls = Channel.CreateUnbounded<bool>();
        server.Enqueue(200, """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.25}}""");
        server.Enqueue(200, json);
        using var sampler = new RemoteControlledSampler("svc", $"127.0.0.1:{server.Port}/sampling", new ProbabilisticSampler(0.001),
            TimeSpan.FromMinutes(1), 100, time, metrics, NullLogger.Instance, polled: ok => polls.Writer.TryWrite(ok));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.True(await polls.Reader.ReadAsync(timeout.Token));

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(await polls.Reader.ReadAsync(timeout.Token));
        Assert.Equal(0.25, Assert.IsType<ProbabilisticSampler>(sampler.Current).Rate);
        Assert.Equal(1, updates.GetMeasurementSnapshot().Where(m => m.Tags["result"] as string == "err").Sum(m => m.Value));
    }

    [Fact]
    public async Task Tracer_asks_the_sampler_only_at_the_root()
    {
        var counting = new CountingSampler();
        var (tracer, reporter) = TestTracers.Create(counting);
        var root = tracer.BuildSpan("root").Start();
        tracer.BuildSpan("child").AsChildOf(root).Start().Finish();
        tracer.BuildSpan("child2").AsChildOf(root.Context).Start().Finish();
        root.Finish();
        Assert.Equal(1, counting.Calls);
        Assert.Equal(3, reporter.GetSpans().Count);
        await tracer.DisposeAsync();
    }

    private sealed class CountingSampler : ISampler
    {
        public int Calls { get; private set; }

        public SamplingStatus Sample(string operation, TraceId traceId)
        {
            Calls++;
            return new(true, []);
        }

        public void Dispose()
        {
        }
    }
}
