using Jaeger.Model;

namespace Jaeger.Storage;

/// <summary>Reads spans from a storage backend. Implementations are thread-safe.</summary>
public interface ISpanReader
{
    /// <summary>
    /// What this backend can search. The query service refuses a search that needs a capability the backend lacks
    /// (HTTP 400 naming it) instead of answering wrongly, and the conformance kit runs only the cases declared.
    /// </summary>
    SearchCapabilities Capabilities { get; }

    /// <summary>The whole trace, or null when no span of it is stored.</summary>
    /// <param name="query">The trace id, with an optional time window that the trace's spans start in: a backend partitioned by time may look only there; one that is not ignores it.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<Trace?> GetTraceAsync(TraceGetParameters query, CancellationToken cancellationToken = default);

    /// <summary>Every service name with stored spans, sorted.</summary>
    ValueTask<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken = default);

    /// <summary>The operations of a service, optionally only those of one span kind, sorted by name.</summary>
    ValueTask<IReadOnlyList<Operation>> GetOperationsAsync(OperationQueryParameters query, CancellationToken cancellationToken = default);

    /// <summary>Traces with at least one span matching every condition of the query, newest first, at most <see cref="TraceQueryParameters.Limit"/>.</summary>
    /// <exception cref="UnsupportedSearchException">The query needs a capability the backend does not declare.</exception>
    ValueTask<IReadOnlyList<Trace>> FindTracesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default);

    /// <summary>The ids of the traces <see cref="FindTracesAsync"/> would return, in the same order.</summary>
    /// <exception cref="UnsupportedSearchException">The query needs a capability the backend does not declare.</exception>
    ValueTask<IReadOnlyList<TraceId>> FindTraceIdsAsync(TraceQueryParameters query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Summaries of the traces <see cref="FindTracesAsync"/> would return, in the same order. A backend should find
    /// them without loading whole traces where it can; <see cref="TraceSummary.FromTrace"/> serves one that cannot.
    /// </summary>
    /// <exception cref="UnsupportedSearchException">The query needs a capability the backend does not declare.</exception>
    ValueTask<IReadOnlyList<TraceSummary>> FindTraceSummariesAsync(TraceQueryParameters query, CancellationToken cancellationToken = default);
}

/// <summary>Which trace to get, and where to look for it.</summary>
/// <param name="TraceId">The trace.</param>
/// <param name="StartTime">The earliest span start to expect; null for no bound.</param>
/// <param name="EndTime">The latest span start to expect; null for no bound.</param>
public readonly record struct TraceGetParameters(TraceId TraceId, DateTimeOffset? StartTime = null, DateTimeOffset? EndTime = null);

/// <summary>What a span reader can search; see <see cref="ISpanReader.Capabilities"/>.</summary>
[Flags]
public enum SearchCapabilities
{
    /// <summary>Only the searches every backend answers: a service name, with an operation, tags or a duration range, and a time window.</summary>
    None = 0,

    /// <summary>A search may leave the service name out (Jaeger's backends other than memory cannot).</summary>
    SearchWithoutServiceName = 1,

    /// <summary>Tags and a duration range together in one search (Jaeger's Cassandra cannot).</summary>
    TagsWithDuration = 2,

    /// <summary>Tag conditions also match process tags.</summary>
    ProcessTags = 4,

    /// <summary>Tag conditions also match log fields.</summary>
    LogFields = 8,

    /// <summary>Tag conditions also match binary values by their lower-case hex text.</summary>
    BinaryTags = 16,

    /// <summary>A search returns exactly min(limit, matching traces), the newest first; without it the limit is a hint and order may be approximate.</summary>
    ExactLimit = 32,

    /// <summary>Operations are listed with the span kinds they were seen with, and can be listed by span kind.</summary>
    OperationSpanKinds = 64,

    /// <summary>Every capability of the classic search (everything but <see cref="Filter"/>, which a backend declares on its own).</summary>
    All = SearchWithoutServiceName | TagsWithDuration | ProcessTags | LogFields | BinaryTags | ExactLimit | OperationSpanKinds,

    /// <summary>A structured filter (<see cref="TraceQueryParameters.Filter"/>) is applied to each candidate span, with the other conditions.</summary>
    Filter = 128,
}

/// <summary>A search needs a capability the backend lacks.</summary>
public sealed class UnsupportedSearchException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedSearchException(SearchCapabilities missing)
        : base($"This storage backend cannot answer the search: it lacks {missing}. {Describe(missing)}")
    {
        Missing = missing;
    }

    /// <summary>What the search needed and the backend lacks.</summary>
    public SearchCapabilities Missing { get; }

    private static string Describe(SearchCapabilities missing) => missing switch
    {
        SearchCapabilities.SearchWithoutServiceName => "Give a service name.",
        SearchCapabilities.TagsWithDuration => "Search by tags or by duration, not both at once.",
        SearchCapabilities.Filter => "Search with tags instead of a filter expression.",
        _ => string.Empty,
    };
}

/// <summary>Checks a search against a backend's capabilities.</summary>
public static class SearchCapabilityCheck
{
    /// <summary>The capabilities <paramref name="query"/> needs that <paramref name="capabilities"/> lacks; <see cref="SearchCapabilities.None"/> when it can be answered.</summary>
    public static SearchCapabilities Missing(TraceQueryParameters query, SearchCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(query);
        var needed = SearchCapabilities.None;
        if (string.IsNullOrEmpty(query.ServiceName))
        {
            needed |= SearchCapabilities.SearchWithoutServiceName;
        }

        if (query.Tags.Count > 0 && (query.DurationMin is not null || query.DurationMax is not null))
        {
            needed |= SearchCapabilities.TagsWithDuration;
        }

        if (query.Filter is not null)
        {
            needed |= SearchCapabilities.Filter;
        }

        return needed & ~capabilities;
    }

    /// <summary>Throws <see cref="UnsupportedSearchException"/> when <paramref name="query"/> needs a capability <paramref name="capabilities"/> lacks.</summary>
    public static void ThrowIfUnsupported(TraceQueryParameters query, SearchCapabilities capabilities)
    {
        var missing = Missing(query, capabilities);
        if (missing != SearchCapabilities.None)
        {
            throw new UnsupportedSearchException(missing);
        }
    }
}
