using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Jaeger.Core.Tests.Thrift;
using Jaeger.Model;
using Jaeger.Thrift;
using Thrift;
using Thrift.Protocol;
using Thrift.Transport.Client;

namespace Jaeger.Benchmarks.Thrift;

/// <summary>
/// Our jaeger.thrift codec against ApacheThrift 0.25.0 (the peer, baseline of each category) on a 100-span batch
/// shaped as in the reference measurements: process with 3 tags; each span 1 CHILD_OF reference, 8 tags
/// (5 string incl. a URL, long, bool, double) and 1 log of 2 string fields. ApacheThrift is driven through a
/// hand-written TProtocol mapping (no generated code), reusing one TMemoryBufferTransport for encoding.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ThriftCodecBenchmarks
{
    private Batch _batch = null!;
    private ArrayBufferWriter<byte> _buffer = null!;
    private TMemoryBufferTransport _compactTransport = null!;
    private TMemoryBufferTransport _binaryTransport = null!;
    private TProtocol _compactProtocol = null!;
    private TProtocol _binaryProtocol = null!;
    private byte[] _compactBytes = null!;
    private byte[] _binaryBytes = null!;
    private TConfiguration _configuration = null!;

    [GlobalSetup]
    public void Setup()
    {
        _batch = SampleBatches.Hundred();
        _buffer = new ArrayBufferWriter<byte>(128 * 1024);
        _configuration = new TConfiguration();
        _compactTransport = new TMemoryBufferTransport(_configuration, 128 * 1024);
        _binaryTransport = new TMemoryBufferTransport(_configuration, 128 * 1024);
        _compactProtocol = new TCompactProtocol(_compactTransport);
        _binaryProtocol = new TBinaryProtocol(_binaryTransport);

        JaegerThriftSerializer.WriteBatch(_buffer, _batch, ThriftProtocol.Compact);
        _compactBytes = _buffer.WrittenSpan.ToArray();
        _buffer.ResetWrittenCount();
        JaegerThriftSerializer.WriteBatch(_buffer, _batch, ThriftProtocol.Binary);
        _binaryBytes = _buffer.WrittenSpan.ToArray();
        _buffer.ResetWrittenCount();

        // Both codecs must agree before their speed means anything.
        if (!_compactBytes.AsSpan().SequenceEqual(ApacheThriftMapping.Encode(_batch, ThriftProtocol.Compact, emitBatch: false))
            || !_binaryBytes.AsSpan().SequenceEqual(ApacheThriftMapping.Encode(_batch, ThriftProtocol.Binary, emitBatch: false)))
        {
            throw new InvalidOperationException("Our encoding differs from ApacheThrift's.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _compactProtocol.Dispose();
        _binaryProtocol.Dispose();
        _compactTransport.Dispose();
        _binaryTransport.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ApacheThrift")]
    [BenchmarkCategory("Compact encode")]
    public int ApacheThriftCompactEncode() => ApacheEncode(_compactTransport, _compactProtocol);

    [Benchmark(Description = "Jaeger.Thrift")]
    [BenchmarkCategory("Compact encode")]
    public int JaegerCompactEncode() => Encode(ThriftProtocol.Compact);

    [Benchmark(Baseline = true, Description = "ApacheThrift")]
    [BenchmarkCategory("Binary encode")]
    public int ApacheThriftBinaryEncode() => ApacheEncode(_binaryTransport, _binaryProtocol);

    [Benchmark(Description = "Jaeger.Thrift")]
    [BenchmarkCategory("Binary encode")]
    public int JaegerBinaryEncode() => Encode(ThriftProtocol.Binary);

    [Benchmark(Baseline = true, Description = "ApacheThrift")]
    [BenchmarkCategory("Compact decode")]
    public int ApacheThriftCompactDecode() => ApacheDecode(_compactBytes, compact: true);

    [Benchmark(Description = "Jaeger.Thrift")]
    [BenchmarkCategory("Compact decode")]
    public int JaegerCompactDecode() => Decode(_compactBytes, ThriftProtocol.Compact);

    [Benchmark(Baseline = true, Description = "ApacheThrift")]
    [BenchmarkCategory("Binary decode")]
    public int ApacheThriftBinaryDecode() => ApacheDecode(_binaryBytes, compact: false);

    [Benchmark(Description = "Jaeger.Thrift")]
    [BenchmarkCategory("Binary decode")]
    public int JaegerBinaryDecode() => Decode(_binaryBytes, ThriftProtocol.Binary);

    private int Encode(ThriftProtocol protocol)
    {
        _buffer.ResetWrittenCount();
        JaegerThriftSerializer.WriteBatch(_buffer, _batch, protocol);
        return _buffer.WrittenCount;
    }

    private int ApacheEncode(TMemoryBufferTransport transport, TProtocol protocol)
    {
        transport.Seek(0, SeekOrigin.Begin);
        transport.SetLength(0);
        ApacheThriftMapping.WriteBatchAsync(protocol, _batch, CancellationToken.None).GetAwaiter().GetResult();
        return transport.Length;
    }

    private static int Decode(byte[] bytes, ThriftProtocol protocol) =>
        JaegerThriftSerializer.TryReadBatch(bytes, protocol, out var batch, out _) ? batch.Spans.Count : -1;

    private int ApacheDecode(byte[] bytes, bool compact)
    {
        // A new transport and protocol per decode, as a receiver handling one payload does.
        using var transport = new TMemoryBufferTransport(bytes, _configuration);
        using TProtocol protocol = compact ? new TCompactProtocol(transport) : new TBinaryProtocol(transport);
        var (batch, _) = ApacheThriftMapping.ReadBatchAsync(protocol, CancellationToken.None).GetAwaiter().GetResult();
        return batch.Spans.Count;
    }
}
