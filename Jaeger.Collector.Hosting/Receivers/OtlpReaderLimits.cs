namespace Jaeger.Collector.Receivers;

/// <summary>Why an OTLP protobuf body was rejected.</summary>
internal enum OtlpDecodeErrorKind
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The input ended inside a value, or a value ran past the end of the message holding it.</summary>
    Truncated,

    /// <summary>A length prefix was negative.</summary>
    InvalidLength,

    /// <summary>A length, a count or the input itself exceeded an <see cref="OtlpReaderLimits"/> bound.</summary>
    LimitExceeded,

    /// <summary>Messages or groups were nested deeper than <see cref="OtlpReaderLimits.MaxDepth"/>.</summary>
    DepthExceeded,

    /// <summary>A field header carried wire type 6 or 7, or an end-group with no matching start-group.</summary>
    InvalidWireType,

    /// <summary>A field header carried field number 0.</summary>
    InvalidTag,

    /// <summary>A varint longer than ten bytes.</summary>
    InvalidData,

    /// <summary>A string field that is not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary>The protobuf is well formed but a span cannot be mapped (ids of the wrong length or all zero).</summary>
    InvalidSpan,
}

/// <summary>A decoding failure: its kind and a message that names the problem (and, for wire errors, the byte offset).</summary>
/// <param name="Kind">The kind of failure.</param>
/// <param name="Message">A human-readable explanation.</param>
internal readonly record struct OtlpDecodeError(OtlpDecodeErrorKind Kind, string Message)
{
    public bool IsError => Kind != OtlpDecodeErrorKind.None;

    public override string ToString() => $"{Kind}: {Message}";
}

/// <summary>Bounds <see cref="OtlpProtobufReader"/> enforces on untrusted input, on top of never reading past it.</summary>
internal sealed class OtlpReaderLimits
{
    /// <summary>The deepest nesting a reader accepts at all: nested values are read recursively, so the stack bounds it.</summary>
    public const int MaxSupportedDepth = 256;

    private readonly int _maxInputLength = 64 * 1024 * 1024;
    private readonly int _maxStringLength = 8 * 1024 * 1024;
    private readonly int _maxRepeatedCount = 1024 * 1024;
    private readonly int _maxSpans = 100_000;
    private readonly int _maxDepth = 100;

    /// <summary>The defaults: 64 MiB input, 8 MiB strings, 1,048,576 elements per repeated field, 100,000 spans, depth 100.</summary>
    public static OtlpReaderLimits Default { get; } = new();

    /// <summary>The largest input accepted, in bytes.</summary>
    public int MaxInputLength
    {
        get => _maxInputLength;
        init => _maxInputLength = Positive(value);
    }

    /// <summary>The longest string or bytes value the reader decodes.</summary>
    public int MaxStringLength
    {
        get => _maxStringLength;
        init => _maxStringLength = Positive(value);
    }

    /// <summary>The most elements of one repeated field: attributes, events, links, array and map members.</summary>
    public int MaxRepeatedCount
    {
        get => _maxRepeatedCount;
        init => _maxRepeatedCount = Positive(value);
    }

    /// <summary>The most spans in one request.</summary>
    public int MaxSpans
    {
        get => _maxSpans;
        init => _maxSpans = Positive(value);
    }

    /// <summary>
    /// The deepest nesting of messages and groups below the request (default 100, Google.Protobuf's recursion limit,
    /// so that whatever the generated parser accepts this reader accepts too; at most <see cref="MaxSupportedDepth"/>).
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
