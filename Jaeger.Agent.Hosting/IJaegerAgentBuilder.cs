using Microsoft.Extensions.DependencyInjection;

namespace Jaeger.Agent.Hosting;

/// <summary>Returned by <c>AddJaegerAgent()</c> for further configuration of the agent role.</summary>
public interface IJaegerAgentBuilder
{
    /// <summary>The services the agent is registered in.</summary>
    IServiceCollection Services { get; }
}
