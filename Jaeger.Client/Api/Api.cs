using System.Diagnostics.CodeAnalysis;

namespace Jaeger.Client;

/// <summary>Creates spans and moves their contexts across process boundaries (OpenTracing's tracer).</summary>
public interface ITracer
{
    /// <summary>The scope manager that tracks the active span of the current async flow.</summary>
    IScopeManager ScopeManager { get; }

    /// <summary>The span of the active scope, or null.</summary>
    ISpan? ActiveSpan { get; }

    /// <summary>Starts building a span for an operation.</summary>
    ISpanBuilder BuildSpan(string operationName);

    /// <summary>Writes a span context into a carrier of the given format.</summary>
    void Inject<TCarrier>(ISpanContext spanContext, IFormat<TCarrier> format, TCarrier carrier);

    /// <summary>Reads a span context from a carrier; null when the carrier holds none or only malformed data.</summary>
    ISpanContext? Extract<TCarrier>(IFormat<TCarrier> format, TCarrier carrier);
}

/// <summary>Configures and starts one span. A builder is used once: call one of the Start methods last.</summary>
public interface ISpanBuilder
{
    /// <summary>Adds a child_of reference to a span context (null is ignored).</summary>
    ISpanBuilder AsChildOf(ISpanContext? parent);

    /// <summary>Adds a child_of reference to a span (null is ignored).</summary>
    ISpanBuilder AsChildOf(ISpan? parent);

    /// <summary>Adds a reference of the given type (<see cref="References.ChildOf"/> or <see cref="References.FollowsFrom"/>; others are ignored).</summary>
    ISpanBuilder AddReference(string referenceType, ISpanContext? referencedContext);

    /// <summary>Does not make the active span the parent when no reference is given.</summary>
    ISpanBuilder IgnoreActiveSpan();

    /// <summary>Adds a string tag.</summary>
    ISpanBuilder WithTag(string key, string? value);

    /// <summary>Adds a boolean tag.</summary>
    ISpanBuilder WithTag(string key, bool value);

    /// <summary>Adds an integer tag.</summary>
    ISpanBuilder WithTag(string key, int value);

    /// <summary>Adds an integer tag.</summary>
    ISpanBuilder WithTag(string key, long value);

    /// <summary>Adds a floating-point tag.</summary>
    ISpanBuilder WithTag(string key, double value);

    /// <summary>Sets an explicit start time.</summary>
    ISpanBuilder WithStartTimestamp(DateTimeOffset timestamp);

    /// <summary>Starts the span without activating it.</summary>
    ISpan Start();

    /// <summary>Starts the span and makes it active; disposing the scope finishes the span when <paramref name="finishSpanOnDispose"/> is true.</summary>
    IScope StartActive(bool finishSpanOnDispose = true);
}

/// <summary>One timed operation (OpenTracing's span). Tags and logs of an unsampled span are discarded.</summary>
public interface ISpan
{
    /// <summary>The span's context (ids, flags and baggage); valid after the span finished.</summary>
    ISpanContext Context { get; }

    /// <summary>Renames the operation.</summary>
    ISpan SetOperationName(string operationName);

    /// <summary>Sets a string tag.</summary>
    ISpan SetTag(string key, string? value);

    /// <summary>Sets a boolean tag.</summary>
    ISpan SetTag(string key, bool value);

    /// <summary>Sets an integer tag.</summary>
    ISpan SetTag(string key, int value);

    /// <summary>Sets an integer tag.</summary>
    ISpan SetTag(string key, long value);

    /// <summary>Sets a floating-point tag.</summary>
    ISpan SetTag(string key, double value);

    /// <summary>Logs structured fields now.</summary>
    ISpan Log(IEnumerable<KeyValuePair<string, object?>> fields);

    /// <summary>Logs structured fields at a time.</summary>
    ISpan Log(DateTimeOffset timestamp, IEnumerable<KeyValuePair<string, object?>> fields);

    /// <summary>Logs an event now (field <c>event</c>).</summary>
    ISpan Log(string eventName);

    /// <summary>Logs an event at a time (field <c>event</c>).</summary>
    ISpan Log(DateTimeOffset timestamp, string eventName);

    /// <summary>Sets a baggage item that travels with this span's context to all descendants; null removes it.</summary>
    ISpan SetBaggageItem(string key, string? value);

    /// <summary>A baggage item, or null.</summary>
    string? GetBaggageItem(string key);

    /// <summary>Finishes the span now. A second finish is ignored.</summary>
    void Finish();

    /// <summary>Finishes the span at a time. A second finish is ignored.</summary>
    void Finish(DateTimeOffset finishTimestamp);
}

/// <summary>What a span hands to its children and to other processes: ids, flags and baggage.</summary>
public interface ISpanContext
{
    /// <summary>Trace id as lower-case hex (16 or 32 characters).</summary>
    string TraceId { get; }

    /// <summary>Span id as 16 lower-case hex characters.</summary>
    string SpanId { get; }

    /// <summary>The baggage items.</summary>
    IEnumerable<KeyValuePair<string, string>> GetBaggageItems();
}

/// <summary>An activation of a span in the current async flow; dispose it to deactivate.</summary>
public interface IScope : IDisposable
{
    /// <summary>The activated span.</summary>
    ISpan Span { get; }
}

/// <summary>Tracks the active span of the current async flow.</summary>
public interface IScopeManager
{
    /// <summary>The innermost active scope, or null.</summary>
    IScope? Active { get; }

    /// <summary>Makes a span active until the returned scope is disposed.</summary>
    IScope Activate(ISpan span, bool finishSpanOnDispose);
}

