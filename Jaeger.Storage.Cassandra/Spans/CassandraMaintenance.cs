namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>Retention is the schema's trace TTL; purge truncates every table of Jaeger's schema in the keyspace.</summary>
internal sealed class CassandraMaintenance(CassandraStore store) : IStorageMaintenance
{
    /// <summary>Every table of schema v004.</summary>
    public static readonly string[] Tables =
    [
        "traces", "service_names", "operation_names_v2", "service_operation_index", "service_name_index", "duration_index", "tag_index",
        "dependencies_v2", "operation_throughput", "sampling_probabilities", "leases",
    ];

    public StorageRetention Retention => new(MaxAge: store.Options.Schema.TraceTtl > TimeSpan.Zero ? store.Options.Schema.TraceTtl : null);

    public async ValueTask PurgeAsync(CancellationToken cancellationToken = default)
    {
        foreach (var table in Tables)
        {
            try
            {
                await store.Session.QueryOnControlAsync($"TRUNCATE {store.Options.Keyspace}.{table}", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (CassandraStore.Translate(e) is { } storage)
            {
                throw storage;
            }
        }

        // The names are gone from the tables: the next span carrying one writes it again.
        store.ForgetWrittenNames();
    }
}
