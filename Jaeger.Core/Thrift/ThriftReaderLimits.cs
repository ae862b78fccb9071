namespace Jaeger.Thrift;

/// <summary>Bounds a Thrift decoder enforces on untrusted input, on top of never reading past the input.</summary>
public sealed class ThriftReaderLimits
{
    /// <summary>The defaults: 64 MiB input, 8 MiB strings, 1,048,576 list elements, 100,000 spans, depth 32.</summary>
    public static ThriftReaderLimits Default { get; } = new();

    /// <summary>The largest input accepted, in bytes.</summary>
    public int MaxInputLength { get; init; } = 64 * 1024 * 1024;

    /// <summary>The longest string or binary value, in bytes.</summary>
    public int MaxStringLength { get; init; } = 8 * 1024 * 1024;

    /// <summary>The most elements in one list, set or map.</summary>
    public int MaxListCount { get; init; } = 1024 * 1024;

    /// <summary>The most spans in one batch.</summary>
    public int MaxSpansPerBatch { get; init; } = 100_000;

    /// <summary>The deepest nesting of structs and containers, the message arguments counting as one level; Jaeger's own data needs 8.</summary>
    public int MaxDepth { get; init; } = 32;
}
