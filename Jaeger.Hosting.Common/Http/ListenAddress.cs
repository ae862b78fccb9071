using System.Globalization;
using System.Net;

namespace Jaeger.Hosting.Http;

/// <summary>
/// Parses Jaeger-style listen addresses: ":14268" (every interface), "0.0.0.0:14268", "127.0.0.1:0", "[::1]:16686",
/// "localhost:5778". Port 0 asks the system for a free port; the bound port is readable once the server runs.
/// </summary>
internal static class ListenAddress
{
    public static bool TryParse(string? text, out IPEndPoint endpoint, out string error)
    {
        endpoint = new IPEndPoint(IPAddress.Any, 0);
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the address is empty; expected host:port such as \":14268\" or \"127.0.0.1:0\"";
            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            error = $"'{text}' has no port; expected host:port such as \":14268\"";
            return false;
        }

        var host = text[..colon].Trim();
        var portText = text[(colon + 1)..].Trim();
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            error = $"'{portText}' in '{text}' is not a port number from 0 to 65535";
            return false;
        }

        IPAddress address;
        if (host.Length == 0 || host == "*" || host == "+")
        {
            address = IPAddress.Any;
        }
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else
        {
            var trimmed = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
            if (!IPAddress.TryParse(trimmed, out address!))
            {
                error = $"'{host}' in '{text}' is not an IP address, 'localhost' or empty";
                return false;
            }
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }

    public static IPEndPoint Parse(string? text) =>
        TryParse(text, out var endpoint, out var error) ? endpoint : throw new FormatException($"Invalid listen address: {error}.");
}
