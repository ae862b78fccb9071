using System.Collections.Immutable;
using Jaeger.Client.Diagnostics;
using Jaeger.Client.Propagation;
using Jaeger.Client.Reporting;
using Jaeger.Client.Sampling;
using Jaeger.Model;

namespace Jaeger.Client;

/// <summary>The Jaeger tracer: samples at the root, records sampled spans as Jaeger model spans and hands them to a reporter.</summary>
public sealed class JaegerTracer : ITracer, IAsyncDisposable, IDisposable
{
    private readonly Tracing.AsyncLocalScopeManager _scopeManager = new();
    private int _closed;

    internal JaegerTracer(TracerSettings settings)
    {
        ServiceName = settings.ServiceName;
        Sampler = settings.Sampler;
        Reporter = settings.Reporter;
        TraceId128Bit = settings.TraceId128Bit;
        TimeProvider = settings.TimeProvider;
        Clock = new Tracing.SpanClock(settings.TimeProvider);
        Metrics = settings.Metrics;
        TextMapPropagator = settings.TextMapPropagator;
        HttpHeadersPropagator = settings.HttpHeadersPropagator;
        BinaryPropagator = settings.BinaryPropagator;
        MaxBaggageValueLength = settings.MaxBaggageValueLength;
        BaggageRestrictions = settings.BaggageRestrictions;
        PoolUnsampledSpans = settings.PoolUnsampledSpans;
        RpcMetrics = settings.RpcMetrics ? new Diagnostics.RpcMetrics(settings.Metrics.Meter) : null;
        Process = new Process(settings.ServiceName, ProcessTags.Build(settings.Tags));
    }

    /// <summary>The service name of every span.</summary>
    public string ServiceName { get; }

    /// <summary>The process (service name and tags) attached to reported spans.</summary>
    public Process Process { get; }

    /// <inheritdoc />
    public IScopeManager ScopeManager => _scopeManager;

    /// <inheritdoc />
    public ISpan? ActiveSpan => _scopeManager.ActiveSpan;

    internal ISampler Sampler { get; }

    internal IReporter Reporter { get; }

    internal bool TraceId128Bit { get; }

    internal TimeProvider TimeProvider { get; }

    internal Tracing.SpanClock Clock { get; }

    internal Tracing.TagCountHints TagCountHints { get; } = new();

    internal ClientMetrics Metrics { get; }

    internal ITextMapPropagator TextMapPropagator { get; }

    internal ITextMapPropagator HttpHeadersPropagator { get; }

    internal IBinaryPropagator BinaryPropagator { get; }

    internal int MaxBaggageValueLength { get; }

    /// <summary>Restricts <see cref="ISpan.SetBaggageItem"/> when set; null allows every key up to <see cref="MaxBaggageValueLength"/>.</summary>
    internal Restrictions.RemoteBaggageRestrictions? BaggageRestrictions { get; }

    /// <summary>Whether finished unsampled spans are reused (see <see cref="TracerSettings.PoolUnsampledSpans"/>).</summary>
    internal bool PoolUnsampledSpans { get; }

    /// <summary>Per-endpoint metrics of server spans, or null when off (see <see cref="TracerSettings.RpcMetrics"/>).</summary>
    internal Diagnostics.RpcMetrics? RpcMetrics { get; }

    /// <inheritdoc />
    public ISpanBuilder BuildSpan(string operationName)
    {
        ArgumentNullException.ThrowIfNull(operationName);
        return Tracing.SpanBuilder.Rent(this, operationName);
    }

    /// <inheritdoc />
    public void Inject<TCarrier>(ISpanContext spanContext, IFormat<TCarrier> format, TCarrier carrier)
    {
        ArgumentNullException.ThrowIfNull(spanContext);
        ArgumentNullException.ThrowIfNull(carrier);
        if (spanContext is not JaegerSpanContext context)
        {
            throw new ArgumentException("The span context was not created by a Jaeger tracer.", nameof(spanContext));
        }

        if (ReferenceEquals(format, BuiltinFormats.HttpHeaders))
        {
            HttpHeadersPropagator.Inject(context, (ITextMap)carrier);
        }
        else if (ReferenceEquals(format, BuiltinFormats.TextMap))
        {
            TextMapPropagator.Inject(context, (ITextMap)carrier);
        }
        else if (ReferenceEquals(format, BuiltinFormats.Binary))
        {
            BinaryPropagator.Inject(context, (IBinary)carrier);
        }
        else
        {
            throw new NotSupportedException($"Unsupported format '{format}'.");
        }
    }

    /// <inheritdoc />
    public ISpanContext? Extract<TCarrier>(IFormat<TCarrier> format, TCarrier carrier)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        if (ReferenceEquals(format, BuiltinFormats.HttpHeaders))
        {
            return HttpHeadersPropagator.Extract((ITextMap)carrier);
        }

        if (ReferenceEquals(format, BuiltinFormats.TextMap))
        {
            return TextMapPropagator.Extract((ITextMap)carrier);
        }

