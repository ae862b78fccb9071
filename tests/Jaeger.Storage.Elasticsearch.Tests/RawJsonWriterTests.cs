using System.Buffers;
using System.Text.Json;
using Jaeger.Storage.Elasticsearch.Writing;

namespace Jaeger.Storage.Elasticsearch.Tests;

/// <summary>The span document's value writer against Utf8JsonWriter with the bulk's encoder, byte for byte.</summary>
public sealed class RawJsonWriterTests
{
    [Fact]
    public void Every_character_of_the_first_1024_code_points_and_the_surrogates_is_written_as_Utf8JsonWriter_writes_it()
    {
        var characters = Enumerable.Range(0, 1024).Concat([0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfeff, 0xfffd, 0xfffe, 0xffff]);
        foreach (var c in characters)
        {
            // Short (the ASCII loop), medium and long strings take different paths.
            foreach (var text in (string[])[((char)c).ToString(), $"a{(char)c}b", new string('x', 47) + (char)c, new string('x', 60) + (char)c, new string('x', 5000) + (char)c])
            {
                Assert.True(Raw(w => w.String(text)).AsSpan().SequenceEqual(Reference(w => w.WriteStringValue(text))), $"U+{c:x4} in a string of {text.Length}");
            }
        }
    }

    [Fact]
    public void A_surrogate_pair_and_a_null_string_are_written_as_Utf8JsonWriter_writes_them()
    {
        Assert.Equal(Reference(w => w.WriteStringValue("x\U0001F600y")), Raw(w => w.String("x\U0001F600y")));
        Assert.Equal(Reference(w => w.WriteStringValue((string?)null)), Raw(w => w.String(null)));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(1485467191639875L)]
    public void Integers_are_written_as_Utf8JsonWriter_writes_them(long value)
    {
        Assert.Equal(Reference(w => w.WriteNumberValue(value)), Raw(w => w.Number(value)));
        Assert.Equal(Reference(w => w.WriteStringValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture))), Raw(w => w.NumberString(value)));
    }

    [Theory]
    [InlineData(0UL, "0000000000000000")]
    [InlineData(0xabcUL, "0000000000000abc")]
    [InlineData(ulong.MaxValue, "ffffffffffffffff")]
    [InlineData(0x0123456789abcdefUL, "0123456789abcdef")]
    public void Hex_is_16_lower_case_digits(ulong value, string hex) =>
        Assert.Equal(hex, System.Text.Encoding.UTF8.GetString(Raw(w => w.Hex(value))));

    private static byte[] Raw(Action<RawJsonWriter> write)
    {
        var buffer = new PooledBufferWriter(16);
        try
        {
            write(new RawJsonWriter(buffer, null));
            return buffer.WrittenMemory.ToArray();
        }
        finally
        {
            buffer.Return();
        }
    }

    private static byte[] Reference(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(w);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
