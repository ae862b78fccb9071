namespace Jaeger.Storage;

/// <summary>
/// Optional for an <see cref="ISpanWriter"/>: how many spans the writer would like to have in flight, so a caller
/// that feeds it (the collector's pipeline) can give it at least that much.
/// </summary>
/// <remarks>
/// <para>
/// A store that groups concurrent writes into one round trip (ClickHouse's INSERTs) stores a span more cheaply the
/// more spans are in flight at once; a caller that holds back writes makes it pay for small round trips. The
/// collector reads these values once at start and uses, for each, the larger of its own option
/// (<c>Workers</c>, <c>MaxWriteBatch</c>) and what any of its writers prefers; a value of 0 or less states no
/// preference; the collector does not go past the upper bounds of those options (1,024 and 100,000). They are
/// wishes, not limits: a writer must still take any number of concurrent calls and spans.
/// </para>
/// <para>
/// The collector's span queue bound is unchanged by these values: spans a write call carries have already left the
/// queue.
/// </para>
/// </remarks>
public interface ISpanWriterPreferences
{
    /// <summary>How many <see cref="ISpanWriter.WriteAsync"/> calls the writer would like to have running at once.</summary>
    int PreferredConcurrentWrites { get; }

    /// <summary>How many spans the writer would like in one <see cref="ISpanWriter.WriteAsync"/> call, at most.</summary>
    int PreferredSpansPerWrite { get; }
}
