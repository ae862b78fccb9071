using Microsoft.Extensions.DependencyInjection;
namespace Jaeger.Storage.Builder;

/// <summary>
/// Configures the storage of a host: each backend package adds itself (<c>AddMemory()</c>, <c>AddEmbedded()</c> ...),
/// and configuration (<c>Jaeger:Storage:Type</c>) selects among the added ones.
/// </summary>
public interface IJaegerStorageBuilder
{
    /// <summary>The service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Makes storage type <paramref name="type"/> selectable. <paramref name="factory"/> creates one instance of the
    /// backend for a role when the host first needs storage; it reads the backend's options for that role (see
    /// <see cref="StorageRoles"/>). A second call for the same type replaces the factory.
    /// </summary>
    IJaegerStorageBuilder AddBackend(string type, Func<IServiceProvider, StorageRole, StorageBackend> factory);

    /// <summary>The type used when configuration names none (the first type added, when this is never called).</summary>
    IJaegerStorageBuilder UseDefaultType(string type);

    /// <summary>Uses <paramref name="type"/> (a type or comma list) whatever configuration says: for tests and hosts that fix their storage in code.</summary>
    IJaegerStorageBuilder UseType(string type);
}
