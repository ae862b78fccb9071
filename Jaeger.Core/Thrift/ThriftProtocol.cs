namespace Jaeger.Thrift;

/// <summary>The Thrift protocol a payload is encoded with.</summary>
public enum ThriftProtocol
{
    /// <summary>TBinaryProtocol: fixed-width big-endian integers (Jaeger's UDP port 6832 and HTTP /api/traces).</summary>
    Binary,

    /// <summary>TCompactProtocol: zigzag varints and packed field headers (Jaeger's UDP port 6831).</summary>
    Compact,
}
