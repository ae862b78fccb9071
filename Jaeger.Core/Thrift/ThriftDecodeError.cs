namespace Jaeger.Thrift;

/// <summary>Why a Thrift payload was rejected; receivers use it as the drop reason.</summary>
public enum ThriftDecodeErrorKind
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The input ended inside a value.</summary>
    Truncated,

    /// <summary>A length or count was negative or larger than the bytes that follow.</summary>
    InvalidLength,

    /// <summary>A length, count or the input itself exceeded a <see cref="ThriftReaderLimits"/> bound.</summary>
    LimitExceeded,

    /// <summary>Structs and containers were nested deeper than <see cref="ThriftReaderLimits.MaxDepth"/>.</summary>
    DepthExceeded,

    /// <summary>A field or element type byte is not a Thrift type.</summary>
    InvalidType,

    /// <summary>A field that Jaeger requires (span ids, service name ...) was absent.</summary>
    MissingRequiredField,

    /// <summary>The message envelope is not an <c>Agent.emitBatch</c> call.</summary>
    UnexpectedMessage,

    /// <summary>Malformed bytes: an over-long varint, a wrong protocol id or version.</summary>
    InvalidData,
}

/// <summary>A decoding failure: its kind and a message that names the offending field and byte offset.</summary>
/// <param name="Kind">The kind of failure.</param>
/// <param name="Message">A human-readable explanation.</param>
public readonly record struct ThriftDecodeError(ThriftDecodeErrorKind Kind, string Message)
{
    /// <summary>True when this value describes a failure.</summary>
    public bool IsError => Kind != ThriftDecodeErrorKind.None;

    /// <inheritdoc />
    public override string ToString() => $"{Kind}: {Message}";
}
