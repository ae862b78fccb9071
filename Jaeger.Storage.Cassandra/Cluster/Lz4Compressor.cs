using System.Buffers.Binary;
using K4os.Compression.LZ4;
using Jaeger.Storage.Cassandra.Protocol;

namespace Jaeger.Storage.Cassandra.Cluster;

/// <summary>Protocol v4's <c>lz4</c> body compression: the uncompressed length as a 4-byte big-endian int, then one LZ4 block.</summary>
internal sealed class Lz4Compressor : ICqlCompressor
{
    public static Lz4Compressor Instance { get; } = new();

    public string Name => "lz4";

    public byte[] Compress(ReadOnlySpan<byte> body)
    {
        var output = new byte[4 + LZ4Codec.MaximumOutputSize(body.Length)];
        BinaryPrimitives.WriteInt32BigEndian(output, body.Length);
        var written = body.Length == 0 ? 0 : LZ4Codec.Encode(body, output.AsSpan(4));
        if (written < 0)
        {
            throw new InvalidOperationException("LZ4 compression failed.");
        }

        return output[..(4 + written)];
    }

    public byte[] Decompress(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4)
        {
            throw new CqlProtocolException("An lz4 body is shorter than its length prefix.");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(body);
        if (length < 0 || length > CqlFrame.MaxBodyLength)
        {
            throw new CqlProtocolException($"An lz4 body claims {length} uncompressed bytes.");
        }

        var output = new byte[length];
        if (length == 0)
        {
            return output;
        }

        var decoded = LZ4Codec.Decode(body[4..], output);
        if (decoded != length)
        {
            throw new CqlProtocolException($"An lz4 body decoded to {decoded} bytes, not the {length} it claims.");
        }

        return output;
    }
}
