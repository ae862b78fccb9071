using Stopwatch = System.Diagnostics.Stopwatch;
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
        using var child = ChildProcess.Start("kill-writer", path);

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

    [Fact]
    public async Task A_second_process_opening_a_folder_in_use_fails_naming_the_folder_and_the_holding_process()
    {
        var path = _folder.Sub("data");
        using var holder = ChildProcess.Start("hold", path);
        try
        {
            var line = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(line == "ready", $"the holder did not open the store: {line} {await ReadErrorIfExitedAsync(holder)}");

            var error = Assert.Throws<StorageException>(() => StoreFixtures.Open(path));

            output.WriteLine(error.Message);
            Assert.Equal("locked", error.Reason);
            Assert.False(error.IsTransient);
            Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
            Assert.Contains($"pid {holder.Id} ", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            holder.StandardInput.Close();
            await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        // Once the holder closed it, this process opens it.
        using var store = StoreFixtures.Open(path);
        Assert.Empty(await store.GetServicesAsync());
    }

    private static async Task<string> ReadErrorIfExitedAsync(System.Diagnostics.Process process) =>
        process.HasExited ? await process.StandardError.ReadToEndAsync() : string.Empty;
}
