namespace Jaeger.Model;

/// <summary>Jaeger span flags.</summary>
[Flags]
public enum SpanFlags
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>The trace was sampled.</summary>
    Sampled = 1,

    /// <summary>Sampling was forced by a debug request.</summary>
    Debug = 2,

    /// <summary>The span should skip storage indexes (write-only fast path).</summary>
    Firehose = 8,
}
