using System.Threading.Channels;
using Jaeger.Client.Configuration;
using Jaeger.Client.Diagnostics;
using Jaeger.Client.Reporting;
using Jaeger.Client.Restrictions;
using Jaeger.Client.Sampling;
using Jaeger.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Client.Tests.Restrictions;

public sealed class BaggageRestrictionsTests
{
    private const string UserAndTenant = """[{"baggageKey":"user","maxValueLength":5},{"baggageKey":"tenant","maxValueLength":100}]""";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Before_the_first_good_poll_every_key_is_allowed_up_to_the_tracer_limit_or_none_when_denying_on_initialization_failure(bool deny)
    {
        await using var f = new Fixture(deny);
        await f.Server.Requests.Reader.ReadAsync(f.Timeout.Token);

        // The first poll is still unanswered.
        var span = f.Tracer.BuildSpan("op").Start();
        span.SetBaggageItem("any", new string('v', 3000));
        Assert.Equal(deny ? null : 2048, span.GetBaggageItem("any")?.Length);

        f.Server.Enqueue(500, "boom");
        Assert.False(await f.NextPollAsync());
        Assert.False(f.Restrictions.IsInitialized);
        span.SetBaggageItem("other", "v");
        Assert.Equal(deny ? null : "v", span.GetBaggageItem("other"));
        span.Finish();

        Assert.Equal(1, Sum(f.RestrictionUpdates, "err"));
        Assert.Equal(0, Sum(f.RestrictionUpdates, "ok"));
        Assert.Equal(deny ? 0 : 2, Sum(f.BaggageUpdates, "ok"));
        Assert.Equal(deny ? 2 : 0, Sum(f.BaggageUpdates, "err"));
        var logs = Assert.Single(f.Reporter.GetSpans()).Logs;
        Assert.Equal(2, logs.Length);
        Assert.All(logs, l => Assert.Equal(deny, l.Fields.Any(x => x.Key == "invalid" && x.BoolValue)));
    }

    [Fact]
    public async Task After_a_good_poll_only_listed_keys_are_allowed_and_values_are_cut_to_the_keys_limit()
    {
        await using var f = new Fixture(deny: false);
        f.Server.Enqueue(200, UserAndTenant);
        Assert.True(await f.NextPollAsync());

        var root = f.Tracer.BuildSpan("root").Start();
        root.SetBaggageItem("user", "ann");
        root.SetBaggageItem("user", "annabelle");
        root.SetBaggageItem("secret", "x");
        root.SetBaggageItem("tenant", new string('t', 150));
        Assert.Equal("annab", root.GetBaggageItem("user"));
        Assert.Null(root.GetBaggageItem("secret"));
        Assert.Equal(100, root.GetBaggageItem("tenant")!.Length);
        var child = f.Tracer.BuildSpan("child").AsChildOf(root).Start();
        Assert.Equal("annab", child.GetBaggageItem("user"));
        Assert.Null(child.GetBaggageItem("secret"));
        child.Finish();
        root.Finish();

        // Unsampled spans take the same path: refused keys are counted, values cut.
        var (unsampledTracer, _) = TestTracers.Create(new ConstSampler(false), metrics: f.Metrics, baggageRestrictions: f.Restrictions);
        var quiet = unsampledTracer.BuildSpan("quiet").Start();
        quiet.SetBaggageItem("secret", "x");
        quiet.SetBaggageItem("user", "bartholomew");
        Assert.Null(quiet.GetBaggageItem("secret"));
        Assert.Equal("barth", quiet.GetBaggageItem("user"));
        quiet.Finish();

        Assert.Equal(4, Sum(f.BaggageUpdates, "ok"));
        Assert.Equal(2, Sum(f.BaggageUpdates, "err"));
        Assert.Equal(3, Sum(f.Truncations, null));
        Assert.Equal(1, Sum(f.RestrictionUpdates, "ok"));

        var logs = f.Reporter.GetSpans().Single(s => s.OperationName == "root").Logs;
        Assert.Equal(4, logs.Length);
        var refused = Assert.Single(logs, l => Field(l, "key")?.StringValue == "secret");
        Assert.Equal("baggage", Field(refused, "event")?.StringValue);
        Assert.Equal("x", Field(refused, "value")?.StringValue);
        Assert.True(Field(refused, "invalid")?.BoolValue);
        var cut = logs[1];
        Assert.Equal("annab", Field(cut, "value")?.StringValue);
        Assert.True(Field(cut, "truncated")?.BoolValue);
        Assert.True(Field(cut, "override")?.BoolValue);
        Assert.Null(Field(cut, "invalid"));
    }

