namespace Jaeger.Storage;

/// <summary>A storage operation failed, with a short reason to count it by and whether trying again may succeed.</summary>
public class StorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">A short, metric-safe label (<c>timeout</c>, <c>disk_full</c>, <c>rejected</c>, <c>mapping</c> ...).</param>
    /// <param name="message">What went wrong, for the log.</param>
    /// <param name="isTransient">True when the same write may succeed later (overload, timeout, full disk); false for bad data or configuration.</param>
    /// <param name="innerException">The cause.</param>
    public StorageException(string reason, string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        Reason = reason;
        IsTransient = isTransient;
    }

    /// <summary>The label failures are counted by.</summary>
    public string Reason { get; }

    /// <summary>True when trying again may succeed.</summary>
    public bool IsTransient { get; }
}
