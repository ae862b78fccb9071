namespace Jaeger.Thrift;

/// <summary>Bounds a Thrift decoder enforces on untrusted input, on top of never reading past the input.</summary>
public sealed class ThriftReaderLimits
{
    /// <summary>The deepest nesting a reader accepts at all: skipping unknown values recurses, so the stack bounds it.</summary>
    public const int MaxSupportedDepth = 256;

    private readonly int _maxInputLength = 64 * 1024 * 1024;
    private readonly int _maxStringLength = 8 * 1024 * 1024;
    private readonly int _maxListCount = 1024 * 1024;
    private readonly int _maxSpansPerBatch = 100_000;
    private readonly int _maxDepth = 32;

    /// <summary>The defaults: 64 MiB input, 8 MiB strings, 1,048,576 list elements, 100,000 spans, depth 32.</summary>
    public static ThriftReaderLimits Default { get; } = new();

    /// <summary>The largest input accepted, in bytes (default 64 MiB).</summary>
    public int MaxInputLength
    {
        get => _maxInputLength;
        init => _maxInputLength = Positive(value);
    }

    /// <summary>The longest string or binary value, in bytes (default 8 MiB).</summary>
    public int MaxStringLength
    {
        get => _maxStringLength;
        init => _maxStringLength = Positive(value);
    }

    /// <summary>The most elements in one list, set or map (default 1,048,576).</summary>
    public int MaxListCount
    {
        get => _maxListCount;
        init => _maxListCount = Positive(value);
    }

    /// <summary>The most spans in one batch (default 100,000).</summary>
    public int MaxSpansPerBatch
    {
        get => _maxSpansPerBatch;
        init => _maxSpansPerBatch = Positive(value);
    }

    /// <summary>
    /// The deepest nesting of structs and containers, the emitBatch arguments counting as one level (default 32,
    /// at most <see cref="MaxSupportedDepth"/>). Jaeger's own data needs 8 levels inside emitBatch, 7 in a bare batch.
    /// </summary>
    public int MaxDepth
    {
        get => _maxDepth;
        init => _maxDepth = value is >= 1 and <= MaxSupportedDepth
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"MaxDepth must be between 1 and {MaxSupportedDepth}.");
    }

    private static int Positive(int value) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A reader limit must be positive.");
}
