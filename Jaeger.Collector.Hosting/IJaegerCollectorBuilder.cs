using Microsoft.Extensions.DependencyInjection;

namespace Jaeger.Collector;

/// <summary>Further configuration of the collector role, returned by <c>AddJaegerCollector()</c>.</summary>
public interface IJaegerCollectorBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }
}
