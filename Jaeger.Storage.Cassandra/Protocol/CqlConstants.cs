namespace Jaeger.Storage.Cassandra.Protocol;

/// <summary>Message opcodes of the CQL native protocol v4 (spec section 2.4).</summary>
internal enum CqlOpcode : byte
{
    Error = 0x00,
    Startup = 0x01,
    Ready = 0x02,
    Authenticate = 0x03,
    Options = 0x05,
    Supported = 0x06,
    Query = 0x07,
    Result = 0x08,
    Prepare = 0x09,
    Execute = 0x0A,
    Register = 0x0B,
    Event = 0x0C,
    Batch = 0x0D,
    AuthChallenge = 0x0E,
    AuthResponse = 0x0F,
    AuthSuccess = 0x10,
}

/// <summary>Frame header flags (spec section 2.2).</summary>
[Flags]
internal enum CqlFrameFlags : byte
{
    None = 0,
    Compression = 0x01,
    Tracing = 0x02,
    CustomPayload = 0x04,
    Warning = 0x08,
}

/// <summary>Consistency levels (spec section 3, [consistency]).</summary>
internal enum CqlConsistency : ushort
{
    /// <summary>ANY.</summary>
    Any = 0x0000,

    /// <summary>ONE.</summary>
    One = 0x0001,

    /// <summary>TWO.</summary>
    Two = 0x0002,

    /// <summary>THREE.</summary>
    Three = 0x0003,

    /// <summary>QUORUM.</summary>
    Quorum = 0x0004,

    /// <summary>ALL.</summary>
    All = 0x0005,

    /// <summary>LOCAL_QUORUM.</summary>
    LocalQuorum = 0x0006,

    /// <summary>EACH_QUORUM.</summary>
    EachQuorum = 0x0007,

    /// <summary>SERIAL.</summary>
    Serial = 0x0008,

    /// <summary>LOCAL_SERIAL.</summary>
    LocalSerial = 0x0009,

    /// <summary>LOCAL_ONE (Jaeger's default).</summary>
    LocalOne = 0x000A,
}

/// <summary>Query parameter flags (spec section 4.1.4).</summary>
[Flags]
internal enum CqlQueryFlags : byte
{
    None = 0,
    Values = 0x01,
    SkipMetadata = 0x02,
    PageSize = 0x04,
    WithPagingState = 0x08,
    WithSerialConsistency = 0x10,
    WithDefaultTimestamp = 0x20,
    WithNamesForValues = 0x40,
}

/// <summary>RESULT kinds (spec section 4.2.5).</summary>
internal enum CqlResultKind
{
    Void = 0x0001,
    Rows = 0x0002,
    SetKeyspace = 0x0003,
    Prepared = 0x0004,
    SchemaChange = 0x0005,
}

/// <summary>ERROR codes (spec section 9).</summary>
internal enum CqlErrorCode
{
    ServerError = 0x0000,
    ProtocolError = 0x000A,
    AuthenticationError = 0x0100,
    Unavailable = 0x1000,
    Overloaded = 0x1001,
    IsBootstrapping = 0x1002,
    TruncateError = 0x1003,
    WriteTimeout = 0x1100,
    ReadTimeout = 0x1200,
    ReadFailure = 0x1300,
    FunctionFailure = 0x1400,
    WriteFailure = 0x1500,
    SyntaxError = 0x2000,
    Unauthorized = 0x2100,
    Invalid = 0x2200,
    ConfigError = 0x2300,
    AlreadyExists = 0x2400,
    Unprepared = 0x2500,
}

/// <summary>BATCH types (spec section 4.1.7).</summary>
internal enum CqlBatchType : byte
{
    Logged = 0,
    Unlogged = 1,
    Counter = 2,
}

/// <summary>Type option ids (spec section 4.2.5.2).</summary>
internal enum CqlTypeCode : ushort
{
    Custom = 0x0000,
    Ascii = 0x0001,
    Bigint = 0x0002,
    Blob = 0x0003,
    Boolean = 0x0004,
    Counter = 0x0005,
    Decimal = 0x0006,
    Double = 0x0007,
    Float = 0x0008,
    Int = 0x0009,
    LegacyText = 0x000A,
    Timestamp = 0x000B,
    Uuid = 0x000C,
    Varchar = 0x000D,
    Varint = 0x000E,
    Timeuuid = 0x000F,
    Inet = 0x0010,
    Date = 0x0011,
    Time = 0x0012,
    Smallint = 0x0013,
    Tinyint = 0x0014,
    List = 0x0020,
    Map = 0x0021,
    Set = 0x0022,
    Udt = 0x0030,
    Tuple = 0x0031,
}

/// <summary>Frame layout constants.</summary>
internal static class CqlFrame
{
    /// <summary>The request version byte of protocol v4.</summary>
    public const byte RequestVersion = 0x04;

    /// <summary>The response version byte of protocol v4.</summary>
    public const byte ResponseVersion = 0x84;

    /// <summary>Header bytes before each body.</summary>
    public const int HeaderLength = 9;

    /// <summary>Frames are limited to 256 MB by the protocol.</summary>
    public const int MaxBodyLength = 256 * 1024 * 1024;

    /// <summary>Stream ids a v4 connection may use (0 ... 32767).</summary>
    public const int MaxStreams = 32768;
}
