using System.Text.Json.Nodes;
using Jaeger.Storage.Cassandra.Cluster;

namespace Jaeger.Storage.Cassandra.Tests.Cluster;

public sealed class Murmur3TokenTests
{
    // Vectors of the Node driver's tokenizer tests (test/unit/tokenizer-tests.js), which mirror Cassandra's partitioner.
    [Theory]
    [InlineData("0102030405060708090a0b0c0d0e0f10", -5563837382979743776L)]
    [InlineData("02030405060708090a0b0c0d0e0f1011", -1513403162740402161L)]
    [InlineData("ffffffffffffffffffffffffffffffff", -2824192546314762522L)]
    [InlineData("00010203ffffffffffffffffffffffff", 6463632673159404390L)]
    [InlineData("fefefefefefefefefefefefefefefefefe", -1672437813826982685L)]
    [InlineData("fefefefe", 4566408979886474012L)]
    [InlineData("00000000", -3485513579396041028L)]
    [InlineData("00017f7f", 6573459401642635627L)]
    [InlineData("e2e7e2e7e2e701", 2222373981930033306L)]
    [InlineData("0000000000000080", 78142285821850151L)]
    public void TokensEqualCassandrasKnownValues(string keyHex, long token)
    {
        Assert.Equal(token, Murmur3Token.Compute(Convert.FromHexString(keyHex)));
    }

    [Fact]
    public void AnEmptyKeyIsTheMinimumToken()
    {
        Assert.Equal(long.MinValue, Murmur3Token.Compute([]));
    }

    [OracleFact]
    public async Task TokensOfKeysOfEveryLengthEqualTheNodeDriversTokenizer()
    {
        var random = new Random(20261206);
        var keys = new List<byte[]>();
        for (var length = 1; length <= 40; length++)
        {
            var key = new byte[length];
            random.NextBytes(key);
            keys.Add(key);
        }

        var oracle = await NodeOracle.RunAsync([.. keys.Select(k => (JsonNode)new JsonObject { ["kind"] = "token", ["key"] = Convert.ToHexStringLower(k) })]);
        for (var i = 0; i < keys.Count; i++)
        {
            Assert.True(long.Parse(oracle[i]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) == Murmur3Token.Compute(keys[i]), $"key {Convert.ToHexStringLower(keys[i])}");
        }
    }
}
