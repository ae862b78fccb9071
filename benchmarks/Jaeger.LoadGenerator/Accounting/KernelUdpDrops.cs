using System.Globalization;

namespace Jaeger.LoadGenerator.Accounting;

/// <summary>A reading of the kernel's UDP receive-buffer drops: datagrams no agent ever saw.</summary>
internal readonly record struct KernelDropReading(long Drops, string Source);

/// <summary>
/// The kernel's UDP receive-buffer drops. For an agent on this machine, the drops of the sockets bound to its port
/// (the last column of /proc/net/udp and /proc/net/udp6), so other traffic does not count; otherwise the
/// machine-wide <c>RcvbufErrors</c> of /proc/net/snmp.
/// </summary>
internal static class KernelUdpDrops
{
    /// <summary>The drops of sockets on <paramref name="port"/>, else machine-wide, else null (no /proc).</summary>
    public static KernelDropReading? Read(int port)
    {
        var perSocket = SocketDrops(port);
        if (perSocket is not null)
        {
            return new KernelDropReading(perSocket.Value, "the agent socket's drops, /proc/net/udp");
        }

        var machine = MachineWide();
        return machine is null ? null : new KernelDropReading(machine.Value, "machine-wide RcvbufErrors");
    }

    private static long? SocketDrops(int port)
    {
        long? total = null;
        var hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var file in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            foreach (var line in ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 2 && fields[1].EndsWith(hexPort, StringComparison.Ordinal) &&
                    long.TryParse(fields[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var drops))
                {
                    total = (total ?? 0) + drops;
                }
            }
        }

        return total;
    }

    private static long? MachineWide()
    {
        var lines = ReadLines("/proc/net/snmp").Where(l => l.StartsWith("Udp:", StringComparison.Ordinal)).ToArray();
        if (lines.Length < 2)
        {
            return null;
        }

        var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(names, "RcvbufErrors");
        return index < 0 || index >= values.Length ? null : long.Parse(values[index], CultureInfo.InvariantCulture);
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}
