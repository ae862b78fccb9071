namespace Jaeger.Storage.ClickHouse.Tests.Engine;

/// <summary>A fact that needs the in-process ClickHouse engine; skipped, with the reason, when it is not installed.</summary>
public sealed class EngineFactAttribute : FactAttribute
{
    public EngineFactAttribute()
    {
        if (ChdbEngine.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A fact that needs a real ClickHouse server named by JAEGER_TEST_CLICKHOUSE_URL; skipped without it.</summary>
public sealed class ServerFactAttribute : FactAttribute
{
    public const string Variable = "JAEGER_TEST_CLICKHOUSE_URL";

    public ServerFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set: no real ClickHouse server to test against";
        }
    }
}
