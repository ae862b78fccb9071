using System.Text;
using Jaeger.Text;

namespace Jaeger.Core.Tests.Text;

public sealed class Utf8StringCacheTests
{
    [Fact]
    public void Equal_short_bytes_give_one_instance_and_long_ones_a_new_string_each_time()
    {
        var cache = new Utf8StringCache();
        var shortText = Encoding.UTF8.GetBytes("http.method");
        var longText = Encoding.UTF8.GetBytes(new string('x', Utf8StringCache.MaxCachedLength + 1));

        var first = cache.Get(shortText);

        Assert.Equal("http.method", first);
        Assert.Same(first, cache.Get(shortText.AsSpan().ToArray()));
        Assert.Equal(new string('x', Utf8StringCache.MaxCachedLength + 1), cache.Get(longText));
        Assert.NotSame(cache.Get(longText), cache.Get(longText));
        Assert.Same(string.Empty, cache.Get([]));
    }

    [Fact]
    public void Invalid_utf8_decodes_as_the_framework_decodes_it()
    {
        var cache = new Utf8StringCache();
        byte[] invalid = [(byte)'a', 0xC3, (byte)'b', 0xFF];

        Assert.Equal(Encoding.UTF8.GetString(invalid), cache.Get(invalid));
        Assert.Equal("a\uFFFDb\uFFFD", cache.Get(invalid));
    }

    [Fact]
    public void Many_distinct_strings_stay_correct_when_they_share_and_evict_sets()
    {
        var cache = new Utf8StringCache();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 5_000; i++)
            {
                var text = "key-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(text, cache.Get(Encoding.UTF8.GetBytes(text)));
            }
        }
    }
}
