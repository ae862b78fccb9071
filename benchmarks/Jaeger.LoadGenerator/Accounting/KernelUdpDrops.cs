using System.Globalization;

namespace Jaeger.LoadGenerator.Accounting;

/// <summary>The kernel's UDP receive-buffer drops (machine-wide <c>RcvbufErrors</c> in /proc/net/snmp): datagrams no agent ever saw.</summary>
internal static class KernelUdpDrops
{
    /// <summary>The counter, or null where /proc/net/snmp is not there.</summary>
    public static long? Read()
    {
        try
        {
            var lines = File.ReadAllLines("/proc/net/snmp").Where(l => l.StartsWith("Udp:", StringComparison.Ordinal)).ToArray();
            if (lines.Length < 2)
            {
                return null;
            }

            var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var index = Array.IndexOf(names, "RcvbufErrors");
            return index < 0 ? null : long.Parse(values[index], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