        if (ReferenceEquals(format, BuiltinFormats.Binary))
        {
            return BinaryPropagator.Extract((IBinary)carrier);
        }

        throw new NotSupportedException($"Unsupported format '{format}'.");
    }

    /// <summary>Sends the spans queued so far.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => Reporter.FlushAsync(cancellationToken);

    /// <summary>Sends the queued spans, stops the reporter, the sampler and the baggage restrictions poller. Safe to call more than once.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        await Reporter.CloseAsync(cancellationToken).ConfigureAwait(false);
        Sampler.Dispose();
        BaggageRestrictions?.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await CloseAsync(CancellationToken.None).ConfigureAwait(false);
        await Reporter.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Blocking close for callers that cannot await: sends what is queued, waiting at most 15 seconds.</summary>
    public void Dispose()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            CloseAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // What could not be sent in time is counted as dropped by the reporter.
        }

        Reporter.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <inheritdoc />
    public override string ToString() => $"JaegerTracer(service={ServiceName}, sampler={Sampler}, reporter={Reporter})";

    internal ISpan? ActiveSpanFast => _scopeManager.ActiveSpan;

    /// <summary>
    /// Set while the Activity bridge runs: a span started with no parent and no active Jaeger span then joins
    /// <see cref="System.Diagnostics.Activity.Current"/> (the ASP.NET Core request, an outer ActivitySource span).
    /// </summary>
    internal volatile bool JoinsActivities;

    internal void Report(Span span)
    {
        Metrics.SpanFinished();
        Reporter.Report(span);
    }
}

/// <summary>Everything a tracer is made of.</summary>
internal sealed class TracerSettings
{
    public required string ServiceName { get; init; }
    public required ISampler Sampler { get; init; }
    public required IReporter Reporter { get; init; }
    public required ClientMetrics Metrics { get; init; }
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
    public bool TraceId128Bit { get; init; }
    public IReadOnlyList<KeyValue> Tags { get; init; } = [];
    public int MaxBaggageValueLength { get; init; } = 2048;
    public Restrictions.RemoteBaggageRestrictions? BaggageRestrictions { get; init; }

    /// <summary>
    /// Reuse a finished unsampled span object for a later span of the thread that started it (as the Jaeger Go
    /// client's PoolSpans option): each thread's last unsampled span, once finished, becomes its next one, so the usual
    /// sequence of spans allocates nothing, at the price of the identity rule. A reference kept past Finish() may then
    /// point to another span: its Context, baggage or a late Finish() act on that span.
    /// </summary>
    public bool PoolUnsampledSpans { get; init; }

    /// <summary>Record per-endpoint request metrics of every finished server span, sampled or not (JAEGER_RPC_METRICS).</summary>
    public bool RpcMetrics { get; init; }
    public required ITextMapPropagator TextMapPropagator { get; init; }
    public required ITextMapPropagator HttpHeadersPropagator { get; init; }
    public required IBinaryPropagator BinaryPropagator { get; init; }
}

internal static class ProcessTags
{
    public static readonly string Version = "CSharp-" + (typeof(JaegerTracer).Assembly.GetName().Version?.ToString() ?? "0.0.0");

    public static ImmutableArray<KeyValue> Build(IReadOnlyList<KeyValue> userTags)
    {
        var tags = ImmutableArray.CreateBuilder<KeyValue>();
        string? hostname = null;
        var hasIp = false;
        foreach (var tag in userTags)
        {
            if (string.Equals(tag.Key, WellKnownTags.JaegerVersion, StringComparison.Ordinal))
            {
                continue;
            }

            if (string.Equals(tag.Key, WellKnownTags.Hostname, StringComparison.Ordinal))
            {
                hostname = tag.ValueAsString();
            }

            hasIp |= string.Equals(tag.Key, WellKnownTags.Ip, StringComparison.Ordinal);
            tags.Add(tag);
        }

        tags.Add(KeyValue.String(WellKnownTags.JaegerVersion, Version));
        if (hostname is null)
        {
            hostname = SafeHostName();
            tags.Add(KeyValue.String(WellKnownTags.Hostname, hostname));
        }

        if (!hasIp && FirstIPv4(hostname) is { } ip)
        {
            tags.Add(KeyValue.String(WellKnownTags.Ip, ip));
        }

        tags.Add(KeyValue.String(WellKnownTags.ClientUuid, Guid.NewGuid().ToString("N")));
        return tags.ToImmutable();
    }

    private static string SafeHostName()
    {
        try
        {
            return System.Net.Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return Environment.MachineName;
        }
    }

    private static string? FirstIPv4(string hostname)
    {
        try
        {
            foreach (var address in System.Net.Dns.GetHostAddresses(hostname))
            {
                if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                {
                    return address.ToString();
                }
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
            // No resolvable address: the tag is left out, as the other Jaeger clients do.
        }

        return null;
    }
}