    [Fact]
    public async Task Refresh_follows_new_restrictions_and_a_failed_or_unusable_poll_keeps_the_last_good_ones()
    {
        await using var f = new Fixture(deny: false);
        f.Server.Enqueue(200, UserAndTenant);
        Assert.Equal("GET /baggageRestrictions?service=svc%20a HTTP/1.1", await f.Server.Requests.Reader.ReadAsync(f.Timeout.Token));
        Assert.True(await f.NextPollAsync());
        AssertLimit(f.Restrictions, "user", 5);

        foreach (var (status, body) in new[] { (500, "boom"), (200, "not json"), (200, """{"baggageKey":"user","maxValueLength":9}"""), (200, """[{"baggageKey":"user"}]""") })
        {
            f.Server.Enqueue(status, body);
            f.Time.Advance(TimeSpan.FromMinutes(1));
            Assert.False(await f.NextPollAsync());
            AssertLimit(f.Restrictions, "user", 5);
            AssertLimit(f.Restrictions, "tenant", 100);
        }

        f.Server.Enqueue(200, """[{"baggageKey":"session","maxValueLength":3}]""");
        f.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await f.NextPollAsync());
        AssertLimit(f.Restrictions, "session", 3);
        AssertLimit(f.Restrictions, "user", null);
        var span = f.Tracer.BuildSpan("op").Start();
        span.SetBaggageItem("user", "ann").SetBaggageItem("session", "abcdef");
        Assert.Null(span.GetBaggageItem("user"));
        Assert.Equal("abc", span.GetBaggageItem("session"));

