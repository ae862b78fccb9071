using System.Collections.Immutable;
using System.Text;
using Jaeger.Model;
using Jaeger.Thrift;

namespace Jaeger.Core.Tests.Thrift;

/// <summary>Seeded random batches: round trips, ApacheThrift agreement and exact sizes over shapes no one wrote by hand.</summary>
public sealed class ThriftRandomizedTests
{
    private static readonly string[] Pieces = ["a", "Z", "0", " ", "-", "é", "ß", "服", "😀", "\u0000", "\t", "\u07FF", "\uFFFD"];

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 40; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomBatch_RoundTripsAndAgreesWithApacheThrift(int seed)
    {
        var random = new Random(seed);
        var batch = RandomBatch(random);
        foreach (var protocol in ThriftFixtures.Protocols)
        {
            foreach (var emitBatch in new[] { false, true })
            {
                var ours = ThriftFixtures.Encode(batch, protocol, emitBatch);
                Assert.True(ThriftFixtures.TryDecode(ours, protocol, emitBatch, out var decoded, out var error), error.ToString());
                ThriftFixtures.AssertEquivalent(batch, decoded!);

                var (theirsDecoded, _, _) = ApacheThriftMapping.Decode(ours, protocol, emitBatch);
                ThriftFixtures.AssertEquivalent(batch, theirsDecoded);

                var theirs = ApacheThriftMapping.Encode(batch, protocol, emitBatch);
                Assert.True(ThriftFixtures.TryDecode(theirs, protocol, emitBatch, out decoded, out error), error.ToString());
                ThriftFixtures.AssertEquivalent(batch, decoded!);

                if (emitBatch)
                {
                    var computed = JaegerThriftSerializer.GetEmitBatchOverhead(batch, protocol) + batch.Spans.Sum(s => JaegerThriftSerializer.GetSpanSize(s, protocol));
                    Assert.Equal(ours.Length, computed);
                }
            }
        }
    }

    private static Batch RandomBatch(Random random)
    {
        var process = new Process(RandomString(random), RandomTags(random));
        var spans = new List<Span>();
        var spanCount = random.Next(4) == 0 ? random.Next(15, 40) : random.Next(0, 6);
        for (var i = 0; i < spanCount; i++)
        {
            var traceId = new TraceId(random.Next(2) == 0 ? 0 : RandomULong(random), RandomULong(random));
            var refs = new SpanRef[random.Next(0, 4)];
            for (var r = 0; r < refs.Length; r++)
            {
                var refTrace = random.Next(3) == 0 ? new TraceId(RandomULong(random), RandomULong(random)) : traceId;
                refs[r] = new SpanRef(refTrace, new SpanId(RandomULong(random)), random.Next(2) == 0 ? SpanRefType.ChildOf : SpanRefType.FollowsFrom);
            }

            var logs = new Log[random.Next(0, 3)];
            for (var l = 0; l < logs.Length; l++)
            {
                logs[l] = new Log(RandomLong(random), RandomTags(random));
            }

            spans.Add(new Span
            {
                TraceId = traceId,
                SpanId = new SpanId(RandomULong(random)),
                OperationName = RandomString(random),
                References = [.. refs],
                Flags = (SpanFlags)random.Next(0, 16),
                StartTimeMicros = RandomLong(random),
                DurationMicros = RandomLong(random),
                Tags = RandomTags(random),
                Logs = [.. logs],
            });
        }

        return new Batch(process, spans)
        {
            SeqNo = random.Next(2) == 0 ? null : RandomLong(random),
            Stats = random.Next(2) == 0 ? null : new ClientStats(RandomLong(random), RandomLong(random), RandomLong(random)),
        };
    }

    private static ImmutableArray<KeyValue> RandomTags(Random random)
    {
        var count = random.Next(5) == 0 ? random.Next(15, 30) : random.Next(0, 5);
        var tags = new KeyValue[count];
        for (var i = 0; i < count; i++)
        {
            var key = RandomString(random);
            tags[i] = random.Next(5) switch
            {
                0 => KeyValue.String(key, RandomString(random)),
                1 => KeyValue.Bool(key, random.Next(2) == 0),
                2 => KeyValue.Int64(key, RandomLong(random)),
                3 => KeyValue.Float64(key, random.NextDouble() * RandomLong(random)),
                _ => KeyValue.Binary(key, RandomBytes(random)),
            };
        }

        return [.. tags];
    }

    private static string RandomString(Random random)
    {
        var length = random.Next(4) switch
        {
            0 => 0,
            1 => random.Next(1, 42),
            2 => random.Next(42, 140),
            _ => random.Next(140, 2000),
        };
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(Pieces[random.Next(Pieces.Length)]);
        }

        return builder.ToString();
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static long RandomLong(Random random) => random.Next(4) switch
    {
        0 => 0,
        1 => random.Next(-200, 200),
        2 => random.Next(2) == 0 ? long.MinValue : long.MaxValue,
        _ => random.NextInt64(long.MinValue, long.MaxValue),
    };

    private static ulong RandomULong(Random random) => (ulong)RandomLong(random);
}