/// <summary>Reference types between spans.</summary>
public static class References
{
    /// <summary>The referenced span is the parent and waits for the child.</summary>
    public const string ChildOf = "child_of";

    /// <summary>The referenced span caused this one but does not wait for it.</summary>
    public const string FollowsFrom = "follows_from";
}

/// <summary>Standard span tag names (OpenTracing semantic conventions).</summary>
[SuppressMessage("Naming", "CA1724:Type names should not match namespaces", Justification = "OpenTracing's name.")]
public static class Tags
{
    /// <summary>client, server, producer or consumer.</summary>
    public const string SpanKind = "span.kind";
    /// <summary>span.kind value of a client.</summary>
    public const string SpanKindClient = "client";
    /// <summary>span.kind value of a server.</summary>
    public const string SpanKindServer = "server";
    /// <summary>span.kind value of a producer.</summary>
    public const string SpanKindProducer = "producer";
    /// <summary>span.kind value of a consumer.</summary>
    public const string SpanKindConsumer = "consumer";
    /// <summary>True when the span failed.</summary>
    public const string Error = "error";
    /// <summary>The instrumented component.</summary>
    public const string Component = "component";
    /// <summary>Above 0 forces sampling (debug), 0 suppresses it.</summary>
    public const string SamplingPriority = "sampling.priority";
    /// <summary>HTTP method.</summary>
    public const string HttpMethod = "http.method";
    /// <summary>HTTP URL.</summary>
    public const string HttpUrl = "http.url";
    /// <summary>HTTP status code.</summary>
    public const string HttpStatus = "http.status_code";
    /// <summary>Remote service.</summary>
    public const string PeerService = "peer.service";
    /// <summary>Remote host name.</summary>
    public const string PeerHostname = "peer.hostname";
    /// <summary>Remote IPv4 address.</summary>
    public const string PeerHostIPv4 = "peer.ipv4";
    /// <summary>Remote IPv6 address.</summary>
    public const string PeerHostIPv6 = "peer.ipv6";
    /// <summary>Remote port.</summary>
    public const string PeerPort = "peer.port";
    /// <summary>Database type.</summary>
    public const string DbType = "db.type";
    /// <summary>Database instance.</summary>
    public const string DbInstance = "db.instance";
    /// <summary>Database statement.</summary>
    public const string DbStatement = "db.statement";
    /// <summary>Database user.</summary>
    public const string DbUser = "db.user";
    /// <summary>Message bus destination.</summary>
    public const string MessageBusDestination = "message_bus.destination";
}

/// <summary>Standard log field names (OpenTracing semantic conventions).</summary>
public static class LogFields
{
    /// <summary>The event name.</summary>
    public const string Event = "event";
    /// <summary>A message.</summary>
    public const string Message = "message";
    /// <summary>The error type.</summary>
    public const string ErrorKind = "error.kind";
    /// <summary>The error object (an exception becomes its text).</summary>
    public const string ErrorObject = "error.object";
    /// <summary>A stack trace.</summary>
    public const string Stack = "stack";
}

/// <summary>A propagation format with its carrier type.</summary>
/// <typeparam name="TCarrier">The carrier the format reads and writes.</typeparam>
[SuppressMessage("Design", "CA1040:Avoid empty interfaces", Justification = "A typed marker, as in OpenTracing.")]
public interface IFormat<TCarrier>
{
}

/// <summary>A string map carrier (text map or HTTP headers).</summary>
public interface ITextMap : IEnumerable<KeyValuePair<string, string>>
{
    /// <summary>Writes one entry.</summary>
    void Set(string key, string value);
}

/// <summary>A binary carrier.</summary>
public interface IBinary
{
    /// <summary>Stores the encoded context.</summary>
    void Set(MemoryStream stream);

    /// <summary>The encoded context.</summary>
    MemoryStream Get();
}

/// <summary>The built-in formats.</summary>
public static class BuiltinFormats
{
    /// <summary>Plain string pairs: values are not encoded.</summary>
    public static readonly IFormat<ITextMap> TextMap = new Format<ITextMap>("TEXT_MAP");

    /// <summary>HTTP headers: names case-insensitive, values URL-encoded.</summary>
    public static readonly IFormat<ITextMap> HttpHeaders = new Format<ITextMap>("HTTP_HEADERS");

    /// <summary>Bytes (Jaeger's binary layout).</summary>
    public static readonly IFormat<IBinary> Binary = new Format<IBinary>("BINARY");

    private sealed class Format<T>(string name) : IFormat<T>
    {
        public override string ToString() => name;
    }
}

/// <summary>An <see cref="ITextMap"/> over a dictionary.</summary>
public sealed class TextMapAdapter : ITextMap
{
    private readonly IDictionary<string, string> _map;

    /// <summary>Wraps a dictionary (read for extract, written for inject).</summary>
    public TextMapAdapter(IDictionary<string, string> map) => _map = map ?? throw new ArgumentNullException(nameof(map));

    internal IDictionary<string, string> Map => _map;

    /// <inheritdoc />
    public void Set(string key, string value) => _map[key] = value;

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _map.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>An <see cref="IBinary"/> holding one stream.</summary>
public sealed class BinaryAdapter : IBinary
{
    private MemoryStream _stream;

    /// <summary>Creates an adapter, empty or over a stream to extract from.</summary>
    public BinaryAdapter(MemoryStream? stream = null) => _stream = stream ?? new MemoryStream();

    /// <inheritdoc />
    public MemoryStream Get() => _stream;

    /// <inheritdoc />
    public void Set(MemoryStream stream) => _stream = stream ?? throw new ArgumentNullException(nameof(stream));
}
