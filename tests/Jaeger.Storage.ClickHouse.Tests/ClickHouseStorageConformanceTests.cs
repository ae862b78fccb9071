using Jaeger.Storage.ClickHouse.Tests.Engine;
using Jaeger.Storage.Conformance;

namespace Jaeger.Storage.ClickHouse.Tests;

/// <summary>
/// The storage conformance kit against a real ClickHouse engine (chDB, ClickHouse 26.7, in process), reached by the
/// official driver over HTTP through the test front. Skipped, with the reason, when the engine is not installed.
/// </summary>
[SkipUnless(typeof(ChdbEngine), nameof(ChdbEngine.MissingReason))]
public sealed class ClickHouseStorageConformanceTests : SpanStoreConformanceTests
{
    protected override async ValueTask<StorageBackend> CreateBackendAsync() => await EngineStorage.PooledBackendAsync();
}

/// <summary>The conformance kit against the real ClickHouse server named by JAEGER_TEST_CLICKHOUSE_URL; skipped without it.</summary>
[SkipUnless(typeof(RealServer), nameof(RealServer.MissingReason))]
public sealed class ClickHouseServerConformanceTests : SpanStoreConformanceTests
{
    protected override async ValueTask<StorageBackend> CreateBackendAsync()
    {
        var url = new Uri(RealServer.Url!);
        var user = url.UserInfo.Split(':', 2);
        var storage = new ClickHouseStorage(new ClickHouseStorageOptions
        {
            Endpoint = url.GetLeftPart(UriPartial.Path),
            Username = user[0].Length > 0 ? Uri.UnescapeDataString(user[0]) : "default",
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : string.Empty,
            Database = ClickHouseTestServer.NewDatabaseName("real"),
            CreateSchema = true,
        });
        await storage.StartAsync(CancellationToken.None);
        return EngineStorage.Backend(storage);
    }
}

/// <summary>The real server of JAEGER_TEST_CLICKHOUSE_URL, for example http://default:secret@localhost:8123/ (user and password optional).</summary>
internal static class RealServer
{
    public static string? Url => Environment.GetEnvironmentVariable(ServerFactAttribute.Variable) is { Length: > 0 } url ? url : null;

    public static string? MissingReason => Url is null ? $"{ServerFactAttribute.Variable} is not set: no real ClickHouse server to test against" : null;
}
