using System.Collections.Immutable;
using System.Diagnostics;
using Jaeger.Client.Tracing;
using Jaeger.Model;

namespace Jaeger.Client.Bridge;

/// <summary>
/// Turns <see cref="Activity"/> (ASP.NET Core, HttpClient, any ActivitySource) into Jaeger spans. The Jaeger sampler
/// decides for root activities in the listener's sample callback; children follow their parent's sampled flag.
/// W3C trace ids are Jaeger's 128-bit trace ids and activity span ids are Jaeger span ids.
/// </summary>
internal sealed class ActivityBridge : IDisposable
{
    private readonly JaegerTracer _tracer;
    private readonly ActivityListener _listener;
    private readonly DistributedContextPropagator? _previousPropagator;

    public ActivityBridge(JaegerTracer tracer, ISet<string> sources)
    {
        _tracer = tracer;
        var all = sources.Count == 0;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => all || sources.Contains(source.Name),
            Sample = Sample,
            SampleUsingParentId = (ref ActivityCreationOptions<string> _) => ActivitySamplingResult.PropagationData,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
        tracer.JoinsActivities = true;
        _previousPropagator = DistributedContextPropagator.Current;
        DistributedContextPropagator.Current = new JaegerContextPropagator(_previousPropagator, tracer.HttpHeadersPropagator);
    }

    private static readonly AsyncLocal<bool> Suppressed = new();

    /// <summary>Keeps the client's own HTTP calls (sampling polls, span uploads) out of the trace data, so reporting spans makes no spans.</summary>
    internal static SuppressionScope SuppressInstrumentation()
    {
        var previous = Suppressed.Value;
        Suppressed.Value = true;
        return new SuppressionScope(previous);
    }

    internal readonly struct SuppressionScope(bool previous) : IDisposable
    {
        public void Dispose() => Suppressed.Value = previous;
    }

