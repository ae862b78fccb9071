using Microsoft.Extensions.Hosting;

// Every Jaeger role in one Generic Host with in-memory storage. Each role wires itself in here as it lands.
var builder = Host.CreateApplicationBuilder(args);

var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
