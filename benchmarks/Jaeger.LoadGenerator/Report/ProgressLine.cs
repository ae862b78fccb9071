using System.Globalization;

namespace Jaeger.LoadGenerator.Report;

/// <summary>The live line on stderr, once per second: rewritten in place on a terminal, appended otherwise.</summary>
internal sealed class ProgressLine(TextWriter output, bool enabled)
{
    private readonly bool _inPlace = enabled && ReferenceEquals(output, Console.Error) && !Console.IsErrorRedirected;
    private bool _written;

    public void Write(TimeSpan elapsed, double sentPerSecond, double acceptedPerSecond, double storedPerSecond, long dropped, double queue)
    {
        if (!enabled)
        {
            return;
        }

        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{elapsed.TotalSeconds,5:F0}s  sent {sentPerSecond,10:N0}/s  accepted {acceptedPerSecond,10:N0}/s  stored {storedPerSecond,10:N0}/s  dropped {dropped,10:N0}  queue {queue,8:N0}");
        if (_inPlace)
        {
            output.Write("\r" + line);
        }
        else
        {
            output.WriteLine(line);
        }

        _written = true;
    }

    public void Finish()
    {
        if (_inPlace && _written)
        {
            output.WriteLine();
        }
    }
}
