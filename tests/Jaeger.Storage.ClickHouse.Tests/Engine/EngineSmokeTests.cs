using ClickHouse.Driver;
using ClickHouse.Driver.ADO;

namespace Jaeger.Storage.ClickHouse.Tests.Engine;

/// <summary>The official driver against the real engine through the test front: connect, DDL, binary insert, select, errors.</summary>
public sealed class EngineSmokeTests
{
    [EngineFact]
    public async Task Driver_creates_a_table_bulk_inserts_rows_and_selects_them_back_through_the_front()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        front.Recording = true;
        var database = ClickHouseTestServer.NewDatabaseName("smoke");
        using var client = new ClickHouseClient(new ClickHouseClientSettings { Host = front.Endpoint.Host, Port = (ushort)front.Endpoint.Port, Protocol = "http" });

        Assert.True(await client.PingAsync());
        await client.ExecuteNonQueryAsync($"CREATE DATABASE {database}");
        await client.ExecuteNonQueryAsync($"CREATE TABLE {database}.items (id UInt64, name String, at DateTime64(9), tags Nested(key String, value Int64)) ENGINE = MergeTree ORDER BY id");
        var at = new DateTime(2026, 12, 6, 10, 11, 12, DateTimeKind.Utc).AddTicks(1234567);
        var rows = Enumerable.Range(1, 2500).Select(i => new object[] { (ulong)i, $"item-{i}", at.AddSeconds(i), new[] { "k" + i }, new[] { (long)i * 10 } });

        var written = await client.InsertBinaryAsync($"{database}.items", ["id", "name", "at", "tags.key", "tags.value"], rows);

        Assert.Equal(2500, written);
        Assert.Equal(2500UL, Convert.ToUInt64(await client.ExecuteScalarAsync($"SELECT count() FROM {database}.items"), System.Globalization.CultureInfo.InvariantCulture));
        using var reader = await client.ExecuteReaderAsync($"SELECT id, name, at, tags.key, tags.value FROM {database}.items WHERE id = 7");
        Assert.True(reader.Read());
        Assert.Equal(7UL, reader.GetFieldValue<ulong>(0));
        Assert.Equal("item-7", reader.GetString(1));
        Assert.Equal(at.AddSeconds(7), reader.GetDateTime(2));
        Assert.Equal(["k7"], (string[])reader.GetValue(3));
        Assert.Equal([70L], (long[])reader.GetValue(4));
        Assert.False(reader.Read());

        // The insert went as the driver's binary bulk insert: INSERT ... FORMAT RowBinary with a compressed body.
        var insert = Assert.Single(front.Recorded, r => r.Sql.Contains($"{database}.items", StringComparison.Ordinal) && r.Sql.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase));
        Assert.Matches("FORMAT RowBinary", insert.Sql);
        Assert.True(insert.DataLength > 2500 * 20, $"data {insert.DataLength} bytes");
        Assert.Equal("zstd", insert.ContentEncoding);
        Assert.True(front.CompressedResponses > 0, "the driver asked for compressed results and read them");
    }

    [EngineFact]
    public async Task A_failing_statement_reaches_the_driver_as_a_server_exception_with_clickhouse_error_code()
    {
        var front = await ClickHouseTestServer.RequireAsync();
        using var client = new ClickHouseClient(new ClickHouseClientSettings { Host = front.Endpoint.Host, Port = (ushort)front.Endpoint.Port, Protocol = "http" });

        var error = await Assert.ThrowsAsync<ClickHouseServerException>(() => client.ExecuteScalarAsync("SELECT * FROM no_such_database_here.t"));

        Assert.Equal(81, error.ErrorCode);
        Assert.Contains("UNKNOWN_DATABASE", error.Message, StringComparison.Ordinal);
    }
}
