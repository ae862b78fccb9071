using System.Globalization;

namespace Jaeger.Storage.Cassandra.Cluster;

/// <summary>
/// A keyspace's replica placement as <c>system_schema.keyspaces.replication</c> declares it: SimpleStrategy (a
/// replication factor over the whole ring) or NetworkTopologyStrategy (a factor per data center, replicas spread over
/// racks). Other strategies (LocalStrategy, EverywhereStrategy, custom classes) are not modelled.
/// </summary>
internal sealed class ReplicationStrategy
{
    private ReplicationStrategy(int? factor, IReadOnlyDictionary<string, int>? dataCenters)
    {
        Factor = factor;
        DataCenters = dataCenters;
    }

    /// <summary>SimpleStrategy's replication factor; null for NetworkTopologyStrategy.</summary>
    public int? Factor { get; }

    /// <summary>NetworkTopologyStrategy's replication factor per data center; null for SimpleStrategy.</summary>
    public IReadOnlyDictionary<string, int>? DataCenters { get; }

    public static ReplicationStrategy Simple(int factor) => new(factor, null);

    public static ReplicationStrategy NetworkTopology(IReadOnlyDictionary<string, int> dataCenters) => new(null, dataCenters);

    /// <summary>The strategy of a replication map; null when its class is not one of the two or a factor cannot be read.</summary>
    /// <remarks>A factor may be written "3/1" (Cassandra 4's transient replicas): all 3 hold data for routing purposes.</remarks>
    public static ReplicationStrategy? Parse(IReadOnlyDictionary<string, string> replication)
    {
        if (!replication.TryGetValue("class", out var strategy))
        {
            return null;
        }

        if (strategy.EndsWith("SimpleStrategy", StringComparison.Ordinal))
        {
            return replication.TryGetValue("replication_factor", out var text) && TryFactor(text, out var factor) ? Simple(factor) : null;
        }

        if (!strategy.EndsWith("NetworkTopologyStrategy", StringComparison.Ordinal))
        {
            return null;
        }

        var dataCenters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value) in replication)
        {
            if (key is "class" or "replication_factor")
            {
                continue;
            }

            if (!TryFactor(value, out var factor))
            {
                return null;
            }

            dataCenters[key] = factor;
        }

        return NetworkTopology(dataCenters);
    }

    public override string ToString() => Factor is { } factor
        ? $"SimpleStrategy {factor}"
        : $"NetworkTopologyStrategy {string.Join(", ", DataCenters!.Select(p => $"{p.Key}: {p.Value}"))}";

    /// <summary>
    /// The replicas of each ring position (the range ending at <paramref name="owners"/>[i]'s token), in placement
    /// order: SimpleStrategy takes the next distinct hosts clockwise; NetworkTopologyStrategy walks clockwise too and,
    /// per data center, takes a host of a rack not yet used until every rack of the data center has one, deferring the
    /// other hosts met meanwhile and taking them in the order met once every rack is used (Cassandra's placement).
    /// </summary>
    public THost[][] Place<THost>(IReadOnlyList<THost> owners, Func<THost, string?> dataCenter, Func<THost, string?> rack)
        where THost : class
    {
        var hosts = owners.Distinct().ToList();
        var placed = new THost[owners.Count][];
        for (var i = 0; i < owners.Count; i++)
        {
            placed[i] = Factor is { } factor ? PlaceSimple(owners, i, Math.Min(factor, hosts.Count)) : PlaceByDataCenter(owners, i, hosts, dataCenter, rack);
        }

        return placed;
    }

    private static bool TryFactor(string text, out int factor)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return int.TryParse(slash < 0 ? text : text[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out factor);
    }

    private static THost[] PlaceSimple<THost>(IReadOnlyList<THost> owners, int start, int factor)
        where THost : class
    {
        var replicas = new List<THost>(factor);
        for (var step = 0; step < owners.Count && replicas.Count < factor; step++)
        {
            var host = owners[(start + step) % owners.Count];
            if (!replicas.Contains(host))
            {
                replicas.Add(host);
            }
        }

        return [.. replicas];
    }

    private THost[] PlaceByDataCenter<THost>(IReadOnlyList<THost> owners, int start, List<THost> hosts, Func<THost, string?> dataCenter, Func<THost, string?> rack)
        where THost : class
    {
        var states = new Dictionary<string, DataCenterPlacement<THost>>(StringComparer.Ordinal);
        foreach (var (name, factor) in DataCenters!)
        {
            var members = hosts.Where(h => dataCenter(h) == name).ToList();
            if (factor > 0 && members.Count > 0)
            {
                states[name] = new DataCenterPlacement<THost>(Math.Min(factor, members.Count), members.Select(rack).Distinct().Count());
            }
        }

        var replicas = new List<THost>();
        var pending = states.Count;
        for (var step = 0; step < owners.Count && pending > 0; step++)
        {
            var host = owners[(start + step) % owners.Count];
            if (dataCenter(host) is not { } name || !states.TryGetValue(name, out var state) || state.Done || replicas.Contains(host))
            {
                continue;
            }

            if (state.RacksSeen.Count == state.Racks)
            {
                state.Take(host, replicas);
            }
            else if (state.RacksSeen.Add(rack(host)))
            {
                state.Take(host, replicas);
                if (state.RacksSeen.Count == state.Racks)
                {
                    // Every rack has a replica: the hosts skipped on the way come next, in the order met.
                    foreach (var skipped in state.Skipped)
                    {
                        if (!state.Done)
                        {
                            state.Take(skipped, replicas);
                        }
                    }
                }
            }
            else if (!state.Skipped.Contains(host))
            {
                state.Skipped.Add(host);
            }

            pending -= state.Done && state.Counted() ? 1 : 0;
        }

        return [.. replicas];
    }

    private sealed class DataCenterPlacement<THost>(int factor, int racks)
        where THost : class
    {
        private bool _counted;

        public int Racks { get; } = racks;

        public HashSet<string?> RacksSeen { get; } = [];

        public List<THost> Skipped { get; } = [];

        public int Taken { get; private set; }

        public bool Done => Taken >= factor;

        public void Take(THost host, List<THost> replicas)
        {
            replicas.Add(host);
            Taken++;
        }

        /// <summary>True once, when the data center is first seen done.</summary>
        public bool Counted()
        {
            if (_counted)
            {
                return false;
            }

            _counted = true;
            return true;
        }
    }
}
