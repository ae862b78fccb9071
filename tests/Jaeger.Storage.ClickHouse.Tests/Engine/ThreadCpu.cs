using System.Globalization;

namespace Jaeger.Storage.ClickHouse.Tests.Engine;

/// <summary>
/// CPU time of this process's threads from <c>/proc</c> (Linux), in clock ticks of 10 ms: a coarse profile of where
/// a measurement's time went (.NET threads, the engine's own named threads), for measurements only.
/// </summary>
internal static class ThreadCpu
{
    private const double SecondsPerTick = 0.01;

    /// <summary>The CPU ticks of the calling thread so far.</summary>
    public static long CurrentThreadTicks() => TryTicks("/proc/thread-self/stat", out var ticks) ? ticks : 0;

    public static double Seconds(long ticks) => ticks * SecondsPerTick;

    /// <summary>Every live thread: id, name and CPU ticks so far.</summary>
    public static Dictionary<int, (string Name, long Ticks)> Snapshot()
    {
        var threads = new Dictionary<int, (string, long)>();
        foreach (var folder in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (TryTicks(Path.Combine(folder, "stat"), out var ticks) && int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out var id))
            {
                string name;
                try
                {
                    name = File.ReadAllText(Path.Combine(folder, "comm")).Trim();
                }
                catch (IOException)
                {
                    continue;
                }

                threads[id] = (name, ticks);
            }
        }

        return threads;
    }

    /// <summary>CPU seconds spent between two snapshots, by thread name (digits dropped, so numbered pools group), most first.</summary>
    public static List<(string Name, double Seconds)> ByName(Dictionary<int, (string Name, long Ticks)> before, Dictionary<int, (string Name, long Ticks)> after)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (id, (name, ticks)) in after)
        {
            var spent = ticks - (before.TryGetValue(id, out var was) && was.Name == name ? was.Ticks : 0);
            var group = new string([.. name.Where(c => !char.IsAsciiDigit(c))]).Trim();
            totals[group] = totals.GetValueOrDefault(group) + spent;
        }

        return [.. totals.Where(t => t.Value > 0).OrderByDescending(t => t.Value).Select(t => (t.Key, Seconds(t.Value)))];
    }

    private static bool TryTicks(string statFile, out long ticks)
    {
        ticks = 0;
        string text;
        try
        {
            text = File.ReadAllText(statFile);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }

        // The name (field 2) is in parentheses and may hold spaces; utime and stime are fields 14 and 15.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return true;
    }
}
