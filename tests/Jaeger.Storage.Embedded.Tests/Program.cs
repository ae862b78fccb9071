using System.Globalization;
using Jaeger.Model;

namespace Jaeger.Storage.Embedded.Tests;

/// <summary>
/// The entry point of this assembly when a test runs it as a child process: <c>kill-writer &lt;folder&gt;</c> writes
/// traces one call at a time and prints each trace number once its write returned, until the parent kills it;
/// <c>hold &lt;folder&gt;</c> opens the store, prints <c>ready</c> and keeps it open until its input closes.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["hold", var held])
        {
            using var holder = StoreFixtures.Open(held);
            Console.Out.WriteLine("ready");
            Console.Out.Flush();
            await Console.In.ReadToEndAsync();
            return 0;
        }

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
