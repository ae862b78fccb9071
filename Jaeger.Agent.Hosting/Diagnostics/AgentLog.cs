using System.Net;
using Microsoft.Extensions.Logging;

namespace Jaeger.Agent.Hosting.Diagnostics;

internal static partial class AgentLog
{
    [LoggerMessage(1, LogLevel.Information, "Jaeger agent UDP server ({Protocol}) listening on {Endpoint}")]
    public static partial void UdpListening(ILogger logger, string protocol, IPEndPoint endpoint);

    [LoggerMessage(2, LogLevel.Debug, "Dropped a {Protocol} datagram from {Sender}: {Reason} ({Message})")]
    public static partial void DatagramDropped(ILogger logger, string protocol, string sender, string reason, string message);

    [LoggerMessage(3, LogLevel.Warning, "UDP receive error on the {Protocol} server")]
    public static partial void ReceiveError(ILogger logger, string protocol, Exception exception);

    [LoggerMessage(4, LogLevel.Error, "Unexpected error while processing a {Protocol} datagram")]
    public static partial void ProcessingError(ILogger logger, string protocol, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Sending a batch of {Spans} spans to {Collector} failed ({Reason}); attempt {Attempt}")]
    public static partial void SendFailed(ILogger logger, int spans, string collector, string reason, int attempt);

    [LoggerMessage(6, LogLevel.Warning, "Dropped a batch of {Spans} spans: {Reason}")]
    public static partial void BatchDropped(ILogger logger, int spans, string reason);

    [LoggerMessage(7, LogLevel.Information, "Jaeger agent sampling server listening on {Address}")]
    public static partial void HttpListening(ILogger logger, Uri address);

    [LoggerMessage(8, LogLevel.Warning, "Fetching the sampling strategy of service {Service} from the collector failed")]
    public static partial void SamplingFetchFailed(ILogger logger, string service, Exception exception);

    [LoggerMessage(9, LogLevel.Information, "Jaeger agent forwarding to {Protocol} collectors {Collectors}")]
    public static partial void Forwarding(ILogger logger, AgentForwardingProtocol protocol, string collectors);
}
