using Jaeger.Storage.Cassandra.Protocol;

namespace Jaeger.Storage.Cassandra.Cluster;

/// <summary>
/// The Murmur3 token ring: each host's tokens (from system.local / system.peers), sorted. A partition's replicas are
/// found from its key's token: the first ring token at or above it owns it; the further replicas are those the
/// keyspace's replication strategy places (<see cref="ReplicationStrategy"/>), or without one every other host in
/// ring order.
/// </summary>
internal sealed class TokenRing<THost>
    where THost : class
{
    private readonly long[] _tokens;
    private readonly THost[] _owners;
    private readonly int _hostCount;
    private readonly THost[][]? _replicas;

    public TokenRing(IEnumerable<(THost Host, IEnumerable<long> Tokens)> hosts, ReplicationStrategy? strategy = null, Func<THost, string?>? dataCenter = null, Func<THost, string?>? rack = null)
    {
        var entries = new List<(long Token, THost Host)>();
        var count = 0;
        foreach (var (host, tokens) in hosts)
        {
            count++;
            foreach (var token in tokens)
            {
                entries.Add((token, host));
            }
        }

        entries.Sort(static (a, b) => a.Token.CompareTo(b.Token));
        _tokens = [.. entries.Select(e => e.Token)];
        _owners = [.. entries.Select(e => e.Host)];
        _hostCount = count;
        Strategy = strategy;
        _replicas = strategy?.Place(_owners, dataCenter ?? (_ => null), rack ?? (_ => null));
    }

    /// <summary>The placement the replicas follow; null when unknown (every host, in ring order).</summary>
    public ReplicationStrategy? Strategy { get; }

    public bool IsEmpty => _tokens.Length == 0;

    /// <summary>The hosts holding the partition of <paramref name="token"/>, each once, in placement order (the owner first unless its data center holds no replica).</summary>
    public List<THost> Replicas(long token)
    {
        var replicas = new List<THost>(Math.Min(_hostCount, 3));
        if (_tokens.Length == 0)
        {
            return replicas;
        }

        var index = Array.BinarySearch(_tokens, token);
        if (index < 0)
        {
            index = ~index;
        }

        if (_replicas is not null)
        {
            replicas.AddRange(_replicas[index % _tokens.Length]);
            return replicas;
        }

        for (var i = 0; i < _tokens.Length && replicas.Count < _hostCount; i++)
        {
            var host = _owners[(index + i) % _tokens.Length];
            if (!replicas.Contains(host))
            {
                replicas.Add(host);
            }
        }

        return replicas;
    }

    /// <summary>
    /// The routing key of a statement from its bound values at the partition-key positions: one component as its
    /// serialized bytes; several as (2-byte length, bytes, 0) each. Null when a component is unbound or null.
    /// </summary>
    public static byte[]? RoutingKey(IReadOnlyList<object?> values, IReadOnlyList<int> pkIndexes, IReadOnlyList<CqlColumn> variables)
    {
        if (pkIndexes.Count == 0)
        {
            return null;
        }

        using var writer = new CqlBufferWriter(64);
        using var part = new CqlBufferWriter(64);
        foreach (var index in pkIndexes)
        {
            if (index >= values.Count || values[index] is null || index >= variables.Count)
            {
                return null;
            }

            part.Reset();
            CqlCodec.WriteValue(part, values[index], variables[index].Type);
            var bytes = part.WrittenSpan[4..];
            if (pkIndexes.Count == 1)
            {
                return bytes.ToArray();
            }

            writer.WriteShort((ushort)bytes.Length);
            writer.WriteRaw(bytes);
            writer.WriteByte(0);
        }

        return writer.ToArray();
    }
}
