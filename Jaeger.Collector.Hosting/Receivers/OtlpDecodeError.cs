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

    /// <summary>A length, a count or the input itself exceeded an <see cref="Jaeger.Thrift.ThriftReaderLimits"/> bound.</summary>
    LimitExceeded,

    /// <summary>Messages or groups were nested deeper than <see cref="Jaeger.Thrift.ThriftReaderLimits.MaxDepth"/>.</summary>
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
