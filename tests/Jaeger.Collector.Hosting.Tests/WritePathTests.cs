using System.Net;
using Jaeger.Model;
using Jaeger.Storage;
using Jaeger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jaeger.Collector.Hosting.Tests;

/// <summary>The write path of issue 18: batches stay whole from receiver to writer, and at-least-once ingest.</summary>
public sealed class WritePathTests
{
    [Fact]
    public async Task A_writer_receives_each_request_as_one_batch_with_its_process_and_client_stats_and_several_per_call()
    {
        var writer = new RecordingWriter();
        writer.Block();
        await using var host = await CollectorHost.StartAsync(o => o.Workers = 1, writer: writer);
        var sink = host.Host.Services.GetRequiredService<ISpanSink>();
        await sink.SubmitAsync(TestSpans.Batch("blocker", 1, "blocker"));
        await writer.Entered.WaitAsync(TimeSpan.FromSeconds(30));

        // While the worker is held, a Thrift HTTP request and an in-process batch queue up behind it.
        var thrift = TestSpans.Batch("thrift-svc", 5);
        thrift.SeqNo = 42;
        thrift.Stats = new ClientStats(1, 2, 3);
        using var response = await host.Http.PostAsync(new Uri(host.Collector.ThriftHttpEndpoint!, "api/traces"), ReceiverTests.Content(ReceiverTests.ThriftBody(thrift), "application/x-thrift"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await sink.SubmitAsync(TestSpans.Batch("inproc-svc", 3));
        writer.Release();

        await Eventually.UntilAsync(() => writer.Spans.Count == 9, "every span written");
        var calls = writer.Calls.ToArray();
        var call = Assert.Single(calls, c => c.Any(b => b.Process.ServiceName == "thrift-svc"));
        Assert.Equal(["thrift-svc", "inproc-svc"], call.Select(b => b.Process.ServiceName));
        var written = call[0];
        Assert.Equal(5, written.Spans.Count);
        Assert.Equal(42, written.SeqNo);
        Assert.Equal(new ClientStats(1, 2, 3), written.Stats);
        Assert.Equal("jaeger", written.Format);
        Assert.Equal("http", written.Transport);
        Assert.All(written.Spans, s => Assert.Same(written.Process, s.Process));
        Assert.Equal("inprocess", call[1].Format);
        Assert.Equal(3, call[1].Spans.Count);
    }

    [Fact]
    public async Task An_OTLP_request_with_two_resources_reaches_the_writer_as_two_whole_batches()
    {
        var writer = new RecordingWriter();
        await using var host = await CollectorHost.StartAsync(o => o.Workers = 1, writer: writer);
        var request = ReceiverTests.OtlpRequest("res-a", "op-a");
        var second = ReceiverTests.OtlpRequest("res-b", "op-b").ResourceSpans[0];
        request.ResourceSpans.Add(second);
        using var content = new ByteArrayContent(Google.Protobuf.MessageExtensions.ToByteArray(request));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");

        using var response = await host.Http.PostAsync(new Uri(host.Collector.OtlpHttpEndpoint!, "v1/traces"), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.UntilAsync(() => writer.Spans.Count == 2, "both spans written");
        var batches = writer.Calls.SelectMany(c => c).ToArray();
        Assert.Equal(["res-a", "res-b"], batches.Select(b => b.Process.ServiceName));
        Assert.All(batches, b => Assert.Equal("otlp", b.Format));
    }

    [Fact]
    public async Task With_AcknowledgeAfterWrite_a_sender_is_answered_only_after_the_write_and_told_when_it_failed()
    {
        var failing = new FailingWriter();
        var writer = new RecordingWriter();
        writer.Block();
        await using var host = await CollectorHost.StartAsync(
            o =>
            {
                o.Workers = 1;
                o.AcknowledgeAfterWrite = true;
            },
            services: s => s.AddSingleton<ISpanWriter>(failing),
            writer: writer);

        // The answer waits for the held writer ...
        var post = host.Http.PostAsync(new Uri(host.Collector.ThriftHttpEndpoint!, "api/traces"), ReceiverTests.Content(ReceiverTests.ThriftBody(TestSpans.Batch("acked", 2)), "application/x-thrift"));
        await writer.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(post.IsCompleted);
        writer.Release();
        using (var ok = await post)
        {
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        }

        Assert.Equal(2, writer.Spans.Count);

        // ... and a failing writer turns into 503, so the sender sends again.
        failing.Fail = true;
        using var failed = await host.Http.PostAsync(new Uri(host.Collector.ThriftHttpEndpoint!, "api/traces"), ReceiverTests.Content(ReceiverTests.ThriftBody(TestSpans.Batch("refused", 1)), "application/x-thrift"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Contains("send it again", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_AcknowledgeAfterWrite_the_sender_is_answered_on_enqueue_as_Jaeger_does()
    {
        var writer = new RecordingWriter();
        writer.Block();
        await using var host = await CollectorHost.StartAsync(o => o.Workers = 1, writer: writer);

        using var response = await host.Http.PostAsync(new Uri(host.Collector.ThriftHttpEndpoint!, "api/traces"), ReceiverTests.Content(ReceiverTests.ThriftBody(TestSpans.Batch("queued", 2)), "application/x-thrift"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(writer.Spans);
        writer.Release();
        await Eventually.UntilAsync(() => writer.Spans.Count == 2, "the queued spans written");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_batch_offered_while_the_worker_waits_is_written_on_the_offering_thread_only_when_workers_resume_inline(bool inline)
    {
        var threads = new ThreadRecordingWriter();
        await using var host = await CollectorHost.StartAsync(
            o =>
            {
                o.Workers = 1;
                o.ResumeWorkersInline = inline;
            },
            services: s => s.AddSingleton<ISpanWriter>(threads));
        var sink = host.Host.Services.GetRequiredService<ISpanSink>();

        // The worker waits again after each write; an offer that finds it waiting is written before the offer returns.
        var onOfferingThread = 0;
        for (var i = 1; i <= 50; i++)
        {
            var thread = Environment.CurrentManagedThreadId;
            var offer = sink.SubmitAsync(TestSpans.Batch("inline", 1));
            if (threads.Writes.Skip(i - 1).Contains(thread))
            {
                onOfferingThread++;
            }

            Assert.Equal(new SpanSinkResult(1, 0), await offer);
            await Eventually.UntilAsync(() => threads.Writes.Count == i, "the batch written");
        }

        if (inline)
        {
            Assert.InRange(onOfferingThread, 1, 50);
        }
        else
        {
            Assert.Equal(0, onOfferingThread);
        }
    }

    /// <summary>Records the managed thread of every write call.</summary>
    private sealed class ThreadRecordingWriter : ISpanWriter
    {
        public System.Collections.Concurrent.ConcurrentQueue<int> Writes { get; } = new();

        public ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default)
        {
            Writes.Enqueue(Environment.CurrentManagedThreadId);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FailingWriter : ISpanWriter
    {
        public volatile bool Fail;

        public ValueTask WriteAsync(IReadOnlyList<Batch> batches, CancellationToken cancellationToken = default) =>
            Fail ? throw new StorageException("test", "the test's storage is down", isTransient: false) : ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Requests_log_nothing_per_request_at_information_while_the_servers_still_log_where_they_listen()
    {
        var captured = new CapturingLoggerProvider();
        await using var host = await CollectorHost.StartAsync(services: s => s.AddLogging(l => l.AddProvider(captured).SetMinimumLevel(LogLevel.Information)));
        for (var i = 0; i < 3; i++)
        {
            using var response = await host.Http.PostAsync(new Uri(host.Collector.ThriftHttpEndpoint!, "api/traces"), ReceiverTests.Content(ReceiverTests.ThriftBody(TestSpans.Batch("quiet", 2)), "application/x-thrift"));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await Eventually.UntilAsync(() => host.Writer.Spans.Count == 6, "every span written");
        var messages = captured.Messages.ToArray();
        Assert.Contains(messages, m => m.Category == "Jaeger.Hosting.Http.EndpointServer" && m.Text.StartsWith("Listening on http://", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Category.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal) && m.Level < LogLevel.Warning);
    }

    /// <summary>Keeps every message logged at or above the host's minimum level, with its category.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Text)> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Messages.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
