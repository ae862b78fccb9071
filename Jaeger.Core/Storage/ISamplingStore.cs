namespace Jaeger.Storage;

/// <summary>
/// What adaptive sampling keeps in storage, as Jaeger's sampling store: the per-operation throughput every collector
/// counted, and the probabilities the leader computed from it. Implementations are thread-safe.
/// </summary>
public interface ISamplingStore
{
    /// <summary>Stores throughput counted by one collector over its last interval, at the store's current time.</summary>
    ValueTask InsertThroughputAsync(IReadOnlyList<OperationThroughput> throughput, CancellationToken cancellationToken = default);

    /// <summary>All throughput stored in [<paramref name="start"/>, <paramref name="end"/>).</summary>
    ValueTask<IReadOnlyList<OperationThroughput>> GetThroughputAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default);

    /// <summary>Stores the probabilities (and the rates they were computed from) the leader <paramref name="hostname"/> computed.</summary>
    ValueTask InsertProbabilitiesAndQpsAsync(string hostname, ServiceOperationValues probabilities, ServiceOperationValues qps, CancellationToken cancellationToken = default);

    /// <summary>The probabilities stored last; empty when none were stored.</summary>
    ValueTask<ServiceOperationValues> GetLatestProbabilitiesAsync(CancellationToken cancellationToken = default);
}

/// <summary>How many root spans of one operation a collector saw in an interval, and at which sampling probabilities.</summary>
/// <param name="Service">The service.</param>
/// <param name="Operation">The operation.</param>
/// <param name="Count">Root spans seen.</param>
/// <param name="Probabilities">The distinct sampling probabilities those spans were sampled with.</param>
public sealed record OperationThroughput(string Service, string Operation, long Count, IReadOnlyList<double> Probabilities);

/// <summary>A value per service and operation (a probability or a rate), as Jaeger's ServiceOperationProbabilities / ServiceOperationQPS.</summary>
public sealed class ServiceOperationValues : Dictionary<string, Dictionary<string, double>>
{
    /// <summary>Creates an empty map with ordinal keys.</summary>
    public ServiceOperationValues()
        : base(StringComparer.Ordinal)
    {
    }

    /// <summary>Sets the value of one operation of a service.</summary>
    public void Set(string service, string operation, double value)
    {
        if (!TryGetValue(service, out var operations))
        {
            operations = new Dictionary<string, double>(StringComparer.Ordinal);
            this[service] = operations;
        }

        operations[operation] = value;
    }
}

/// <summary>
/// A lease on a named resource held by one owner for a time, for electing one leader among collectors (Jaeger's
/// distributed lock). Implementations are thread-safe and atomic across every process that shares the store.
/// </summary>
public interface ILeaseStore
{
    /// <summary>
    /// Takes the lease on <paramref name="resource"/> for <paramref name="owner"/> for <paramref name="ttl"/> when it is
    /// free or expired, or extends it when <paramref name="owner"/> holds it. True when <paramref name="owner"/> holds it now.
    /// </summary>
    ValueTask<bool> TryAcquireAsync(string resource, string owner, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up when <paramref name="owner"/> holds it; true when it did.</summary>
    ValueTask<bool> ForfeitAsync(string resource, string owner, CancellationToken cancellationToken = default);
}
