using System.Text.Json;
using System.Text.Json.Serialization;
using Jaeger.Model;
using Jaeger.Storage.ClickHouse.Reading;

namespace Jaeger.Storage.ClickHouse.Stores;

/// <summary>
/// Jaeger v2's <c>dependencies</c> table: one row per snapshot, its links as the JSON array Jaeger's reader parses
/// (<c>[{"parent":..,"child":..,"callCount":..}]</c>); reading merges the snapshots of the window, summing calls.
/// </summary>
internal sealed class ClickHouseDependencyStore(ClickHouseDatabase db) : IDependencyReader, IDependencyWriter
{
    private static readonly string[] Columns = ["timestamp", "dependencies_json"];

    public async ValueTask<IReadOnlyList<DependencyLink>> GetDependenciesAsync(DateTimeOffset endTime, TimeSpan lookback, CancellationToken cancellationToken = default)
    {
        var merged = new Dictionary<(string, string), ulong>();
        await db.ReadAsync(
            "dependencies",
            $"SELECT dependencies_json FROM {db.Table("dependencies")} WHERE timestamp > fromUnixTimestamp64Nano({{from:Int64}}) AND timestamp <= fromUnixTimestamp64Nano({{to:Int64}})",
            r =>
            {
                foreach (var link in JsonSerializer.Deserialize(r.GetString(0), DependencyJson.Default.StoredLinkArray) ?? [])
                {
                    merged[(link.Parent, link.Child)] = merged.GetValueOrDefault((link.Parent, link.Child)) + link.CallCount;
                }
            },
            cancellationToken,
            ClickHouseDatabase.Parameter("from", "Int64", TraceSearch.Nanos(endTime - lookback)),
            ClickHouseDatabase.Parameter("to", "Int64", TraceSearch.Nanos(endTime))).ConfigureAwait(false);
        return [.. merged.Select(m => new DependencyLink(m.Key.Item1, m.Key.Item2, m.Value)).OrderBy(l => l.Parent, StringComparer.Ordinal).ThenBy(l => l.Child, StringComparer.Ordinal)];
    }

    public async ValueTask WriteDependenciesAsync(DateTimeOffset timestamp, IReadOnlyList<DependencyLink> links, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(links);
        var json = JsonSerializer.Serialize([.. links.Select(l => new StoredLink(l.Parent, l.Child, l.CallCount))], DependencyJson.Default.StoredLinkArray);
        await db.InsertAsync("dependencies insert", "dependencies", Columns, [[timestamp.UtcDateTime, json]], cancellationToken).ConfigureAwait(false);
    }
}

internal sealed record StoredLink(
    [property: JsonPropertyName("parent")] string Parent,
    [property: JsonPropertyName("child")] string Child,
    [property: JsonPropertyName("callCount")] ulong CallCount);

[JsonSerializable(typeof(StoredLink[]))]
internal sealed partial class DependencyJson : JsonSerializerContext
{
}
