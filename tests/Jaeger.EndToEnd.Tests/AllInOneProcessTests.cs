using System.Buffers;
using SystemProcess = System.Diagnostics.Process;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Storage.Embedded;
using Jaeger.Testing;
using Jaeger.Thrift;

namespace Jaeger.EndToEnd.Tests;

/// <summary>
/// The all-in-one sample as a user runs it, in a child process on ephemeral ports with the embedded store (its
/// default): its start output, and at-least-once ingest surviving SIGKILL.
/// </summary>
public sealed partial class AllInOneProcessTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "jaeger-aio-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task With_AcknowledgeAfterWrite_every_acknowledged_span_survives_SIGKILL_of_the_all_in_one()
    {
        using var child = await AllInOne.StartAsync(_data, "--Jaeger:Collector:AcknowledgeAfterWrite=true");
        using var http = new HttpClient();
        var acknowledged = new List<TraceId>();
        for (var request = 0; request < 20; request++)
        {
            var traceId = new TraceId(0xACC, (ulong)request + 1);
            using var content = new ByteArrayContent(ThriftBody(traceId, 10));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-thrift");
            using var response = await http.PostAsync(new Uri(child.Collector, "api/traces"), content);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            acknowledged.Add(traceId);
        }

        child.Kill();

        // The folder, opened again after the kill, holds every span the collector acknowledged.
        using var store = new EmbeddedSpanStore(new EmbeddedStorageOptions { Path = _data });
        foreach (var traceId in acknowledged)
        {
            var trace = await store.GetTraceAsync(traceId);
            Assert.NotNull(trace);
            Assert.Equal(10, trace.Spans.Count);
        }
    }

    [Fact]
    public async Task The_all_in_one_prints_one_short_summary_and_no_private_host_lifetime()
    {
        using var child = await AllInOne.StartAsync(_data);
        var output = child.Output;

        Assert.DoesNotContain("Application started", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Content root path", output, StringComparison.Ordinal);
        Assert.Contains("Jaeger all-in-one is running.", output, StringComparison.Ordinal);
        Assert.Contains($"storage           embedded in {_data}", output, StringComparison.Ordinal);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length <= 12, $"{lines.Length} lines at start:\n{output}");
    }

    private static byte[] ThriftBody(TraceId traceId, int spans)
    {
        var process = new Jaeger.Model.Process("durable-svc", [KeyValue.String("hostname", "kill-test")]);
        var list = new List<Span>(spans);
        var start = Time.ToUnixMicros(DateTimeOffset.UtcNow);
        for (var i = 0; i < spans; i++)
        {
            list.Add(new Span { TraceId = traceId, SpanId = new SpanId((ulong)i + 1), OperationName = "op", StartTimeMicros = start + i, DurationMicros = 10, Flags = SpanFlags.Sampled, Process = process });
        }

        var buffer = new ArrayBufferWriter<byte>();
        JaegerThriftSerializer.WriteBatch(buffer, new Batch(process, list), ThriftProtocol.Binary);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>samples/Jaeger.AllInOne run with `dotnet`, every listener on 127.0.0.1 port 0.</summary>
    private sealed partial class AllInOne : IDisposable
    {
        private readonly SystemProcess _process;
        private readonly StringBuilder _output = new();
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private AllInOne(SystemProcess process) => _process = process;

        public Uri Collector { get; private set; } = null!;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<AllInOne> StartAsync(string dataPath, params string[] extra)
        {
            // The sample is built with the tests (project reference), in the same configuration.
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            var dll = Path.Combine(RepositoryPaths.Root, "samples", "Jaeger.AllInOne", "bin", configuration, "net10.0", "Jaeger.AllInOne.dll");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(dll);
            foreach (var argument in new[]
            {
                "--Jaeger:Storage:Embedded:Path=" + dataPath,
                "--Jaeger:Collector:ThriftHttp:Address=127.0.0.1:0", "--Jaeger:Collector:Grpc:Address=127.0.0.1:0",
                "--Jaeger:Collector:OtlpGrpc:Address=127.0.0.1:0", "--Jaeger:Collector:OtlpHttp:Address=127.0.0.1:0",
                "--Jaeger:Collector:Zipkin:Address=127.0.0.1:0", "--Jaeger:Collector:Admin:Address=127.0.0.1:0",
                "--Jaeger:Agent:Compact:ListenAddress=127.0.0.1:0", "--Jaeger:Agent:Binary:ListenAddress=127.0.0.1:0",
                "--Jaeger:Agent:HttpListenAddress=127.0.0.1:0",
                "--Jaeger:Query:HttpListenAddress=127.0.0.1:0", "--Jaeger:Query:GrpcListenAddress=127.0.0.1:0",
            }.Concat(extra))
            {
                start.ArgumentList.Add(argument);
            }

            var child = new AllInOne(SystemProcess.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
            child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
            child._process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
            child._process.BeginOutputReadLine();
            child._process.BeginErrorReadLine();
            try
            {
                await child._ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
            }
            catch (TimeoutException)
            {
                child.Dispose();
                throw new TimeoutException("The all-in-one did not print its summary in 90 s:\n" + child.Output);
            }

            var match = ThriftHttp().Match(child.Output);
            Assert.True(match.Success, child.Output);
            child.Collector = new Uri(match.Groups[1].Value);
            return child;
        }

        /// <summary>SIGKILL: no shutdown, no flush.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(30_000);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _process.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                _ready.TrySetException(new InvalidOperationException("The all-in-one exited:\n" + Output));
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }

            if (line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
            {
                _ready.TrySetResult();
            }
        }

        [GeneratedRegex(@"Thrift HTTP (http://[0-9.:]+/)")]
        private static partial Regex ThriftHttp();
    }
}
