using Microsoft.Extensions.Logging;

namespace Jaeger.Storage.ClickHouse;

internal static partial class ClickHouseLog
{
    [LoggerMessage(1, LogLevel.Information, "ClickHouse schema ensured in database {Database} ({Statements} statements{Cluster}).")]
    public static partial void SchemaCreated(ILogger logger, string database, int statements, string cluster);

    [LoggerMessage(2, LogLevel.Warning, "ClickHouse INSERT of {Spans} spans failed ({Reason}, transient: {Transient}).")]
    public static partial void InsertFailed(ILogger logger, int spans, string reason, bool transient, Exception exception);
}
