using Jaeger.Model;
using Microsoft.Extensions.Time.Testing;

namespace Jaeger.Storage.Embedded.Tests;

/// <summary>Stores in temp folders and spans to fill them.</summary>
internal static class StoreFixtures
{
    /// <summary>A store in <paramref name="path"/> with small caches; retention runs only when a test calls it, unless <paramref name="startRetention"/>.</summary>
    public static EmbeddedSpanStore Open(string path, TimeProvider? time = null, Action<EmbeddedStorageOptions>? configure = null, bool startRetention = false)
    {
        var options = new EmbeddedStorageOptions { Path = path, BlockCacheBytes = 8 << 20, WriteBufferBytes = 4 << 20 };
        configure?.Invoke(options);
        return new EmbeddedSpanStore(options, null, time, null, path, startRetention);
    }

    public static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 12, 1, 12, 30, 0, TimeSpan.Zero));

    /// <summary>A trace of <paramref name="spans"/> spans of <paramref name="service"/> starting at <paramref name="start"/>, each with a few tags and a log.</summary>
    public static List<Span> Trace(TraceId traceId, string service, DateTimeOffset start, int spans, string operation = "work")
    {
        var process = new Process(service, [KeyValue.String("hostname", "host-" + service), KeyValue.String("ip", "10.1.2.3")]);
        var list = new List<Span>(spans);
        for (var i = 1; i <= spans; i++)
        {
            list.Add(new Span
            {
                TraceId = traceId,
                SpanId = new SpanId((ulong)i),
                OperationName = i == 1 ? operation : operation + "-child",
                Process = process,
                StartTime = start.AddMilliseconds(i),
                DurationMicros = 1000 + i,
                Flags = SpanFlags.Sampled,
                References = i == 1 ? [] : [new SpanRef(traceId, new SpanId(1))],
                Tags = [KeyValue.String("span.kind", i == 1 ? "server" : "client"), KeyValue.Int64("http.status_code", 200), KeyValue.String("http.url", $"https://example.com/items/{i}?q={traceId}")],
                Logs = [new Log(Time.ToUnixMicros(start) + i, [KeyValue.String("event", "step"), KeyValue.Int64("n", i)])],
            });
        }

        return list;
    }

    public static async Task WriteAsync(ISpanWriter writer, List<Span> spans, int batchSize = 500)
    {
        for (var offset = 0; offset < spans.Count; offset += batchSize)
        {
            await writer.WriteSpansAsync(spans.GetRange(offset, Math.Min(batchSize, spans.Count - offset)));
        }
    }
}
