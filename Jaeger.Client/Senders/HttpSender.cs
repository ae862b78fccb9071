using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using Jaeger.Model;
using Jaeger.Thrift;

namespace Jaeger.Client.Senders;

/// <summary>
/// POSTs jaeger.thrift Batch structs (binary protocol, <c>application/x-thrift</c>) to a collector's <c>/api/traces</c>,
/// with bearer or basic authentication, splitting batches so no request body exceeds the byte cap.
/// </summary>
internal sealed class HttpSender : ISender
{
    public const int DefaultMaxRequestBytes = 1024 * 1024;

    private readonly Uri _endpoint;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly AuthenticationHeaderValue? _auth;
    private readonly int _maxRequestBytes;
    private readonly SenderStats _stats;
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);

    public HttpSender(string endpoint, string? authToken, string? user, string? password, int maxRequestBytes, SenderStats stats, HttpClient? http = null)
    {
        var uri = new Uri(endpoint, UriKind.Absolute);
        if (uri.AbsolutePath is "" or "/")
        {
            uri = new Uri(uri, "/api/traces");
        }

        _endpoint = uri;
        if (!string.IsNullOrEmpty(user) && password is not null)
        {
            _auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        }
        else if (!string.IsNullOrEmpty(authToken))
        {
            _auth = new AuthenticationHeaderValue("Bearer", authToken);
        }

        _maxRequestBytes = maxRequestBytes;
        _stats = stats;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Endpoint => _endpoint;

    public async ValueTask<SendResult> SendAsync(IReadOnlyList<Span> spans, CancellationToken cancellationToken)
    {
        if (spans.Count == 0)
        {
            return new SendResult(0);
        }

        var process = spans[0].Process;
        var budget = _maxRequestBytes - JaegerThriftSerializer.GetEmitBatchOverhead(new Batch(process, []), ThriftProtocol.Binary);
        return await RequestSplitter.SendAsync(
            spans,
            budget,
            static span => JaegerThriftSerializer.GetSpanSize(span, ThriftProtocol.Binary),
            (chunk, ct) => PostAsync(process, chunk, ct),
            _stats,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Null on success, else a short failure reason.</summary>
    private async Task<string?> PostAsync(Process process, List<Span> spans, CancellationToken cancellationToken)
    {
        _buffer.ResetWrittenCount();
        JaegerThriftSerializer.WriteBatch(_buffer, new Batch(process, spans), ThriftProtocol.Binary);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new ReadOnlyMemoryContent(_buffer.WrittenMemory),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-thrift");
        request.Headers.Authorization = _auth;
        try
        {
            using var suppress = Bridge.ActivityBridge.SuppressInstrumentation();
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            _stats.AddFailedToEmit(spans.Count);
            return "http_" + ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _stats.AddFailedToEmit(spans.Count);
            return "http_error";
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
