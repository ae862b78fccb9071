using Jaeger.Client.Reporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Jaeger.Client.Tests.Bridge;

/// <summary>A real Kestrel app on a free loopback port, traced with <c>AddJaegerTracing()</c> (const sampler) into an in-memory reporter.</summary>
internal static class TracedKestrel
{
    public static async Task<(WebApplication App, string Address)> StartAsync(InMemoryReporter reporter, double samplerParam, Action<WebApplication> map, string propagation = "jaeger")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddJaegerTracing(o =>
        {
            o.ServiceName = "kestrel-app";
            o.SamplerType = "const";
            o.SamplerParam = samplerParam;
            o.Propagation = propagation;
            o.ReporterOverride = reporter;
        });
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }
}
