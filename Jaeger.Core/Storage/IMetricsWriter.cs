using Jaeger.Storage.Metrics;

namespace Jaeger.Storage;

/// <summary>
/// Stores span-derived RED aggregates (<see cref="SpanMetricsAggregate"/>), one per service, operation, span kind and
/// minute, as the collector produces them from the spans it passes; an <see cref="IMetricsReader"/> over the same
/// store answers the query service from them.
/// </summary>
/// <remarks>
/// An aggregate for a key already stored (a second collector, or a flush after a restart) is merged into it: calls,
/// errors and latency sketches add up.
/// </remarks>
public interface IMetricsWriter
{
    /// <summary>Stores (merges) the aggregates.</summary>
    /// <param name="aggregates">Completed minutes; the writer may keep references to them.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask WriteMetricsAsync(IReadOnlyList<SpanMetricsAggregate> aggregates, CancellationToken cancellationToken = default);
}

/// <summary>Calls, errors and a latency sketch of one service's operation with one span kind during one minute.</summary>
public sealed class SpanMetricsAggregate
{
    /// <summary>Creates an empty aggregate.</summary>
    /// <param name="service">The service.</param>
    /// <param name="operation">The operation (span name).</param>
    /// <param name="spanKind">client, server, producer, consumer, internal, or "" for unspecified.</param>
    /// <param name="minute">The start of the minute; its seconds and below must be zero.</param>
    public SpanMetricsAggregate(string service, string operation, string spanKind, DateTimeOffset minute)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(spanKind);
        if (minute.UtcTicks % TimeSpan.TicksPerMinute != 0)
        {
            throw new ArgumentException($"The minute must start on a whole minute, not {minute:O}.", nameof(minute));
        }

        Service = service;
        Operation = operation;
        SpanKind = spanKind;
        Minute = minute.ToUniversalTime();
    }

    /// <summary>The width of one aggregate.</summary>
    public static TimeSpan Width => TimeSpan.FromMinutes(1);

    /// <summary>The service.</summary>
    public string Service { get; }

    /// <summary>The operation (span name).</summary>
    public string Operation { get; }

    /// <summary>client, server, producer, consumer, internal, or "" for unspecified.</summary>
    public string SpanKind { get; }

    /// <summary>The start of the minute (UTC).</summary>
    public DateTimeOffset Minute { get; }

    /// <summary>Spans counted.</summary>
    public long Calls { get; set; }

    /// <summary>Spans with an error among <see cref="Calls"/>.</summary>
    public long Errors { get; set; }

    /// <summary>The durations of the <see cref="Calls"/>.</summary>
    public LatencySketch Latency { get; init; } = new();

    /// <summary>Adds another aggregate's figures to this one (the keys are not checked).</summary>
    public void Merge(SpanMetricsAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Calls += other.Calls;
        Errors += other.Errors;
        Latency.Merge(other.Latency);
    }
}
