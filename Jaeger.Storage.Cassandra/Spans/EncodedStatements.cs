using Jaeger.Storage.Cassandra.Cluster;
using Jaeger.Storage.Cassandra.Protocol;

namespace Jaeger.Storage.Cassandra.Spans;

/// <summary>A service name (<see cref="Operation"/> null) or a (service, span kind, operation) the writer writes once per cache TTL; default for none.</summary>
internal readonly record struct WrittenName(string? Service, string? SpanKind = null, string? Operation = null);

/// <summary>One EXECUTE ready to send: the statement, where its query parameters lie in the shared buffer, the partition's token, and the name it writes (forgotten when the write fails).</summary>
internal readonly record struct EncodedStatement(CqlPreparedStatement Statement, int Offset, int Length, long? Token, WrittenName Name);

/// <summary>
/// The EXECUTE requests of one write call, their query parameters (consistency, flags, values, timestamp) encoded one
/// after another into one pooled buffer; the connection adds the frame header and the prepared id when it sends
/// each (<see cref="CqlRequests.WriteExecute(CqlBufferWriter, short, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>). Reusable:
/// <see cref="Clear"/> keeps the buffer and the list.
/// </summary>
internal sealed class EncodedStatements : IDisposable
{
    private readonly List<EncodedStatement> _statements = [];

    public CqlBufferWriter Buffer { get; } = new(4096);

    public int Count => _statements.Count;

    public EncodedStatement this[int index] => _statements[index];

    /// <summary>The encoded query parameters of statement <paramref name="index"/>; valid until the buffer is written again.</summary>
    public ReadOnlyMemory<byte> Parameters(int index)
    {
        var statement = _statements[index];
        return Buffer.WrittenMemory.Slice(statement.Offset, statement.Length);
    }

    public void Add(in EncodedStatement statement) => _statements.Add(statement);

    public void Clear()
    {
        _statements.Clear();
        Buffer.Reset();
    }

    public void Dispose() => Buffer.Dispose();
}
