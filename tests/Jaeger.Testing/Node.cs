using Xunit;

using System.Diagnostics;

namespace Jaeger.Testing;

/// <summary>Runs the Node scripts of tests/interop-node, which use the real Jaeger Node client (npm jaeger-client@3.19.0).</summary>
public static class Node
{
    /// <summary>Why Node tests cannot run here, or null when they can.</summary>
    public static string? MissingReason
    {
        get
        {
            if (FindOnPath("node") is null)
            {
                return "Node.js is not installed (bash .ci/run uses the machine's node).";
            }

            if (!Directory.Exists(Path.Combine(RepositoryPaths.NodeInterop, "node_modules", "jaeger-client")))
            {
                return "npm package jaeger-client is not installed: run 'npm install' in tests/interop-node (bash .ci/run does).";
            }

            return null;
        }
    }

    /// <summary>Runs <c>node script args...</c> in tests/interop-node; returns its standard output, or throws with its standard error when it fails or outlives the timeout.</summary>
    public static async Task<string> RunAsync(string script, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepositoryPaths.NodeInterop,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish in time. stderr: {await stderr}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} exited with {process.ExitCode}. stderr: {await stderr} stdout: {await stdout}");
        }

        return await stdout;
    }

    internal static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A fact that needs Node and the npm package jaeger-client; it is skipped, with the reason shown, when they are missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NodeFactAttribute : FactAttribute
{
    /// <summary>Sets Skip when Node or jaeger-client is missing.</summary>
    public NodeFactAttribute()
    {
        if (Node.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A fact that needs Debian's Chromium at /usr/bin/chromium; skipped, with the reason shown, when it is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>The browser the UI tests drive.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Sets Skip when Chromium is missing.</summary>
    public ChromiumFactAttribute()
    {
        if (!File.Exists(ChromiumPath))
        {
            Skip = $"{ChromiumPath} is not installed: apt-get install chromium (bash .ci/run does).";
        }
    }
}
