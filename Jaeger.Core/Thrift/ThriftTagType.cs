using Jaeger.Model;

namespace Jaeger.Thrift;

/// <summary>jaeger.thrift's TagType; its order differs from <see cref="KeyValueType"/> and from protobuf's ValueType.</summary>
internal enum ThriftTagType
{
    String = 0,
    Double = 1,
    Bool = 2,
    Long = 3,
    Binary = 4,
}

/// <summary>Thrift value types as the binary protocol numbers them; the compact protocol's codes are mapped to these.</summary>
internal enum ThriftType : byte
{
    Stop = 0,
    Bool = 2,
    Byte = 3,
    Double = 4,
    I16 = 6,
    I32 = 8,
    I64 = 10,
    String = 11,
    Struct = 12,
    Map = 13,
    Set = 14,
    List = 15,
}

internal static class ThriftTagTypes
{
    public static ThriftTagType FromModel(KeyValueType type) => type switch
    {
        KeyValueType.String => ThriftTagType.String,
        KeyValueType.Bool => ThriftTagType.Bool,
        KeyValueType.Int64 => ThriftTagType.Long,
        KeyValueType.Float64 => ThriftTagType.Double,
        KeyValueType.Binary => ThriftTagType.Binary,
        _ => ThriftTagType.String,
    };
}
