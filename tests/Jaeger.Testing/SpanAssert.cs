using Jaeger.Model;
using Xunit;

namespace Jaeger.Testing;

/// <summary>Span comparisons for codec tests: two decodings of one input must agree field by field.</summary>
public static class SpanAssert
{
    /// <summary>
    /// Asserts the spans hold the same ids, name, references, flags, times, tags, logs and warnings. The process is
    /// left to the caller, which knows whether it is shared.
    /// </summary>
    public static void Equivalent(Span expected, Span actual)
    {
        Assert.Equal(expected.TraceId, actual.TraceId);
        Assert.Equal(expected.SpanId, actual.SpanId);
        Assert.Equal(expected.OperationName, actual.OperationName);
        Assert.Equal(expected.References.ToArray(), actual.References.ToArray());
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.StartTimeMicros, actual.StartTimeMicros);
        Assert.Equal(expected.DurationMicros, actual.DurationMicros);

        // KeyValue equality compares double bits, so NaN equals NaN.
        Assert.Equal(expected.Tags.ToArray(), actual.Tags.ToArray());
        Assert.Equal(expected.Logs.Length, actual.Logs.Length);
        for (var i = 0; i < expected.Logs.Length; i++)
        {
            Assert.Equal(expected.Logs[i].TimestampMicros, actual.Logs[i].TimestampMicros);
            Assert.Equal(expected.Logs[i].Fields.ToArray(), actual.Logs[i].Fields.ToArray());
        }

        Assert.Equal(expected.Warnings.ToArray(), actual.Warnings.ToArray());
    }
}