    private ActivitySamplingResult Sample(ref ActivityCreationOptions<ActivityContext> options)
    {
        if (Suppressed.Value)
        {
            return ActivitySamplingResult.None;
        }

        var parent = options.Parent;
        if (parent.TraceId != default)
        {
            return (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0
                ? ActivitySamplingResult.AllDataAndRecorded
                : ActivitySamplingResult.PropagationData;
        }

        var traceId = ToJaeger(options.TraceId);
        var status = _tracer.Sampler.Sample(options.Name, traceId);
        _tracer.Metrics.TraceStarted(status.IsSampled);
        if (!status.IsSampled)
        {
            return ActivitySamplingResult.PropagationData;
        }

        foreach (var tag in status.Tags)
        {
            options.SamplingTags.Add(tag.Key, tag.Type switch
            {
                KeyValueType.Bool => tag.BoolValue,
                KeyValueType.Float64 => tag.Float64Value,
                KeyValueType.Int64 => tag.Int64Value,
                _ => (object)tag.StringValue,
            });
        }

        return ActivitySamplingResult.AllDataAndRecorded;
    }

    private void OnStopped(Activity activity)
    {
        if (_tracer.RpcMetrics is { } rpc && activity.Kind == ActivityKind.Server)
        {
            ObserveRequest(rpc, activity);
        }

        if (!activity.Recorded || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }

        _tracer.Report(ToSpan(activity, _tracer.Process));
    }

    // A server activity, sampled or not, in the RPC metrics. Unsampled activities usually carry no tags (instrumentation
    // adds them only when all data is requested): they count as requests without a status class.
    private static void ObserveRequest(Diagnostics.RpcMetrics rpc, Activity activity)
    {
        var observation = new Diagnostics.RpcMetrics.Observation { Server = true, Error = activity.Status == ActivityStatusCode.Error };
        foreach (var (key, value) in activity.TagObjects)
        {
            if (key is "http.response.status_code" or WellKnownTags.HttpStatusCode)
            {
                observation.Add(TagValues.From(WellKnownTags.HttpStatusCode, value));
            }
            else if (key == WellKnownTags.Error)
            {
                observation.Add(TagValues.From(key, value));
            }
        }

        rpc.Record(activity.DisplayName, observation, activity.Duration.Ticks / TimeSpan.TicksPerMicrosecond);
    }

    internal static TraceId ToJaeger(ActivityTraceId id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.CopyTo(bytes);
        TraceId.TryReadBytes(bytes, out var traceId);
        return traceId;
    }

    /// <summary>The Jaeger context of a W3C activity: its ids, its recorded flag as sampled, its tracestate and baggage.</summary>
    internal static JaegerSpanContext ContextOf(Activity activity) => new(
        ToJaeger(activity.TraceId),
        ToJaeger(activity.SpanId),
        ToJaeger(activity.ParentSpanId),
        activity.Recorded ? SpanFlags.Sampled : SpanFlags.None,
        BaggageOf(activity),
        null,
        activity.TraceStateString);

    /// <summary>The activity's baggage and its parents'; for a key set twice the nearest wins (as <see cref="Activity.GetBaggageItem"/>).</summary>
    internal static KeyValuePair<string, string>[] BaggageOf(Activity activity)
    {
        var baggage = JaegerSpanContext.NoBaggage;
        foreach (var (key, value) in activity.Baggage)
        {
            if (value is not null && Baggage.Get(baggage, key) is null)
            {
                baggage = Baggage.With(baggage, key, value);
            }
        }

        return baggage;
    }

    internal static SpanId ToJaeger(ActivitySpanId id)
    {
        Span<byte> bytes = stackalloc byte[8];
        id.CopyTo(bytes);
        SpanId.TryReadBytes(bytes, out var spanId);
        return spanId;
    }

    internal static Span ToSpan(Activity activity, Jaeger.Model.Process process)
    {
        var traceId = ToJaeger(activity.TraceId);
        var references = ImmutableArray.CreateBuilder<SpanRef>();
        if (activity.ParentSpanId != default)
        {
            references.Add(new SpanRef(traceId, ToJaeger(activity.ParentSpanId), SpanRefType.ChildOf));
        }

        foreach (var link in activity.Links)
        {
            references.Add(new SpanRef(ToJaeger(link.Context.TraceId), ToJaeger(link.Context.SpanId), SpanRefType.FollowsFrom));
        }

        var tags = ImmutableArray.CreateBuilder<KeyValue>();
        foreach (var (key, value) in activity.TagObjects)
        {
            tags.Add(TagValues.From(key, value));
        }

        var kind = activity.Kind switch
        {
            ActivityKind.Client => Tags.SpanKindClient,
            ActivityKind.Server => Tags.SpanKindServer,
            ActivityKind.Producer => Tags.SpanKindProducer,
            ActivityKind.Consumer => Tags.SpanKindConsumer,
            _ => null,
        };
        if (kind is not null)
        {
            tags.Add(KeyValue.String(Tags.SpanKind, kind));
        }

        if (activity.Status == ActivityStatusCode.Error)
        {
            tags.Add(KeyValue.Bool(Tags.Error, true));
            if (!string.IsNullOrEmpty(activity.StatusDescription))
            {
                tags.Add(KeyValue.String("otel.status_description", activity.StatusDescription));
            }
        }

        tags.Add(KeyValue.String("otel.library.name", activity.Source.Name));

        var logs = ImmutableArray.CreateBuilder<Log>();
        foreach (var e in activity.Events)
        {
            var fields = ImmutableArray.CreateBuilder<KeyValue>();
            fields.Add(KeyValue.String(LogFields.Event, e.Name));
            foreach (var (key, value) in e.Tags)
            {
                fields.Add(TagValues.From(key, value));
            }

            logs.Add(new Log(Time.ToUnixMicros(e.Timestamp), fields.ToImmutable()));
        }

        return new Span
        {
            TraceId = traceId,
            SpanId = ToJaeger(activity.SpanId),
            OperationName = activity.DisplayName,
            References = references.ToImmutable(),
            Flags = SpanFlags.Sampled,
            StartTimeMicros = Time.ToUnixMicros(new DateTimeOffset(activity.StartTimeUtc, TimeSpan.Zero)),
            DurationMicros = Time.ToMicros(activity.Duration),
            Tags = tags.ToImmutable(),
            Logs = logs.ToImmutable(),
            Process = process,
        };
    }

    public void Dispose()
    {
        _listener.Dispose();
        _tracer.JoinsActivities = false;
        if (DistributedContextPropagator.Current is JaegerContextPropagator && _previousPropagator is not null)
        {
            DistributedContextPropagator.Current = _previousPropagator;
        }
    }
}
