using System.Text.Json;
using System.Text.Json.Serialization;
using Jaeger.Storage.ClickHouse.Reading;

namespace Jaeger.Storage.ClickHouse.Stores;

/// <summary>
/// Adaptive sampling and the leader lease on ClickHouse, in tables of this package (Jaeger's ClickHouse storage has
/// no sampling store): <c>sampling_throughput</c>, <c>sampling_probabilities</c> and <c>leases</c>.
/// </summary>
/// <remarks>
/// ClickHouse has no compare-and-set, so the lease is last-writer-wins on a version: a contender that sees the
/// lease free (or expired, or its own) inserts a row with a higher version, then reads the latest row back and holds
/// the lease only when that row is its own. Two contenders that both saw it free agree on one winner (the higher
/// version). On a cluster this needs the read to see the other's insert (a single shard for <c>leases</c>, or
/// <c>insert_quorum</c>); that was not verified here.
/// </remarks>
internal sealed class ClickHouseSamplingStore : ISamplingStore, ILeaseStore
{
    private static readonly string[] ThroughputColumns = ["timestamp", "service", "operation", "count", "probabilities"];
    private static readonly string[] ProbabilityColumns = ["timestamp", "hostname", "probabilities_json", "qps_json"];
    private static readonly string[] LeaseColumns = ["resource", "owner", "expires_at", "version"];

    private readonly ClickHouseDatabase _db;
    private readonly TimeProvider _time;
    private readonly Lock _clockGate = new();
    private long _lastMicros;

    public ClickHouseSamplingStore(ClickHouseDatabase database, TimeProvider? time = null)
    {
        _db = database;
        _time = time ?? TimeProvider.System;
    }

    public async ValueTask InsertThroughputAsync(IReadOnlyList<OperationThroughput> throughput, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(throughput);
        if (throughput.Count == 0)
        {
            return;
        }

        var at = Writing.SpanRows.FromMicros(NowMicros());
        var rows = throughput.Select(t => new object[] { at, t.Service, t.Operation, t.Count, t.Probabilities.ToArray() }).ToList();
        await _db.InsertAsync("sampling throughput insert", "sampling_throughput", ThroughputColumns, rows, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<OperationThroughput>> GetThroughputAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default)
    {
        var result = new List<OperationThroughput>();
        await _db.ReadAsync(
            "sampling throughput",
            $"SELECT service, operation, count, probabilities FROM {_db.Table("sampling_throughput")} WHERE timestamp >= fromUnixTimestamp64Nano({{from:Int64}}) AND timestamp < fromUnixTimestamp64Nano({{to:Int64}}) ORDER BY timestamp",
            r => result.Add(new OperationThroughput(r.GetString(0), r.GetString(1), r.GetInt64(2), [.. ((Array)r.GetValue(3)).Cast<object>().Select(o => Convert.ToDouble(o, System.Globalization.CultureInfo.InvariantCulture))])),
            cancellationToken,
            ClickHouseDatabase.Parameter("from", "Int64", TraceSearch.Nanos(start)),
            ClickHouseDatabase.Parameter("to", "Int64", TraceSearch.Nanos(end))).ConfigureAwait(false);
        return result;
    }

    public async ValueTask InsertProbabilitiesAndQpsAsync(string hostname, ServiceOperationValues probabilities, ServiceOperationValues qps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hostname);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(qps);
        var row = new object[]
        {
            Writing.SpanRows.FromMicros(NowMicros()), hostname,
            JsonSerializer.Serialize(probabilities, SamplingJson.Default.ServiceOperationValues),
            JsonSerializer.Serialize(qps, SamplingJson.Default.ServiceOperationValues),
        };
        await _db.InsertAsync("sampling probabilities insert", "sampling_probabilities", ProbabilityColumns, [row], cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ServiceOperationValues> GetLatestProbabilitiesAsync(CancellationToken cancellationToken = default)
    {
        var latest = new ServiceOperationValues();
        await _db.ReadAsync(
            "sampling probabilities",
            $"SELECT probabilities_json FROM {_db.Table("sampling_probabilities")} ORDER BY timestamp DESC LIMIT 1",
            r => latest = JsonSerializer.Deserialize(r.GetString(0), SamplingJson.Default.ServiceOperationValues) ?? new ServiceOperationValues(),
            cancellationToken).ConfigureAwait(false);
        return latest;
    }

    public async ValueTask<bool> TryAcquireAsync(string resource, string owner, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var now = NowMicros();
        var current = await ReadLeaseAsync(resource, cancellationToken).ConfigureAwait(false);
        if (current is { } held && held.Owner != owner && held.Owner.Length > 0 && held.ExpiresMicros > now)
        {
            return false;
        }

        var version = Math.Max((ulong)now * 1000 + (ulong)Random.Shared.Next(1000), (current?.Version ?? 0) + 1);
        await WriteLeaseAsync(resource, owner, now + (long)(ttl.Ticks / 10), version, cancellationToken).ConfigureAwait(false);
        // Taken when this write is the latest: the lease runs from `now`, before the write, whatever the round trips
        // cost. (Asking whether it is still unexpired after them refused a short lease that a slow engine took.)
        var winner = await ReadLeaseAsync(resource, cancellationToken).ConfigureAwait(false);
        return winner is { } w && w.Owner == owner && w.Version == version;
    }

    public async ValueTask<bool> ForfeitAsync(string resource, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var now = NowMicros();
        var current = await ReadLeaseAsync(resource, cancellationToken).ConfigureAwait(false);
        if (current is not { } held || held.Owner != owner || held.ExpiresMicros <= now)
        {
            return false;
        }

        await WriteLeaseAsync(resource, string.Empty, now, held.Version + 1, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<(string Owner, long ExpiresMicros, ulong Version)?> ReadLeaseAsync(string resource, CancellationToken cancellationToken)
    {
        (string, long, ulong)? lease = null;
        await _db.ReadAsync(
            "lease",
            $"SELECT argMax(owner, version), argMax(toUnixTimestamp64Micro(expires_at), version), max(version), count() FROM {_db.Table("leases")} WHERE resource = {{resource:String}}",
            r =>
            {
                if (Convert.ToInt64(r.GetValue(3), System.Globalization.CultureInfo.InvariantCulture) > 0)
                {
                    lease = (r.GetString(0), r.GetInt64(1), Convert.ToUInt64(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture));
                }
            },
            cancellationToken,
            ClickHouseDatabase.Parameter("resource", "String", resource)).ConfigureAwait(false);
        return lease;
    }

    private Task<long> WriteLeaseAsync(string resource, string owner, long expiresMicros, ulong version, CancellationToken cancellationToken) =>
        _db.InsertAsync("lease insert", "leases", LeaseColumns, [[resource, owner, Writing.SpanRows.FromMicros(expiresMicros), version]], cancellationToken);

    // Strictly increasing, so "the latest" row is never a tie.
    private long NowMicros()
    {
        var now = (_time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
        lock (_clockGate)
        {
            _lastMicros = Math.Max(now, _lastMicros + 1);
            return _lastMicros;
        }
    }
}

[JsonSerializable(typeof(ServiceOperationValues))]
internal sealed partial class SamplingJson : JsonSerializerContext
{
}