        Assert.Equal(2, Sum(f.RestrictionUpdates, "ok"));
        Assert.Equal(4, Sum(f.RestrictionUpdates, "err"));
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("""{"baggageKey":"k","maxValueLength":1}""", "expected a JSON array, got Object")]
    [InlineData("""[{"maxValueLength":3}]""", "item 0 is not")]
    [InlineData("""[{"baggageKey":"k","maxValueLength":1},{"baggageKey":"","maxValueLength":3}]""", "item 1 is not")]
    [InlineData("""[{"baggageKey":"k","maxValueLength":-1}]""", "item 0 is not")]
    [InlineData("""[{"baggageKey":"k","maxValueLength":"3"}]""", "item 0 is not")]
    [InlineData("""[{"baggageKey":"k","maxValueLength":1.5}]""", "item 0 is not")]
    [InlineData("""[{"baggageKey":7,"maxValueLength":1}]""", "item 0 is not")]
    [InlineData("[1]", "item 0 is not")]
    public void An_answer_that_is_not_a_list_of_key_and_length_is_refused_with_the_reason(string json, string reason)
    {
        Assert.False(RemoteBaggageRestrictions.TryParse(System.Text.Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_answer_may_be_empty_and_may_carry_unknown_fields()
    {
        Assert.True(RemoteBaggageRestrictions.TryParse("[]"u8.ToArray(), out var none, out _));
        Assert.Empty(none);
        Assert.True(RemoteBaggageRestrictions.TryParse("""[{"baggageKey":"k","maxValueLength":0,"note":"x"}]"""u8.ToArray(), out var one, out _));
        Assert.Equal(0, one["k"]);
    }

    [Fact]
    public async Task Closing_the_tracer_stops_the_poller()
    {
        var f = new Fixture(deny: false);
        try
        {
            f.Server.Enqueue(200, UserAndTenant);
            Assert.True(await f.NextPollAsync());
            Assert.True(f.Restrictions.IsPolling);

            await f.Tracer.CloseAsync();

            Assert.False(f.Restrictions.IsPolling);
        }
        finally
        {
            await f.DisposeAsync();
        }
    }

    [Fact]
    public void Options_are_read_from_Jaeger_Client_and_wired_into_the_tracer()
    {
        var options = JaegerTracerFactory.OptionsFrom(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jaeger:Client:ServiceName"] = "orders",
            ["Jaeger:Client:SamplerType"] = "const",
            ["Jaeger:Client:BaggageRestrictions"] = "true",
            ["Jaeger:Client:BaggageRestrictionsEndpoint"] = "127.0.0.1:1/baggageRestrictions",
            ["Jaeger:Client:BaggageRestrictionsRefreshInterval"] = "00:00:30",
            ["Jaeger:Client:DenyBaggageOnInitializationFailure"] = "true",
        }).Build());
        Assert.True(options.BaggageRestrictions);
        Assert.Equal(TimeSpan.FromSeconds(30), options.BaggageRestrictionsRefreshInterval);
        Assert.True(options.DenyBaggageOnInitializationFailure);

        using var tracer = JaegerTracerFactory.Create(options);
        var restrictions = Assert.IsType<RemoteBaggageRestrictions>(tracer.BaggageRestrictions);
        Assert.Equal("http://127.0.0.1:1/baggageRestrictions?service=orders", restrictions.RequestUri.ToString());
        // Nothing listens on port 1: the tracer stays in its initial state, which denies.
        var span = tracer.BuildSpan("op").Start();
        span.SetBaggageItem("user", "ann");
        Assert.Null(span.GetBaggageItem("user"));

        var defaults = new JaegerTracingOptions();
        Assert.False(defaults.BaggageRestrictions);
        Assert.Equal("http://127.0.0.1:5778/baggageRestrictions", defaults.BaggageRestrictionsEndpoint);
        Assert.Equal(TimeSpan.FromMinutes(1), defaults.BaggageRestrictionsRefreshInterval);
        Assert.False(defaults.DenyBaggageOnInitializationFailure);
        using var plain = JaegerTracerFactory.Create(new JaegerTracingOptions { ServiceName = "s", SamplerType = "const" });
        Assert.Null(plain.BaggageRestrictions);
    }

    [Theory]
    [InlineData("ftp://agent/baggageRestrictions", 60, "Jaeger:Client:BaggageRestrictionsEndpoint 'ftp://agent/baggageRestrictions' is not an http or https URL.")]
    [InlineData("http://", 60, "Jaeger:Client:BaggageRestrictionsEndpoint 'http://' is not an http or https URL.")]
    [InlineData(" ", 60, "Jaeger:Client:BaggageRestrictionsEndpoint is empty.")]
    [InlineData("http://agent:5778/baggageRestrictions", 0, "Jaeger:Client:BaggageRestrictionsRefreshInterval must be positive, not 00:00:00.")]
    [InlineData("http://agent:5778/baggageRestrictions", -5, "Jaeger:Client:BaggageRestrictionsRefreshInterval must be positive, not -00:00:05.")]
    public void Invalid_restriction_options_are_refused_naming_the_setting(string endpoint, int seconds, string message)
    {
        var options = new JaegerTracingOptions
        {
            ServiceName = "s",
            SamplerType = "const",
            BaggageRestrictions = true,
            BaggageRestrictionsEndpoint = endpoint,
            BaggageRestrictionsRefreshInterval = TimeSpan.FromSeconds(seconds),
        };

        Assert.Equal([message], OptionsChecker.Check(options));
        var error = Assert.Throws<ArgumentException>(() => JaegerTracerFactory.Create(options));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static KeyValue? Field(Log log, string key) => log.Fields.Any(f => f.Key == key) ? log.Fields.First(f => f.Key == key) : null;

    private static void AssertLimit(RemoteBaggageRestrictions restrictions, string key, int? expected)
    {
        var allowed = restrictions.TryGetMaxValueLength(key, out var max);
        Assert.Equal(expected, allowed ? max : null);
    }

    private static long Sum(MetricCollector<long> collector, string? result) =>
        collector.GetMeasurementSnapshot().Where(m => result is null || (string?)m.Tags["result"] == result).Sum(m => m.Value);

    /// <summary>A tracer whose restrictions poll a scripted server on port 0, on a fake clock.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private readonly Channel<bool> _polls = Channel.CreateUnbounded<bool>();

        public Fixture(bool deny)
        {
            BaggageUpdates = new MetricCollector<long>(Metrics.Meter, "jaeger.client.baggage.updates");
            Truncations = new MetricCollector<long>(Metrics.Meter, "jaeger.client.baggage.truncations");
            RestrictionUpdates = new MetricCollector<long>(Metrics.Meter, "jaeger.client.baggage_restrictions.updates");
            Restrictions = new RemoteBaggageRestrictions("svc a", $"127.0.0.1:{Server.Port}/baggageRestrictions", TimeSpan.FromMinutes(1), 2048, deny,
                Time, Metrics, NullLogger.Instance, polled: ok => _polls.Writer.TryWrite(ok));
            (Tracer, Reporter) = TestTracers.Create(new ConstSampler(true), metrics: Metrics, baggageRestrictions: Restrictions);
        }

        public TinyHttpServer Server { get; } = new();

        public FakeTimeProvider Time { get; } = new();

        public ClientMetrics Metrics { get; } = new(null);

        public MetricCollector<long> BaggageUpdates { get; }

        public MetricCollector<long> Truncations { get; }

        public MetricCollector<long> RestrictionUpdates { get; }

        public RemoteBaggageRestrictions Restrictions { get; }

        public JaegerTracer Tracer { get; }

        public InMemoryReporter Reporter { get; }

        public CancellationTokenSource Timeout { get; } = new(TimeSpan.FromSeconds(30));

        public async Task<bool> NextPollAsync() => await _polls.Reader.ReadAsync(Timeout.Token);

        public async ValueTask DisposeAsync()
        {
            await Tracer.DisposeAsync();
            await Server.DisposeAsync();
            BaggageUpdates.Dispose();
            Truncations.Dispose();
            RestrictionUpdates.Dispose();
            Metrics.Dispose();
            Timeout.Dispose();
        }
    }
}
