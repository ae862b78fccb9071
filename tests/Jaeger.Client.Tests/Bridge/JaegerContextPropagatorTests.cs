using System.Diagnostics;
using Jaeger.Client.Bridge;
using Jaeger.Client.Diagnostics;
using Jaeger.Client.Propagation;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Jaeger.Client.Tests.Bridge;

/// <summary>The runtime propagator the bridge installs, on carriers ASP.NET Core and custom transports hand it.</summary>
public class JaegerContextPropagatorTests
{
    private const string TraceIdHex = "0af7651916cd43dd8448eb211c80319c";
    private const string CallerSpanHex = "b7ad6b7169203331";

    [Fact]
    public void The_propagator_reads_carriers_it_cannot_enumerate_through_the_getter_and_writes_activity_baggage()
    {
        using var metrics = new ClientMetrics(null);
        var propagator = new JaegerContextPropagator(DistributedContextPropagator.CreateNoOutputPropagator(), PropagationSet.Create(["jaeger"], http: true, metrics));
        var headers = new OpaqueHeaders { ["uber-trace-id"] = $"{TraceIdHex}%3A{CallerSpanHex}%3A0%3A1", ["jaeger-baggage"] = "user=alice" };

        propagator.ExtractTraceIdAndState(headers, OpaqueHeaders.Get, out var traceParent, out _);
        var baggage = propagator.ExtractBaggage(headers, OpaqueHeaders.Get);

        Assert.Equal($"00-{TraceIdHex}-{CallerSpanHex}-01", traceParent);
        Assert.Equal([new KeyValuePair<string, string?>("user", "alice")], baggage);

        using var activity = new Activity("op").SetIdFormat(ActivityIdFormat.W3C).SetParentId(traceParent!).AddBaggage("user", "bob dylan");
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        activity.Start();
        var written = new Dictionary<string, string>();
        propagator.Inject(activity, written, static (carrier, key, value) => ((Dictionary<string, string>)carrier!)[key] = value);

        Assert.Equal($"{TraceIdHex}%3A{activity.SpanId.ToHexString()}%3A{CallerSpanHex}%3A1", written["uber-trace-id"]);
        Assert.Equal("bob%20dylan", written["uberctx-user"]);
        Assert.Contains("uber-trace-id", propagator.Fields);
    }

    [Fact]
    public void A_malformed_jaeger_header_beside_a_valid_traceparent_falls_back_to_w3c_and_is_counted_once()
    {
        using var metrics = new ClientMetrics(null);
        using var errors = new MetricCollector<long>(metrics.Meter, "jaeger.client.span_context.decoding_errors");
        var propagator = new JaegerContextPropagator(DistributedContextPropagator.CreateDefaultPropagator(), PropagationSet.Create(["jaeger"], http: true, metrics));
        var headers = new Dictionary<string, string>
        {
            ["uber-trace-id"] = "not-a-context",
            ["traceparent"] = $"00-{TraceIdHex}-{CallerSpanHex}-01",
            ["baggage"] = "user=alice",
        };
        static void Get(object? carrier, string name, out string? value, out IEnumerable<string>? values)
        {
            values = null;
            ((Dictionary<string, string>)carrier!).TryGetValue(name, out value);
        }

        // As ASP.NET Core asks: the trace context, then the baggage of the same headers.
        propagator.ExtractTraceIdAndState(headers, Get, out var traceParent, out _);
        var baggage = propagator.ExtractBaggage(headers, Get);

        Assert.Equal($"00-{TraceIdHex}-{CallerSpanHex}-01", traceParent);
        Assert.Equal([new KeyValuePair<string, string?>("user", "alice")], baggage);
        Assert.Equal(1, errors.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    /// <summary>A carrier that can only be asked for one header at a time, as a custom transport might be.</summary>
    private sealed class OpaqueHeaders
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

        public string this[string name]
        {
            set => _values[name] = value;
        }

        public static void Get(object? carrier, string name, out string? value, out IEnumerable<string>? values)
        {
            values = null;
            ((OpaqueHeaders)carrier!)._values.TryGetValue(name, out value);
        }
    }
}
