using System.Collections.Immutable;
using Jaeger.Model;

namespace Jaeger.Storage.Conformance;

/// <summary>Content equality of traces as storage must keep them. Spans are matched by id; tags and fields may come back in any order.</summary>
public static class TraceAssert
{
    public static void Equal(Trace expected, Trace? actual)
    {
        Assert.NotNull(actual);
        var expectedSpans = expected.Spans.OrderBy(s => s.SpanId).ThenBy(s => s.StartTimeMicros).ToList();
        var actualSpans = actual.Spans.OrderBy(s => s.SpanId).ThenBy(s => s.StartTimeMicros).ToList();
        Assert.Equal(expectedSpans.Count, actualSpans.Count);
        for (var i = 0; i < expectedSpans.Count; i++)
        {
            SpanEqual(expectedSpans[i], actualSpans[i]);
        }
    }

    public static void SpanEqual(Span expected, Span actual)
    {
        var at = $"span {expected.TraceId}:{expected.SpanId}";
        Assert.True(expected.TraceId == actual.TraceId, $"{at}: trace id {actual.TraceId}");
        Assert.True(expected.SpanId == actual.SpanId, $"{at}: span id {actual.SpanId}");
        Assert.Equal(expected.OperationName, actual.OperationName);
        Assert.Equal(expected.References.ToArray(), actual.References.ToArray());
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.StartTimeMicros, actual.StartTimeMicros);
        Assert.Equal(expected.DurationMicros, actual.DurationMicros);
        Assert.Equal(Sorted(expected.Tags), Sorted(actual.Tags));
        Assert.Equal(expected.Logs.Length, actual.Logs.Length);
        var expectedLogs = expected.Logs.OrderBy(l => l.TimestampMicros).ToList();
        var actualLogs = actual.Logs.OrderBy(l => l.TimestampMicros).ToList();
        for (var i = 0; i < expectedLogs.Count; i++)
        {
            Assert.Equal(expectedLogs[i].TimestampMicros, actualLogs[i].TimestampMicros);
            Assert.Equal(Sorted(expectedLogs[i].Fields), Sorted(actualLogs[i].Fields));
        }

        Assert.Equal(expected.Process.ServiceName, actual.Process.ServiceName);
        Assert.Equal(Sorted(expected.Process.Tags), Sorted(actual.Process.Tags));
        Assert.Equal(expected.Warnings.ToArray(), actual.Warnings.ToArray());
    }

    private static KeyValue[] Sorted(ImmutableArray<KeyValue> tags) =>
        [.. tags.OrderBy(t => t.Key, StringComparer.Ordinal).ThenBy(t => t.ValueAsString(), StringComparer.Ordinal)];
}
