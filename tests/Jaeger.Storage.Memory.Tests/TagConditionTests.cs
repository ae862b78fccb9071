using Jaeger.Model;

namespace Jaeger.Storage.Memory.Tests;

public sealed class TagConditionTests
{
    [Fact]
    public void Matches_exactly_when_the_value_rendered_as_text_equals_the_query_text()
    {
        KeyValue[] values =
        [
            KeyValue.Int64("k", 123), KeyValue.Int64("k", -5), KeyValue.Int64("k", 0), KeyValue.Int64("k", long.MinValue), KeyValue.Int64("k", 72),
            KeyValue.Float64("k", 72.5), KeyValue.Float64("k", 0.0), KeyValue.Float64("k", -0.0), KeyValue.Float64("k", double.NaN),
            KeyValue.Float64("k", 1e20), KeyValue.Float64("k", 0.1), KeyValue.Float64("k", 123), KeyValue.Float64("k", double.PositiveInfinity),
            KeyValue.Bool("k", true), KeyValue.Bool("k", false), KeyValue.String("k", "123"), KeyValue.String("k", "abc"),
            KeyValue.Binary("k", [0x01, 0x02]), KeyValue.String("other", "123"),
        ];
        string[] texts =
        [
            "123", "0123", "+123", "-5", "0", "-0", "72.5", "72.50", "NaN", "1E+20", "1e20", "0.1", "0.10", "true", "false", "True",
            "abc", "0102", "", "-9223372036854775808", "Infinity", "72",
        ];

        var checkedPairs = 0;
        foreach (var text in texts)
        {
            var condition = new TagCondition("k", text);
            foreach (var value in values)
            {
                var expected = value.Key == "k" && value.ValueEquals(text);
                Assert.True(expected == condition.Matches(value), $"{value} ({value.Type}) against \"{text}\": expected {expected}");
                if (expected)
                {
                    // The signature filter must never rule out a span that matches, wherever the value sits.
                    Assert.True(condition.MayMatch(Signature(new Span { Tags = [value] })), $"{value} in span tags");
                    Assert.True(condition.MayMatch(Signature(new Span { Process = new Process("p", [value]) })), $"{value} in process tags");
                    Assert.True(condition.MayMatch(Signature(new Span { Logs = [new Log(1, [KeyValue.String("event", "x"), value])] })), $"{value} in a log");
                }

                checkedPairs++;
            }
        }

        Assert.Equal(texts.Length * values.Length, checkedPairs);
        Assert.True(new TagCondition("k", "123").Matches(KeyValue.Float64("k", 123)));
        Assert.False(new TagCondition("k", "72.50").Matches(KeyValue.Float64("k", 72.5)));
    }

    [Fact]
    public void The_signature_rules_out_most_spans_without_the_value()
    {
        var spanSignature = Signature(new Span { Tags = [KeyValue.String("http.method", "GET"), KeyValue.Int64("http.status_code", 200)] });
        var ruledOut = 0;
        for (var i = 0; i < 1000; i++)
        {
            if (!new TagCondition("http.status_code", (300 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)).MayMatch(spanSignature))
            {
                ruledOut++;
            }
        }

        // Four items set at most eight of 64 bits, so a two-bit probe passes by chance at most (8/64)^2 of the time per reading.
        Assert.True(ruledOut > 900, $"only {ruledOut} of 1000 ruled out");
        Assert.True(new TagCondition("http.status_code", "200").MayMatch(spanSignature));
    }

    private static ulong Signature(Span span) => SpanSignature.ForSpan(span, SpanSignature.ForProcess(span.Process));
}
