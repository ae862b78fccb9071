using System.Text;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Spans;
using Jaeger.Storage.Cassandra.Tests.Fake;

namespace Jaeger.Storage.Cassandra.Tests.Spans;

public sealed class CassandraSamplingStoreTests
{
    private static readonly (string, CqlType)[] Applied = [("[applied]", CqlType.Boolean)];

    [Fact]
    public async Task ThroughputIsStoredAsJaegersCsvAndReadBackWithTimeUuidBounds()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node);

        await backend.SamplingStore!.InsertThroughputAsync([new OperationThroughput("frontend", "GET /a,b", 12, [0.001, 1.0]), new OperationThroughput("db", "select", 3, [])]);

        var insert = node.Requests.Single(r => r.Query == CassandraSamplingStore.InsertThroughput).Values;
        Assert.InRange((int)insert[0]!, 0, 9);
        Assert.Equal(1, ((Guid)insert[1]!).Version);
        Assert.Equal("frontend,\"GET /a,b\",12,\"0.001,1\"\ndb,select,3,\n", insert[2]);

        node.OnStatement = r => r.Query == CassandraSamplingStore.SelectThroughput ? FakeReply.Of([("throughput", CqlType.Text)], [insert[2]]) : FakeReply.Void;
        var start = DateTimeOffset.FromUnixTimeSeconds(1_714_435_200);
        var read = await backend.SamplingStore.GetThroughputAsync(start, start.AddMinutes(1));
        Assert.Equal(2, read.Count);
        Assert.Equal(("frontend", "GET /a,b", 12L), (read[0].Service, read[0].Operation, read[0].Count));
        Assert.Equal([0.001, 1.0], read[0].Probabilities);
        Assert.Empty(read[1].Probabilities);
        var bounds = node.Requests.Single(r => r.Query == CassandraSamplingStore.SelectThroughput).Values.Cast<Guid>().ToList();
        Assert.Equal([start, start.AddMinutes(1)], bounds.Select(TimeOf));
    }

    [Fact]
    public async Task ProbabilitiesAreStoredInBucketOneAndTheLatestIsRead()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node);
        var probabilities = new ServiceOperationValues();
        probabilities.Set("frontend", "GET", 0.00001);
        var qps = new ServiceOperationValues();
        qps.Set("frontend", "GET", 12.5);

        await backend.SamplingStore!.InsertProbabilitiesAndQpsAsync("collector-1", probabilities, qps);

        var insert = node.Requests.Single(r => r.Query == CassandraSamplingStore.InsertProbabilities).Values;
        Assert.Equal(1, insert[0]);
        Assert.Equal("collector-1", insert[2]);
        Assert.Equal("frontend,GET,0.00001,12.5\n", insert[3]);

        node.OnStatement = r => r.Query == CassandraSamplingStore.SelectLatestProbabilities ? FakeReply.Of([("probabilities", CqlType.Text)], [insert[3]]) : FakeReply.Void;
        var latest = await backend.SamplingStore.GetLatestProbabilitiesAsync();
        Assert.Equal(0.00001, latest["frontend"]["GET"]);
    }

    [Fact]
    public async Task ALeaseIsTakenWithIfNotExistsExtendedByItsOwnerAndRefusedToOthers()
    {
        await using var node = new FakeCqlServer().Start();
        JaegerStatements.DefineAll(node);
        await using var backend = await CassandraSpanWriterTests.StartedBackendAsync(node);
        string? holder = null;
        node.OnStatement = r =>
        {
            switch (r.Query)
            {
                case CassandraSamplingStore.InsertLease when holder is null:
                    holder = (string)r.Values[1]!;
                    return FakeReply.Of(Applied, [true]);
                case CassandraSamplingStore.InsertLease:
                    return FakeReply.Of([("[applied]", CqlType.Boolean), ("name", CqlType.Text), ("owner", CqlType.Text)], [false, r.Values[0], holder]);
                case CassandraSamplingStore.ExtendLease:
                    return FakeReply.Of(Applied, [holder == (string)r.Values[3]!]);
                case CassandraSamplingStore.DeleteLease when holder == (string)r.Values[1]!:
                    holder = null;
                    return FakeReply.Of(Applied, [true]);
                default:
                    return FakeReply.Of(Applied, [false]);
            }
        };
        var leases = backend.LeaseStore!;

        Assert.True(await leases.TryAcquireAsync("sampling", "a", TimeSpan.FromSeconds(60)));
        Assert.False(await leases.TryAcquireAsync("sampling", "b", TimeSpan.FromSeconds(60)));
        Assert.True(await leases.TryAcquireAsync("sampling", "a", TimeSpan.FromSeconds(60)));
        Assert.False(await leases.ForfeitAsync("sampling", "b"));
        Assert.True(await leases.ForfeitAsync("sampling", "a"));

        var first = node.Requests.First(r => r.Query == CassandraSamplingStore.InsertLease);
        Assert.Equal(["sampling", "a", 60], first.Values);
        Assert.Equal([60, "a", "sampling", "a"], node.Requests.Single(r => r.Query == CassandraSamplingStore.ExtendLease).Values);
        Assert.NotEqual(0, first.Flags & 0x10);
    }

    [Theory]
    [InlineData(0.00001, "0.00001")]
    [InlineData(1.0, "1")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e21, "1000000000000000000000")]
    [InlineData(-2.5e-7, "-0.00000025")]
    public void FloatsAreWrittenInGosShortestFixedNotation(double value, string expected)
    {
        Assert.Equal(expected, CassandraSamplingStore.FormatFixed(value));
    }

    [Fact]
    public void CsvRoundTripsQuotesCommasAndNewlines()
    {
        var csv = new StringBuilder();
        CassandraSamplingStore.WriteCsvLine(csv, "a\"b", "c,d", "e\nf", " g", "h");
        Assert.Equal("\"a\"\"b\",\"c,d\",\"e\nf\",\" g\",h\n", csv.ToString());
        Assert.Equal([["a\"b", "c,d", "e\nf", " g", "h"]], CassandraSamplingStore.ReadCsv(csv.ToString()));
    }

    private static DateTimeOffset TimeOf(Guid uuid)
    {
        Span<byte> b = stackalloc byte[16];
        uuid.TryWriteBytes(b, bigEndian: true, out _);
        var ticks = ((long)(((b[6] & 0x0F) << 8) | b[7]) << 48) | ((long)((b[4] << 8) | b[5]) << 32) | System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
        return new DateTimeOffset(1582, 10, 15, 0, 0, 0, TimeSpan.Zero).AddTicks(ticks);
    }
}
