using System.Net;
using System.Net.Http.Headers;
using Jaeger.LoadGenerator.Generation;

namespace Jaeger.LoadGenerator.Transports;

/// <summary>
/// HTTP POST of an encoded body: a Jaeger Thrift binary Batch to the collector's <c>/api/traces</c>, or an OTLP
/// protobuf ExportTraceServiceRequest to <c>/v1/traces</c>.
/// </summary>
internal sealed class HttpPostTransport : ITransport
{
    private readonly HttpClient _http;
    private readonly Uri _target;
    private readonly MediaTypeHeaderValue _contentType;

    private HttpPostTransport(Uri target, string contentType, TemplateFormat format, int connections)
    {
        _target = target;
        _contentType = new MediaTypeHeaderValue(contentType);
        Format = format;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public TemplateFormat Format { get; }

    public string AcceptedMeaning => "HTTP 2xx";

    public static HttpPostTransport JaegerThrift(Uri collector, int connections) =>
        new(new Uri(collector, "api/traces"), "application/x-thrift", TemplateFormat.ThriftBatchBinary, connections);

    public static HttpPostTransport Otlp(Uri otlpHttp, int connections) =>
        new(new Uri(otlpHttp, "v1/traces"), "application/x-protobuf", TemplateFormat.OtlpProtobuf, connections);

    public async ValueTask<SendOutcome> SendAsync(byte[] request, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(request);
        content.Headers.ContentType = _contentType;
        try
        {
            using var response = await _http.PostAsync(_target, content, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return status switch
            {
                >= 200 and < 300 => SendOutcome.Accepted,
                429 => new SendOutcome(SendStatus.PushedBack, "HTTP 429"),
                _ => new SendOutcome(SendStatus.Failed, "HTTP " + status),
            };
        }
        catch (HttpRequestException e)
        {
            return new SendOutcome(SendStatus.Failed, "HTTP request error " + (e.HttpRequestError == HttpRequestError.Unknown ? e.GetType().Name : e.HttpRequestError.ToString()));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendOutcome(SendStatus.Failed, "HTTP timeout");
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
