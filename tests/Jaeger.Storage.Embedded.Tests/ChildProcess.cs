using System.Diagnostics;

namespace Jaeger.Storage.Embedded.Tests;

/// <summary>Runs this test assembly as a child process (see <see cref="Program"/>).</summary>
internal static class ChildProcess
{
    public static System.Diagnostics.Process Start(params string[] arguments) =>
        System.Diagnostics.Process.Start(new ProcessStartInfo("dotnet", ["exec", typeof(ChildProcess).Assembly.Location, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        })!;
}
