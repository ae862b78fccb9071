using Jaeger.Model;
using Jaeger.Storage.Memory;

namespace Jaeger.Core.Tests.Storage;

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
                checkedPairs++;
            }
        }

        Assert.Equal(texts.Length * values.Length, checkedPairs);
        Assert.True(new TagCondition("k", "123").Matches(KeyValue.Float64("k", 123)));
        Assert.False(new TagCondition("k", "72.50").Matches(KeyValue.Float64("k", 72.5)));
    }
}
