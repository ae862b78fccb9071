namespace Jaeger.Storage.ClickHouse.Tests.Engine;

/// <summary>
/// The one engine and HTTP front every test of this assembly shares (the engine's load counts once), and a fresh
/// database name per test.
/// </summary>
internal static class ClickHouseTestServer
{
    private static readonly Lazy<Task<ClickHouseHttpFront?>> SharedFront = new(StartAsync);
    private static int _databases;

    /// <summary>The running front, or null when the engine is not installed (see <see cref="ChdbEngine.MissingReason"/>).</summary>
    public static Task<ClickHouseHttpFront?> GetAsync() => SharedFront.Value;

    /// <summary>A database name no other test uses.</summary>
    public static string NewDatabaseName(string prefix = "t") => $"jaeger_{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";

    /// <summary>The front, or an exception naming why it is missing (for tests gated on it, which are skipped when it is).</summary>
    public static async Task<ClickHouseHttpFront> RequireAsync() =>
        await GetAsync() ?? throw new InvalidOperationException(ChdbEngine.MissingReason);

    private static async Task<ClickHouseHttpFront?> StartAsync()
    {
        var engine = ChdbEngine.Shared;
        return engine is null ? null : await ClickHouseHttpFront.StartAsync(engine);
    }
}
