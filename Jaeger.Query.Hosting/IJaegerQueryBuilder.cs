using Microsoft.Extensions.DependencyInjection;

namespace Jaeger.Query;

/// <summary>Returned by <c>AddJaegerQuery()</c> for further configuration of the query role.</summary>
public interface IJaegerQueryBuilder
{
    /// <summary>The services the role is registered in.</summary>
    IServiceCollection Services { get; }
}

internal sealed class JaegerQueryBuilder(IServiceCollection services) : IJaegerQueryBuilder
{
    public IServiceCollection Services { get; } = services;
}
