using Microsoft.Extensions.DependencyInjection;
namespace Jaeger.Storage.Builder;

/// <summary>The backends added to a service collection's storage builder; one per service collection.</summary>
internal sealed class StorageRegistry
{
    public Dictionary<string, Func<IServiceProvider, StorageRole, StorageBackend>> Factories { get; } = new(StringComparer.OrdinalIgnoreCase);

    // Type names in the order they were added, for messages and the default.
    public List<string> Order { get; } = [];

    public string? DefaultType { get; set; }

    public string? FixedType { get; set; }

    public static StorageRegistry? Find(IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            if (services[i].ServiceType == typeof(StorageRegistry) && !services[i].IsKeyedService &&
                services[i].ImplementationInstance is StorageRegistry registry)
            {
                return registry;
            }
        }

        return null;
    }
}

/// <summary>The builder handed to <c>AddJaegerStorage</c> callers.</summary>
internal sealed class JaegerStorageBuilder(IServiceCollection services, StorageRegistry registry) : IJaegerStorageBuilder
{
    public IServiceCollection Services { get; } = services;

    public IJaegerStorageBuilder AddBackend(string type, Func<IServiceProvider, StorageRole, StorageBackend> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentNullException.ThrowIfNull(factory);
        if (type.Contains(',', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A storage type name cannot contain a comma: '{type}'.", nameof(type));
        }

        type = type.Trim();
        if (!registry.Factories.ContainsKey(type))
        {
            registry.Order.Add(type.ToLowerInvariant());
        }

        registry.Factories[type] = factory;
        return this;
    }

    public IJaegerStorageBuilder UseDefaultType(string type)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        registry.DefaultType = type;
        return this;
    }

    public IJaegerStorageBuilder UseType(string type)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        registry.FixedType = type;
        return this;
    }
}
