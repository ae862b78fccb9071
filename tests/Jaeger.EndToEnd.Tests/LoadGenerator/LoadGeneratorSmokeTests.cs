using Jaeger.LoadGenerator;
using Jaeger.LoadGenerator.Options;

namespace Jaeger.EndToEnd.Tests.LoadGenerator;

/// <summary>The load generator's core against a self-hosted pipeline on port 0: the books balance and the query API agrees.</summary>
public sealed class LoadGeneratorSmokeTests
{
    [Theory]
    [InlineData("collector-http-thrift")]
    [InlineData("otlp-http")]
    [InlineData("agent-udp-compact")]
    public async Task A_short_self_hosted_run_closes_its_accounting_and_the_query_api_shows_every_stored_span(string transport)
    {
        var options = OptionsParser.Parse(["--transport", transport]).Options! with
        {
            SelfHost = true,
            Workers = 2,
            Rate = 200,
            SpansPerTrace = 5,
            BatchSpans = 50,
            Duration = TimeSpan.FromSeconds(1.5),
            Progress = false,
            LatencySamplesPerSecond = 10,
        };
        using var output = new StringWriter();

        var outcome = await LoadRunner.RunAsync(options, output, TextWriter.Null, CancellationToken.None);

        var result = Assert.IsType<IngestResult>(outcome.Ingest);
        var balance = result.Balance;
        Assert.True(balance.Closes, output.ToString());
        Assert.Equal(0, outcome.ExitCode);
        Assert.True(balance.Sent > 0);
        Assert.Equal(balance.Sent, (long)balance.Stored + balance.CountedDrops);
        Assert.Contains("Accounting closes", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("| stored |", output.ToString(), StringComparison.Ordinal);

        // The sampled trace as the query API returned it: every span, distinct ids, one tree.
        var check = Assert.IsType<Jaeger.LoadGenerator.Latency.TraceCheck>(result.Probe.Check);
        Assert.Equal(options.SpansPerTrace, check.Spans);
        Assert.True(check.IsTree);
        Assert.True(result.Probe.Latency.Count > 0);

        // The query API holds exactly the stored spans of this run's service (the run is short: well under the limit).
        Assert.True(balance.Stored / options.SpansPerTrace < 1500);
        Assert.Equal((long)balance.Stored, result.QuerySpans);
    }

    [Fact]
    public async Task Query_mode_preloads_then_times_every_request_kind_and_each_finds_data()
    {
        var options = OptionsParser.Parse(["--mode", "query"]).Options! with
        {
            SelfHost = true,
            Workers = 2,
            PreloadSpans = 2_000,
            Duration = TimeSpan.FromSeconds(1),
            Warmup = TimeSpan.FromMilliseconds(300),
            Progress = false,
        };
        using var output = new StringWriter();

        var outcome = await LoadRunner.RunAsync(options, output, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(2_000, outcome.Ingest!.Balance.Stored);
        var query = Assert.IsType<Jaeger.LoadGenerator.Query.QueryResult>(outcome.Query);
        Assert.Equal(4, query.Kinds.Count);
        Assert.Equal(0.3, query.WarmupSeconds, 3);
        Assert.Contains("after 0.3 s of unrecorded warm-up", output.ToString(), StringComparison.Ordinal);
        Assert.All(query.Kinds, k => Assert.True(k.Latency.Count > 0 && k.Errors == 0, k.Description));
        Assert.Equal("20 traces, 200 spans", query.Kinds[0].FirstResult);
        Assert.Equal("1 traces, 1,000 spans", query.Kinds[3].FirstResult);
        Assert.Contains("| search: service, limit 20, lookback 1h | 20 traces, 200 spans |", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("| all of the above (each worker cycles through them) | | " + query.Kinds.Sum(k => k.Latency.Count).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " |", output.ToString(), StringComparison.Ordinal);
    }
}
