using System.Collections.Concurrent;
using Jaeger.Model;
using Jaeger.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.Collector.Hosting.Tests;

/// <summary>Records every span written, and can hold writes until released (to fill the queue deterministically).</summary>
internal sealed class RecordingWriter : ISpanWriter
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _blocking;

    public ConcurrentQueue<Span> Spans { get; } = new();

    /// <summary>Every write call, as the batches it carried.</summary>
    public ConcurrentQueue<IReadOnlyList<Batch>> Calls { get; } = new();

    /// <summary>Completes when a write is waiting for <see cref="Release"/>.</summary>
    public Task Entered => _entered.Task;

    public void Block() => _blocking = true;

    public void Release() => _release.TrySetResult();

    public async ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
    {
        if (_blocking)
        {
            _entered.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
        }

        Calls.Enqueue([.. batches]);
        foreach (var batch in batches)
        {
            foreach (var span in batch.Spans)
            {
                Spans.Enqueue(span);
            }
        }
    }

    public Span Single(string operation) => Spans.Single(s => s.OperationName == operation);
}

/// <summary>A started host with the collector on ephemeral loopback ports.</summary>
internal sealed class CollectorHost : IAsyncDisposable
{
    private CollectorHost(IHost host, RecordingWriter writer)
    {
        Host = host;
        Writer = writer;
        Collector = host.Services.GetRequiredService<JaegerCollector>();
    }

    public IHost Host { get; }

    public RecordingWriter Writer { get; }

    public JaegerCollector Collector { get; }

    public HttpClient Http { get; } = new();

    public static async Task<CollectorHost> StartAsync(Action<JaegerCollectorOptions>? configure = null, Action<IServiceCollection>? services = null, RecordingWriter? writer = null)
    {
        writer ??= new RecordingWriter();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        services?.Invoke(builder.Services);

        // Added after the caller's services: storage registers its writer with TryAdd, and both must receive spans.
        builder.Services.AddSingleton<ISpanWriter>(writer);
        builder.Services.AddJaegerCollector(o =>
        {
            o.ThriftHttp.Address = "127.0.0.1:0";
            o.Grpc.Address = "127.0.0.1:0";
            o.OtlpGrpc.Address = "127.0.0.1:0";
            o.OtlpHttp.Address = "127.0.0.1:0";
            o.Zipkin.Address = "127.0.0.1:0";
            o.Admin.Address = "127.0.0.1:0";
            configure?.Invoke(o);
        });
        var host = builder.Build();
        await host.StartAsync();
        var started = new CollectorHost(host, writer);
        await started.Collector.Started.WaitAsync(TimeSpan.FromSeconds(30));
        return started;
    }

    public async ValueTask DisposeAsync()
    {
        Writer.Release();
        Http.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Host.StopAsync(timeout.Token);
        Host.Dispose();
    }
}

/// <summary>Builds model spans for tests.</summary>
internal static class TestSpans
{
    public static Batch Batch(string service, int count, string operationPrefix = "op", ulong traceLow = 0xabc)
    {
        var process = new Process(service, [KeyValue.String("hostname", "test-host")]);
        var spans = new List<Span>();
        for (var i = 0; i < count; i++)
        {
            spans.Add(new Span
            {
                TraceId = new TraceId(0x1234, traceLow),
                SpanId = new SpanId((ulong)(i + 1)),
                OperationName = operationPrefix + i,
                Flags = SpanFlags.Sampled,
                StartTimeMicros = 1_700_000_000_000_000 + i,
                DurationMicros = 1000,
                Tags = [KeyValue.String("span.kind", "server"), KeyValue.Int64("n", i)],
                Process = process,
            });
        }

        return new Batch(process, spans);
    }
}
