using System.Reflection;
using Jaeger.Storage.Conformance;

namespace Jaeger.Storage.Cassandra.Tests;

/// <summary>A fact that needs a real Cassandra cluster named by JAEGER_TEST_CASSANDRA; skipped, with the reason shown, when it is unset.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CassandraClusterFactAttribute : FactAttribute
{
    public const string HostsVariable = "JAEGER_TEST_CASSANDRA";

    public CassandraClusterFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(HostsVariable)))
        {
            Skip = $"{HostsVariable} is not set: no Cassandra cluster (comma-separated host[:port] contact points) to run against.";
        }
    }
}

/// <summary>
/// The storage conformance kit against a real Cassandra (or ScyllaDB) cluster. xunit 2 cannot skip inherited facts
/// at run time, so the kit's cases run inside one gated fact, each reported by name when it fails.
/// </summary>
public sealed class CassandraConformanceTests
{
    [CassandraClusterFact]
    public async Task EveryConformanceCasePassesAgainstARealCluster()
    {
        var failures = new List<string>();
        var cases = typeof(SpanStoreConformanceTests).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetCustomAttribute<FactAttribute>() is { Skip: null } && m.GetParameters().Length == 0)
            .ToList();
        Assert.NotEmpty(cases);
        foreach (var method in cases)
        {
            var kit = new RealClusterKit();
            try
            {
                if (method.Invoke(kit, null) is Task task)
                {
                    await task;
                }
            }
            catch (Exception e)
            {
                var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
                failures.Add($"{method.Name}: {cause.GetType().Name}: {cause.Message}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} conformance cases failed:\n{string.Join("\n", failures)}");
    }

    /// <summary>Not public, so xunit does not discover the kit's facts without the gate.</summary>
    internal sealed class RealClusterKit : SpanStoreConformanceTests
    {
        protected override async ValueTask<StorageBackend> CreateBackendAsync()
        {
            var options = new CassandraStorageOptions
            {
                Servers = Environment.GetEnvironmentVariable(CassandraClusterFactAttribute.HostsVariable)!,
                Keyspace = "jaeger_conformance_" + Guid.NewGuid().ToString("N")[..12],
                Consistency = "ONE",
            };
            options.Schema.Create = true;
            var backend = CassandraBackendFactory.Create(options);
            await backend.StartAsync();
            return backend;
        }
    }
}
