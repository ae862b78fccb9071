using Jaeger.Model;

namespace Jaeger.Core.Tests.Model;

public class IdTests
{
    [Theory]
    [InlineData("1", 0UL, 1UL, "0000000000000001")]
    [InlineData("00000000000000ff", 0UL, 255UL, "00000000000000ff")]
    [InlineData("ABCDEF0123456789", 0UL, 0xabcdef0123456789UL, "abcdef0123456789")]
    [InlineData("10000000000000002", 1UL, 2UL, "00000000000000010000000000000002")]
    [InlineData("fedcba98765432100123456789abcdef", 0xfedcba9876543210UL, 0x0123456789abcdefUL, "fedcba98765432100123456789abcdef")]
    public void TraceId_parses_hex_and_formats_16_or_32_lower_case_chars(string text, ulong high, ulong low, string formatted)
    {
        var id = TraceId.Parse(text);
        Assert.Equal(high, id.High);
        Assert.Equal(low, id.Low);
        Assert.Equal(formatted, id.ToString());
        Assert.Equal(id, TraceId.Parse(formatted));
    }

    [Theory]
    [InlineData("")]
    [InlineData("g")]
    [InlineData("0x12")]
    [InlineData(" 12")]
    [InlineData("-1")]
    [InlineData("123456789012345678901234567890123")]
    public void TraceId_rejects_what_is_not_1_to_32_hex_chars(string text)
    {
        Assert.False(TraceId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => TraceId.Parse(text));
    }

    [Fact]
    public void TraceId_bytes_are_16_big_endian_high_then_low_and_8_bytes_read_as_low()
    {
        var id = new TraceId(0x0102030405060708, 0x090a0b0c0d0e0f10);
        var bytes = new byte[16];
        id.WriteBytes(bytes);
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (byte)i), bytes);
        Assert.True(TraceId.TryReadBytes(bytes, out var back));
        Assert.Equal(id, back);
        Assert.True(TraceId.TryReadBytes(bytes.AsSpan(8), out var low));
        Assert.Equal(new TraceId(0, 0x090a0b0c0d0e0f10), low);
        Assert.False(TraceId.TryReadBytes(bytes.AsSpan(3), out _));
    }

    [Fact]
    public void TraceId_utf8_format_matches_string_format()
    {
        var id = new TraceId(5, 0xdeadbeef);
        Span<byte> utf8 = stackalloc byte[32];
        Assert.True(id.TryFormat(utf8, out var written));
        Assert.Equal(id.ToString(), System.Text.Encoding.UTF8.GetString(utf8[..written]));
        Assert.False(id.TryFormat(stackalloc byte[31], out _));
    }

    [Fact]
    public void Ids_compare_and_hash_by_value_without_allocating()
    {
        var a = new TraceId(1, 2);
        var b = new TraceId(1, 2);
        var c = new TraceId(2, 1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var equal = a == b && a.GetHashCode() == b.GetHashCode() && a < c && new SpanId(3) == new SpanId(3) && new SpanId(3) != new SpanId(4);
        var after = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(equal);
        Assert.Equal(before, after);
    }

    [Fact]
    public void SpanId_formats_16_hex_chars_and_round_trips_bytes()
    {
        var id = SpanId.Parse("a");
        Assert.Equal("000000000000000a", id.ToString());
        var bytes = new byte[8];
        id.WriteBytes(bytes);
        Assert.True(SpanId.TryReadBytes(bytes, out var back));
        Assert.Equal(id, back);
        Assert.False(SpanId.TryParse("12345678901234567", out _));
    }
}
