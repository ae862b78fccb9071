using System.Diagnostics;
using System.Text.Json;
using Jaeger.Storage.Cassandra.Protocol;
using Jaeger.Storage.Cassandra.Tests.Fake;

namespace Jaeger.Storage.Cassandra.Tests.Cluster;

/// <summary>The real Node.js driver's Client talks to the fake node: proof that the fake speaks protocol v4 as Cassandra does.</summary>
public sealed class NodeDriverAgainstFakeTests
{
    [OracleFact]
    public async Task TheNodeDriverConnectsPreparesReprepareOnUnpreparedAndExecutesAgainstTheFakeNode()
    {
        await using var node = new FakeCqlServer().Start();
        node.Define(new FakeStatement("SELECT v FROM kv WHERE k = ?", [("k", CqlType.Text)], [0], [("v", CqlType.Text)]));
        node.OnStatement = r => r.Query == "SELECT v FROM kv WHERE k = ?" ? FakeReply.Of([("v", CqlType.Text)], ["value-of-" + r.Values[0]]) : FakeReply.Void;

        // The first EXECUTE gets UNPREPARED: the real driver must read our error frame, prepare again and retry.
        node.ForgetNextPrepare();

        var start = new ProcessStartInfo("node") { WorkingDirectory = NodeOracle.NpmFolder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "client.js", node.EndPoint.ToString(), "jaeger_v1_test", "SELECT v FROM kv WHERE k = ?", "a", "b", "c" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.True(process.ExitCode == 0, await stderr);

        var results = JsonSerializer.Deserialize<string[][]>(await stdout)!;
        Assert.Equal([["value-of-a"], ["value-of-b"], ["value-of-c"]], results);
        var executes = node.Requests.Where(r => r.Opcode == CqlOpcode.Execute).ToList();
        Assert.Equal(3, executes.Count);
        Assert.True(node.PreparesReceived >= 2, $"the driver prepared {node.PreparesReceived} times");
        Assert.All(executes, r => Assert.Equal("jaeger_v1_test", r.Keyspace));
        Assert.Contains(node.Startups, s => s["CQL_VERSION"] == "3.0.0" && s["DRIVER_NAME"] == "Apache Cassandra Node.js Driver");
    }
}
