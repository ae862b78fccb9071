using System.Diagnostics;
using System.Globalization;
using Jaeger.Model;
using Xunit.Abstractions;

namespace Jaeger.Storage.Embedded.Tests;

public sealed class EmbeddedKillTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new("kill");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_writer_process_killed_with_SIGKILL_loses_no_trace_whose_write_had_returned()
    {
        var path = _folder.Sub("data");
        var assembly = typeof(EmbeddedKillTests).Assembly.Location;
        using var child = System.Diagnostics.Process.Start(new ProcessStartInfo("dotnet", ["exec", assembly, "kill-writer", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;

        // Wait until the child acknowledged a good number of writes, then kill it mid-stream (SIGKILL on Linux).
        var acknowledged = 0UL;
        var deadline = Stopwatch.StartNew();
        while (acknowledged < 50)
        {
            var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (line is null)
            {
                Assert.Fail($"the writer exited early ({child.ExitCode}): {await child.StandardError.ReadToEndAsync()}");
            }

            acknowledged = ulong.Parse(line, CultureInfo.InvariantCulture);
        }

        child.Kill(entireProcessTree: true);
        await child.WaitForExitAsync();

        // Lines the child printed before it died may still be in the pipe: each one is an acknowledged write too.
        var rest = await child.StandardOutput.ReadToEndAsync();
        foreach (var line in rest.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            acknowledged = Math.Max(acknowledged, ulong.Parse(line, CultureInfo.InvariantCulture));
        }

        output.WriteLine($"killed after {acknowledged} acknowledged writes, {deadline.Elapsed.TotalSeconds:0.0} s; exit code {child.ExitCode}");

        using var store = StoreFixtures.Open(path);
        for (ulong i = 1; i <= acknowledged; i++)
        {
            var trace = await store.GetTraceAsync(new TraceId(0x4B11, i));
            Assert.True(trace is not null, $"trace {i} of {acknowledged} acknowledged is missing after the kill");
            Assert.Equal(20, trace.Spans.Count);
        }

        var found = await store.FindTraceIdsAsync(new TraceQueryParameters { ServiceName = "killed-svc", Limit = 100_000 });
        Assert.True(found.Count >= (int)acknowledged, $"the search finds {found.Count} traces, fewer than the {acknowledged} acknowledged");
    }
}
