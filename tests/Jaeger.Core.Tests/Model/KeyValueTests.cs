using System.Runtime.CompilerServices;
using Jaeger.Model;

namespace Jaeger.Core.Tests.Model;

public class KeyValueTests
{
    [Fact]
    public void Each_factory_keeps_its_type_and_value_and_reads_other_types_as_empty()
    {
        var s = KeyValue.String("s", "text");
        var b = KeyValue.Bool("b", true);
        var i = KeyValue.Int64("i", -5);
        var f = KeyValue.Float64("f", 2.5);
        var bytes = KeyValue.Binary("x", [1, 0xAB]);

        Assert.Equal([KeyValueType.String, KeyValueType.Bool, KeyValueType.Int64, KeyValueType.Float64, KeyValueType.Binary],
            new[] { s, b, i, f, bytes }.Select(kv => kv.Type));
        Assert.Equal("text", s.StringValue);
        Assert.True(b.BoolValue);
        Assert.Equal(-5, i.Int64Value);
        Assert.Equal(2.5, f.Float64Value);
        Assert.Equal([1, 0xAB], bytes.BinaryValue.ToArray());
        Assert.Equal(["text", "true", "-5", "2.5", "01ab"], new[] { s, b, i, f, bytes }.Select(kv => kv.ValueAsString()));

        Assert.Equal(string.Empty, i.StringValue);
        Assert.False(i.BoolValue);
        Assert.Equal(0, f.Int64Value);
        Assert.Equal(0, i.Float64Value);
        Assert.True(s.BinaryValue.IsEmpty);
        Assert.Equal(KeyValueType.String, default(KeyValue).Type);
    }

    [Fact]
    public void Values_of_different_types_with_the_same_bits_are_not_equal()
    {
        Assert.NotEqual(KeyValue.Bool("k", true), KeyValue.Int64("k", 1));
        Assert.NotEqual(KeyValue.Int64("k", 0), KeyValue.Float64("k", 0));
        Assert.NotEqual(KeyValue.String("k", "01"), KeyValue.Binary("k", [1]));
        Assert.Equal(KeyValue.Float64("k", double.NaN), KeyValue.Float64("k", double.NaN));
        Assert.Equal(KeyValue.Binary("k", [1, 2]), KeyValue.Binary("k", [1, 2]));
        Assert.Equal(KeyValue.Int64("k", 3).GetHashCode(), KeyValue.Int64("k", 3).GetHashCode());
    }

    [Fact]
    public void A_tag_takes_three_words()
    {
        Assert.Equal(3 * IntPtr.Size, Unsafe.SizeOf<KeyValue>());
    }
}
