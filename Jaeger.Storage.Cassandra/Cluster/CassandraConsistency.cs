using Jaeger.Storage.Cassandra.Protocol;

namespace Jaeger.Storage.Cassandra.Cluster;

/// <summary>Consistency level names as Jaeger's configuration spells them.</summary>
internal static class CassandraConsistency
{
    public static bool TryParse(string? text, out CqlConsistency consistency)
    {
        consistency = (text ?? string.Empty).Trim().ToUpperInvariant() switch
        {
            "ANY" => CqlConsistency.Any,
            "ONE" => CqlConsistency.One,
            "TWO" => CqlConsistency.Two,
            "THREE" => CqlConsistency.Three,
            "QUORUM" => CqlConsistency.Quorum,
            "ALL" => CqlConsistency.All,
            "LOCAL_QUORUM" => CqlConsistency.LocalQuorum,
            "EACH_QUORUM" => CqlConsistency.EachQuorum,
            "LOCAL_ONE" => CqlConsistency.LocalOne,
            _ => (CqlConsistency)0xFFFF,
        };
        return consistency != (CqlConsistency)0xFFFF;
    }
}
