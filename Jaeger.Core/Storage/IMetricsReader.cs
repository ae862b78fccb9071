namespace Jaeger.Storage;

/// <summary>
/// Reads span-derived RED metrics (request rate, error rate, duration quantiles) per service and, when asked, per
/// operation: what Jaeger's <c>metricstore.Reader</c> answers for the query service's <c>/api/metrics/*</c> and the
/// gRPC <c>MetricsQueryService</c>.
/// </summary>
/// <remarks>
/// Each answer has one series per service (or per service and operation), labelled <c>service_name</c> and, when
/// grouped, <c>operation</c>, with one point per step ending at <see cref="MetricsQueryParameters.EndTime"/>.
/// A step with no calls has no point. Readers throw <see cref="ArgumentException"/> for a query that fails
/// <see cref="MetricsQueryParameters.Validate"/>.
/// </remarks>
public interface IMetricsReader
{
    /// <summary>The smallest step this reader can answer at (Jaeger's <c>/api/metrics/minstep</c>).</summary>
    TimeSpan MinStep { get; }

    /// <summary>The <paramref name="quantile"/> of span durations per step, in milliseconds (Jaeger's <c>service_latencies</c>).</summary>
    /// <param name="query">Services, window, step, span kinds.</param>
    /// <param name="quantile">In (0, 1], for example 0.95.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<MetricFamily> GetLatenciesAsync(MetricsQueryParameters query, double quantile, CancellationToken cancellationToken = default);

    /// <summary>Calls per second at each step, averaged over the <see cref="MetricsQueryParameters.RatePer"/> before it as Prometheus' <c>rate(calls[ratePer])</c> (Jaeger's <c>service_call_rate</c>).</summary>
    ValueTask<MetricFamily> GetCallRatesAsync(MetricsQueryParameters query, CancellationToken cancellationToken = default);

    /// <summary>The share of calls with an error at each step, from 0 to 1, over the same <see cref="MetricsQueryParameters.RatePer"/> (Jaeger's <c>service_error_rate</c>).</summary>
    ValueTask<MetricFamily> GetErrorRatesAsync(MetricsQueryParameters query, CancellationToken cancellationToken = default);
}

/// <summary>A RED metrics query, as Jaeger's <c>BaseQueryParameters</c>.</summary>
public sealed record MetricsQueryParameters
{
    /// <summary>The services; at least one.</summary>
    public required IReadOnlyList<string> ServiceNames { get; init; }

    /// <summary>One series per service and operation instead of per service.</summary>
    public bool GroupByOperation { get; init; }

    /// <summary>The end of the window (exclusive).</summary>
    public required DateTimeOffset EndTime { get; init; }

    /// <summary>How far the window reaches back from <see cref="EndTime"/>; Jaeger's default is one hour.</summary>
    public TimeSpan Lookback { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The width of one point; Jaeger's default is 5 seconds.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The period rates are expressed per, as in Prometheus' <c>rate(...[ratePer])</c>; Jaeger's default is 10 minutes.</summary>
    public TimeSpan RatePer { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Span kinds counted (client, server, producer, consumer, internal, or "" for unspecified); empty for Jaeger's default, server only.</summary>
    public IReadOnlyList<string> SpanKinds { get; init; } = [];

    /// <summary>The span kinds to count: <see cref="SpanKinds"/>, or server when none are given (Jaeger's default).</summary>
    public IReadOnlyList<string> EffectiveSpanKinds => SpanKinds.Count > 0 ? SpanKinds : DefaultSpanKinds;

    private static readonly string[] DefaultSpanKinds = ["server"];

    /// <summary>The start of the window (inclusive).</summary>
    public DateTimeOffset StartTime => EndTime - Lookback;

    /// <summary>Throws <see cref="ArgumentException"/> when no service is named, a service is empty, the lookback or step is not positive, or the step is longer than the lookback.</summary>
    public void Validate()
    {
        if (ServiceNames is null || ServiceNames.Count == 0)
        {
            throw new ArgumentException("At least one service name is required.", nameof(ServiceNames));
        }

        foreach (var service in ServiceNames)
        {
            if (string.IsNullOrEmpty(service))
            {
                throw new ArgumentException("A service name must not be empty.", nameof(ServiceNames));
            }
        }

        if (Lookback <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The lookback must be positive, not {Lookback}.", nameof(Lookback));
        }

        if (Step <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The step must be positive, not {Step}.", nameof(Step));
        }

        if (RatePer <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The rate period must be positive, not {RatePer}.", nameof(RatePer));
        }

        foreach (var kind in SpanKinds)
        {
            if (kind is not ("" or "client" or "server" or "producer" or "consumer" or "internal"))
            {
                throw new ArgumentException($"Unknown span kind '{kind}': use client, server, producer, consumer, internal or \"\".", nameof(SpanKinds));
            }
        }
    }
}

/// <summary>A named set of series, as Jaeger's <c>MetricFamily</c> (type GAUGE).</summary>
/// <param name="Name">service_latencies, service_call_rate or service_error_rate.</param>
/// <param name="Help">What the figures are, for example "0.95th quantile latency, grouped by service".</param>
/// <param name="Metrics">One series per service, or per service and operation.</param>
public sealed record MetricFamily(string Name, string Help, IReadOnlyList<MetricSeries> Metrics)
{
    /// <summary>Jaeger's name for latencies.</summary>
    public const string LatenciesName = "service_latencies";

    /// <summary>Jaeger's name for call rates.</summary>
    public const string CallRateName = "service_call_rate";

    /// <summary>Jaeger's name for error rates.</summary>
    public const string ErrorRateName = "service_error_rate";
}

/// <summary>One series: its labels (<c>service_name</c>, and <c>operation</c> when grouped) and its points, oldest first.</summary>
public sealed record MetricSeries(IReadOnlyList<KeyValuePair<string, string>> Labels, IReadOnlyList<MetricPoint> Points);

/// <summary>A value at a step's timestamp.</summary>
public readonly record struct MetricPoint(DateTimeOffset Timestamp, double Value);
