using Jaeger.Model;

namespace Jaeger.Storage;

/// <summary>
/// The archive store beside the primary one (Jaeger's archive span reader and writer): where the query service copies a
/// trace a user wants to keep past the primary store's retention, and where it looks for a trace the primary store
/// no longer has. Registered in DI only when an archive is configured (<c>Jaeger:Storage:Archive:Type</c>).
/// </summary>
public sealed class ArchiveSpanStorage
{
    /// <summary>Creates the accessor over an archive backend's reader and writer.</summary>
    /// <param name="reader">Reads archived traces.</param>
    /// <param name="writer">Writes archived traces.</param>
    public ArchiveSpanStorage(ISpanReader reader, ISpanWriter writer)
    {
        Reader = reader ?? throw new ArgumentNullException(nameof(reader));
        Writer = writer ?? throw new ArgumentNullException(nameof(writer));
    }

    /// <summary>Reads archived traces.</summary>
    public ISpanReader Reader { get; }

    /// <summary>Writes archived traces.</summary>
    public ISpanWriter Writer { get; }

    /// <summary>Copies a trace's spans into the archive, in one write.</summary>
    /// <param name="trace">The trace, as a reader returned it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public ValueTask ArchiveAsync(Trace trace, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return Writer.WriteSpansAsync(trace.Spans, cancellationToken);
    }
}
