using System.Buffers.Binary;

namespace Jaeger.Storage.Cassandra.Cluster;

/// <summary>
/// Cassandra's Murmur3Partitioner token: MurmurHash3 x64 128 with seed 0, first half (h1) as a signed long, with
/// Cassandra's quirk that tail bytes are sign-extended, and long.MinValue normalized to long.MaxValue.
/// </summary>
internal static class Murmur3Token
{
    private const ulong C1 = 0x87c37b91114253d5UL;
    private const ulong C2 = 0x4cf5ad432745937fUL;

    public static long Compute(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            return long.MinValue;
        }

        var hash = Hash(key);
        return hash == long.MinValue ? long.MaxValue : hash;
    }

    private static long Hash(ReadOnlySpan<byte> data)
    {
        ulong h1 = 0, h2 = 0;
        var blocks = data.Length / 16;
        for (var i = 0; i < blocks; i++)
        {
            var k1 = BinaryPrimitives.ReadUInt64LittleEndian(data[(i * 16)..]);
            var k2 = BinaryPrimitives.ReadUInt64LittleEndian(data[((i * 16) + 8)..]);

            k1 *= C1;
            k1 = ulong.RotateLeft(k1, 31);
            k1 *= C2;
            h1 ^= k1;
            h1 = ulong.RotateLeft(h1, 27);
            h1 += h2;
            h1 = (h1 * 5) + 0x52dce729;

            k2 *= C2;
            k2 = ulong.RotateLeft(k2, 33);
            k2 *= C1;
            h2 ^= k2;
            h2 = ulong.RotateLeft(h2, 31);
            h2 += h1;
            h2 = (h2 * 5) + 0x38495ab5;
        }

        var tail = data[(blocks * 16)..];
        ulong t1 = 0, t2 = 0;
        for (var i = tail.Length - 1; i >= 8; i--)
        {
            // Cassandra reads tail bytes as signed Java bytes: sign-extended before the shift.
            t2 ^= unchecked((ulong)(long)(sbyte)tail[i]) << ((i - 8) * 8);
        }

        for (var i = Math.Min(tail.Length, 8) - 1; i >= 0; i--)
        {
            t1 ^= unchecked((ulong)(long)(sbyte)tail[i]) << (i * 8);
        }

        if (tail.Length > 8)
        {
            t2 *= C2;
            t2 = ulong.RotateLeft(t2, 33);
            t2 *= C1;
            h2 ^= t2;
        }

        if (tail.Length > 0)
        {
            t1 *= C1;
            t1 = ulong.RotateLeft(t1, 31);
            t1 *= C2;
            h1 ^= t1;
        }

        h1 ^= (ulong)data.Length;
        h2 ^= (ulong)data.Length;
        h1 += h2;
        h2 += h1;
        h1 = Fmix(h1);
        h2 = Fmix(h2);
        h1 += h2;
        return unchecked((long)h1);
    }

    private static ulong Fmix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdUL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53UL;
        k ^= k >> 33;
        return k;
    }
}
