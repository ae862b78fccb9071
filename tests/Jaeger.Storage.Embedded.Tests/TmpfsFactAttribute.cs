using System.Diagnostics;

namespace Jaeger.Storage.Embedded.Tests;

/// <summary>
/// A fact that needs to mount a small tmpfs (a disk that fills up for real): it runs on Linux as root where
/// <c>mount -t tmpfs</c> is permitted, and is visibly skipped elsewhere.
/// </summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public TmpfsFactAttribute()
    {
        if (Unavailable.Value is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/> MiB on <paramref name="path"/>.</summary>
    public static void Mount(string path, int megabytes)
    {
        Directory.CreateDirectory(path);
        var (code, output) = Run("mount", $"-t tmpfs -o size={megabytes}m tmpfs {path}");
        if (code != 0)
        {
            throw new InvalidOperationException($"mount -t tmpfs failed ({code}): {output}");
        }
    }

    public static void Unmount(string path) => Run("umount", path);

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "a full disk is simulated with a tmpfs mount, which needs Linux";
        }

        var probe = Path.Combine(Path.GetTempPath(), "jaeger-embedded-tests", "tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(probe);
        try
        {
            var (code, output) = Run("mount", $"-t tmpfs -o size=1m tmpfs {probe}");
            if (code != 0)
            {
                return $"mount -t tmpfs is not permitted here (run as root to test a full disk): {output.Trim()}";
            }

            Run("umount", probe);
            return null;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"mount cannot run here: {ex.Message}";
        }
        finally
        {
            try
            {
                Directory.Delete(probe);
            }
            catch (IOException)
            {
            }
        }
    }

    private static (int Code, string Output) Run(string command, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
