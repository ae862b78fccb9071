using Jaeger.Model;
using Microsoft.Extensions.Logging;

namespace Jaeger.Client.Reporting;

/// <summary>Keeps finished spans in a list, for tests.</summary>
internal sealed class InMemoryReporter : IReporter
{
    private readonly Lock _lock = new();
    private readonly List<Span> _spans = [];

    public IReadOnlyList<Span> GetSpans()
    {
        lock (_lock)
        {
            return [.. _spans];
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _spans.Clear();
        }
    }

    public void Report(Span span)
    {
        lock (_lock)
        {
            _spans.Add(span);
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CloseAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Discards spans (used only when tracing is disabled).</summary>
internal sealed class NoopReporter : IReporter
{
    public static readonly NoopReporter Instance = new();

    public void Report(Span span)
    {
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CloseAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Logs each finished span at Information level.</summary>
internal sealed partial class LoggingReporter(ILogger logger) : IReporter
{
    public void Report(Span span) => LogSpan(logger, span.TraceId, span.SpanId, span.ParentSpanId, (int)span.Flags, span.OperationName);

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CloseAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Span reported: {TraceId}:{SpanId}:{ParentId}:{Flags:x} - {OperationName}")]
    private static partial void LogSpan(ILogger logger, TraceId traceId, SpanId spanId, SpanId parentId, int flags, string operationName);
}

/// <summary>Hands each span to several reporters.</summary>
internal sealed class CompositeReporter(IReadOnlyList<IReporter> reporters) : IReporter
{
    public IReadOnlyList<IReporter> Reporters => reporters;

    public void Report(Span span)
    {
        foreach (var reporter in reporters)
        {
            reporter.Report(span);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var reporter in reporters)
        {
            await reporter.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        foreach (var reporter in reporters)
        {
            await reporter.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var reporter in reporters)
        {
            await reporter.DisposeAsync().ConfigureAwait(false);
        }
    }
}
