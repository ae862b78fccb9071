using System.Globalization;
using Jaeger.Model;

namespace Jaeger.Storage.Embedded.Tests;

/// <summary>
/// The entry point of this assembly when a test runs it as a child process (<c>dotnet Jaeger.Storage.Embedded.Tests.dll
/// kill-writer &lt;folder&gt;</c>): it writes traces one call at a time and prints each trace id once its write
/// returned, until the parent kills it.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["kill-writer", var path])
        {
            return 2;
        }

        var store = StoreFixtures.Open(path);
        for (ulong i = 1; ; i++)
        {
            var id = new TraceId(0x4B11, i);
            await store.WriteSpansAsync(StoreFixtures.Trace(id, "killed-svc", DateTimeOffset.UtcNow, 20));
            Console.Out.WriteLine(i.ToString(CultureInfo.InvariantCulture));
            Console.Out.Flush();
        }
    }
}
