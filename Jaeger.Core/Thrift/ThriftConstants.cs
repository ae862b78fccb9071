namespace Jaeger.Thrift;

internal static class ThriftConstants
{
    public const byte CompactProtocolId = 0x82;
    public const byte CompactVersion = 1;
    public const int CompactVersionMask = 0x1F;
    public const int CompactTypeShift = 5;
    public const uint BinaryVersion1 = 0x80010000;
    public const uint BinaryVersionMask = 0xFFFF0000;

    public const byte MessageCall = 1;
    public const byte MessageOneway = 4;

    public const byte CompactBooleanTrue = 1;
    public const byte CompactBooleanFalse = 2;

    /// <summary>The compact protocol's code for a type (a bool list element uses BOOLEAN_TRUE, as Apache Thrift does).</summary>
    public static byte ToCompact(ThriftType type) => type switch
    {
        ThriftType.Bool => 1,
        ThriftType.Byte => 3,
        ThriftType.I16 => 4,
        ThriftType.I32 => 5,
        ThriftType.I64 => 6,
        ThriftType.Double => 7,
        ThriftType.String => 8,
        ThriftType.List => 9,
        ThriftType.Set => 10,
        ThriftType.Map => 11,
        ThriftType.Struct => 12,
        _ => 0,
    };

    /// <summary>Maps a compact type code to the type; false for codes that are not types.</summary>
    public static bool TryFromCompact(int code, out ThriftType type)
    {
        type = code switch
        {
            1 or 2 => ThriftType.Bool,
            3 => ThriftType.Byte,
            4 => ThriftType.I16,
            5 => ThriftType.I32,
            6 => ThriftType.I64,
            7 => ThriftType.Double,
            8 => ThriftType.String,
            9 => ThriftType.List,
            10 => ThriftType.Set,
            11 => ThriftType.Map,
            12 => ThriftType.Struct,
            _ => ThriftType.Stop,
        };
        return type != ThriftType.Stop;
    }

    /// <summary>True for the binary protocol's type codes (stop excluded).</summary>
    public static bool IsBinaryType(int code) => code is 2 or 3 or 4 or 6 or 8 or 10 or 11 or 12 or 13 or 14 or 15;
}
