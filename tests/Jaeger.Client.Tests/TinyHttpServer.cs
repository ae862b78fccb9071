using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Jaeger.Client.Tests;

/// <summary>A real HTTP/1.1 server on 127.0.0.1, port 0, answering each request with the next scripted response (connection closed after each).</summary>
internal sealed class TinyHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<(int Status, string Body)> _responses = Channel.CreateUnbounded<(int, string)>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TinyHttpServer()
    {
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Channel<string> Requests { get; } = Channel.CreateUnbounded<string>();

    public void Enqueue(int status, string body) => _responses.Writer.TryWrite((status, body));

    private async Task LoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var text = new StringBuilder();
                while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    text.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                var requestLine = text.ToString().Split("\r\n")[0];
                await Requests.Writer.WriteAsync(requestLine, _stop.Token);
                var (status, body) = await _responses.Reader.ReadAsync(_stop.Token);
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(bytes, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (SocketException)
        {
        }

        _stop.Dispose();
    }
}
