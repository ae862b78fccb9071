using Jaeger.Storage.Filtering;

namespace Jaeger.Storage;

/// <summary>An operation of a service and the span kind it was seen with ("" when the span had no <c>span.kind</c>).</summary>
/// <param name="Name">The operation name.</param>
/// <param name="SpanKind">client, server, producer, consumer, internal or "".</param>
public readonly record struct Operation(string Name, string SpanKind = "");

/// <summary>Which operations to list.</summary>
/// <param name="ServiceName">The service; required.</param>
/// <param name="SpanKind">Only operations seen with this kind; null or "" for all.</param>
public readonly record struct OperationQueryParameters(string ServiceName, string? SpanKind = null)
{
    /// <summary>The span kind to filter by, or null for every kind ("" counts as none).</summary>
    public string? SpanKindFilter => string.IsNullOrEmpty(SpanKind) ? null : SpanKind;

    /// <summary>Throws <see cref="ArgumentException"/> when the service name is missing.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(ServiceName))
        {
            throw new ArgumentException("The service name is required.", nameof(ServiceName));
        }
    }
}

/// <summary>
/// A trace search. A trace matches when one of its spans matches every condition given: service, operation,
/// each tag (looked up in span tags, process tags and log fields, compared as text), start time within the
/// window, and duration within the range (bounds inclusive).
/// </summary>
public sealed class TraceQueryParameters
{
    /// <summary>The default number of traces returned.</summary>
    public const int DefaultLimit = 20;

    /// <summary>The service name; null or "" for any service.</summary>
    public string? ServiceName { get; init; }

    /// <summary>The operation name; null or "" for any operation.</summary>
    public string? OperationName { get; init; }

    /// <summary>Tags that one span must carry, as key and text value.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>The earliest span start; null for no bound.</summary>
    public DateTimeOffset? StartTimeMin { get; init; }

    /// <summary>The latest span start; null for no bound.</summary>
    public DateTimeOffset? StartTimeMax { get; init; }

    /// <summary>The shortest span duration; null for no bound.</summary>
    public TimeSpan? DurationMin { get; init; }

    /// <summary>The longest span duration; null for no bound.</summary>
    public TimeSpan? DurationMax { get; init; }

    /// <summary>
    /// A structured filter that the same span must satisfy too; null for none. Needs
    /// <see cref="SearchCapabilities.Filter"/>: a backend without it refuses the search.
    /// </summary>
    public SpanFilter? Filter { get; init; }

    /// <summary>The most traces to return; must be positive.</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Throws <see cref="ArgumentException"/> when the query is inconsistent (min above max, limit not positive).</summary>
    public void Validate()
    {
        if (Limit <= 0)
        {
            throw new ArgumentException($"The limit must be positive, not {Limit}.", nameof(Limit));
        }

        if (StartTimeMin is { } min && StartTimeMax is { } max && min > max)
        {
            throw new ArgumentException("The start of the time window is after its end.", nameof(StartTimeMin));
        }

        if (DurationMin is { } dmin && DurationMax is { } dmax && dmin > dmax)
        {
            throw new ArgumentException("The minimum duration is greater than the maximum duration.", nameof(DurationMin));
        }

        if (DurationMin < TimeSpan.Zero || DurationMax < TimeSpan.Zero)
        {
            throw new ArgumentException("Durations must not be negative.", nameof(DurationMin));
        }
    }
}
