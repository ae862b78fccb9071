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

    public Channel<(string Head, byte[] Body)> FullRequests { get; } = Channel.CreateUnbounded<(string, byte[])>();

    private static int IndexOfHeadEnd(MemoryStream stream) => stream.GetBuffer().AsSpan(0, (int)stream.Length).IndexOf("\r\n\r\n"u8);

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
                var received = new MemoryStream();
                int headEnd;
                while ((headEnd = IndexOfHeadEnd(received)) < 0)
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    received.Write(buffer, 0, n);
                }

                var all = received.ToArray();
                var head = Encoding.ASCII.GetString(all, 0, Math.Max(0, headEnd));
                var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                var body = new MemoryStream();
                body.Write(all, headEnd + 4, all.Length - headEnd - 4);
                while (body.Length < length)
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    body.Write(buffer, 0, n);
                }

                await Requests.Writer.WriteAsync(head.Split("\r\n")[0], _stop.Token);
                await FullRequests.Writer.WriteAsync((head, body.ToArray()), _stop.Token);
                var (status, responseBody) = await _responses.Reader.ReadAsync(_stop.Token);
                var bytes = Encoding.UTF8.GetBytes(responseBody);
                var responseHead = $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(responseHead), _stop.Token);
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
