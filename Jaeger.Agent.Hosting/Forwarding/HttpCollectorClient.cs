using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Jaeger.Agent.Hosting.Sampling;
using Jaeger.Model;
using Jaeger.Sampling;
using Jaeger.Thrift;

namespace Jaeger.Agent.Hosting.Forwarding;

/// <summary>Jaeger's HTTP Thrift endpoint: POST {collector}/api/traces with a Thrift binary Batch; sampling from GET {collector}/api/sampling.</summary>
internal sealed class HttpCollectorClient : ICollectorClient, ISamplingStrategySource
{
    private static readonly MediaTypeHeaderValue ThriftMediaType = new("application/x-thrift");
    private readonly HttpClient _http;
    private readonly Uri _traces;
    private readonly Uri _sampling;

    public HttpCollectorClient(Uri baseAddress, TimeSpan timeout)
    {
        var root = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        _traces = new Uri(root, "api/traces");
        _sampling = new Uri(root, "api/sampling");
        Name = root.AbsoluteUri;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = timeout, MaxResponseContentBufferSize = 1024 * 1024 };
    }

    public string Name { get; }

    public async Task<SendResult> SendAsync(Batch batch, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(4096);
        JaegerThriftSerializer.WriteBatch(body, batch, ThriftProtocol.Binary);
        using var content = new ReadOnlyMemoryContent(body.WrittenMemory);
        content.Headers.ContentType = ThriftMediaType;
        try
        {
            using var response = await _http.PostAsync(_traces, content, cancellationToken).ConfigureAwait(false);
            return Classify(response.StatusCode);
        }
        catch (HttpRequestException e)
        {
            return new SendResult(SendOutcome.Retryable, e.HttpRequestError.ToString());
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendResult(SendOutcome.Retryable, "timeout");
        }
    }

    public async Task<SamplingStrategy> GetStrategyAsync(string serviceName, CancellationToken cancellationToken)
    {
        var uri = new Uri(_sampling, "?service=" + Uri.EscapeDataString(serviceName));
        using var response = await _http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"collector answered {(int)response.StatusCode}: {text.Trim()}", null, response.StatusCode);
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return SamplingStrategyJson.TryRead(bytes, out var strategy, out var error)
            ? strategy
            : throw new FormatException("collector sent an unusable strategy: " + error);
    }

    public void Dispose() => _http.Dispose();

    internal static SendResult Classify(HttpStatusCode status)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            return SendResult.Delivered;
        }

        var retryable = code >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
        return new SendResult(retryable ? SendOutcome.Retryable : SendOutcome.Rejected, $"HTTP {code}");
    }
}
