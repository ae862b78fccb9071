namespace Jaeger.Model;

/// <summary>Tag and log-field keys with a meaning in Jaeger and OpenTracing.</summary>
public static class WellKnownTags
{
    /// <summary>client, server, producer, consumer or internal.</summary>
    public const string SpanKind = "span.kind";

    /// <summary>Marks a failed span when true.</summary>
    public const string Error = "error";

    /// <summary>The component that made the span (a library or framework).</summary>
    public const string Component = "component";

    /// <summary>Forces (above 0) or suppresses (0) sampling.</summary>
    public const string SamplingPriority = "sampling.priority";

    /// <summary>The sampler that decided: const, probabilistic, ratelimiting or lowerbound.</summary>
    public const string SamplerType = "sampler.type";

    /// <summary>The sampler's parameter.</summary>
    public const string SamplerParam = "sampler.param";

    /// <summary>The debug id a request carried in the jaeger-debug-id header.</summary>
    public const string DebugId = "jaeger-debug-id";

    /// <summary>HTTP method.</summary>
    public const string HttpMethod = "http.method";

    /// <summary>HTTP status code.</summary>
    public const string HttpStatusCode = "http.status_code";

    /// <summary>HTTP URL.</summary>
    public const string HttpUrl = "http.url";

    /// <summary>The remote service name.</summary>
    public const string PeerService = "peer.service";

    /// <summary>The remote host name.</summary>
    public const string PeerHostname = "peer.hostname";

    /// <summary>The remote IPv4 address.</summary>
    public const string PeerHostIPv4 = "peer.ipv4";

    /// <summary>The remote IPv6 address.</summary>
    public const string PeerHostIPv6 = "peer.ipv6";

    /// <summary>The remote port.</summary>
    public const string PeerPort = "peer.port";

    /// <summary>Database type.</summary>
    public const string DbType = "db.type";

    /// <summary>Database statement.</summary>
    public const string DbStatement = "db.statement";

    /// <summary>Database instance.</summary>
    public const string DbInstance = "db.instance";

    /// <summary>Database user.</summary>
    public const string DbUser = "db.user";

    /// <summary>Message bus destination.</summary>
    public const string MessageBusDestination = "message_bus.destination";

    /// <summary>Process tag: the client library version, such as "CSharp-1.0.0".</summary>
    public const string JaegerVersion = "jaeger.version";

    /// <summary>Process tag: host name.</summary>
    public const string Hostname = "hostname";

    /// <summary>Process tag: IP address.</summary>
    public const string Ip = "ip";

    /// <summary>Process tag: a unique id of the tracer instance.</summary>
    public const string ClientUuid = "client-uuid";

    /// <summary>Log field: the event name.</summary>
    public const string LogEvent = "event";

    /// <summary>Log field: a message.</summary>
    public const string LogMessage = "message";

    /// <summary>Log field: the error kind.</summary>
    public const string LogErrorKind = "error.kind";

    /// <summary>Log field: the error object.</summary>
    public const string LogErrorObject = "error.object";

    /// <summary>Log field: a stack trace.</summary>
    public const string LogStack = "stack";
}
