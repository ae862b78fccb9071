using System.Globalization;
using Jaeger.LoadGenerator.Options;
using Jaeger.LoadGenerator.Query;
using Jaeger.LoadGenerator.Report;
using Jaeger.LoadGenerator.SelfHost;

namespace Jaeger.LoadGenerator;

/// <summary>What a run produced: the ingest result, or the query result with its preload.</summary>
internal sealed record RunOutcome(int ExitCode, IngestResult? Ingest, QueryResult? Query);

/// <summary>The tool as a library: parse-free entry points that tests call directly.</summary>
internal static class LoadRunner
{
    /// <summary>Parses the command line and runs; returns the process exit code (0 closes, 1 does not, 2 bad options).</summary>
    public static async Task<int> RunCommandLineAsync(IReadOnlyList<string> args, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var parsed = OptionsParser.Parse(args);
        if (parsed.HelpRequested)
        {
            await output.WriteLineAsync(OptionsParser.Help).ConfigureAwait(false);
            return 0;
        }

        if (parsed.Error is not null)
        {
            await progress.WriteLineAsync("error: " + parsed.Error).ConfigureAwait(false);
            await progress.WriteLineAsync("run with --help for the options").ConfigureAwait(false);
            return 2;
        }

        try
        {
            return (await RunAsync(parsed.Options!, output, progress, cancellationToken).ConfigureAwait(false)).ExitCode;
        }
        catch (InvalidOperationException e)
        {
            await progress.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return 2;
        }
    }

    /// <summary>Runs with parsed options, writing the markdown report to <paramref name="output"/>.</summary>
    public static async Task<RunOutcome> RunAsync(LoadOptions options, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        SelfHostedPipeline? pipeline = null;
        try
        {
            if (options.SelfHost)
            {
                var maxTraces = options.MaxTraces ?? (options.Mode == RunMode.Query ? (int)Math.Min(int.MaxValue, (options.PreloadSpans / 10) + 10_000) : 20_000);
                pipeline = await SelfHostedPipeline.StartAsync(maxTraces, cancellationToken).ConfigureAwait(false);
                options = pipeline.Target(options);
                await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"self-hosted pipeline: collector {options.CollectorUrl}, OTLP {options.OtlpHttpUrl} / {options.OtlpGrpcUrl}, agent UDP {options.AgentCompactPort}/{options.AgentBinaryPort}, query {options.QueryUrl}, in-memory store of {maxTraces:N0} traces")).ConfigureAwait(false);
            }

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(64, options.Workers), UseProxy = false })
            {
                Timeout = TimeSpan.FromSeconds(30),
            };
            if (options.Mode == RunMode.Query)
            {
                var (query, preload, large) = await new QueryBenchmark(options, progress, http).RunAsync(cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(MarkdownReport.Ingest(preload)).ConfigureAwait(false);
                if (query is null)
                {
                    await output.WriteLineAsync(MarkdownReport.Verdict(large)).ConfigureAwait(false);
                    await output.WriteLineAsync("The preload did not close, so the query API was not measured.").ConfigureAwait(false);
                    return new RunOutcome(1, preload, null);
                }

                await output.WriteLineAsync(MarkdownReport.Query(query)).ConfigureAwait(false);
                return new RunOutcome(query.Kinds.Any(k => k.Errors > 0) ? 1 : 0, preload, query);
            }

            var result = await new IngestRun(options, progress, http).RunAsync(null, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(MarkdownReport.Ingest(result)).ConfigureAwait(false);
            return new RunOutcome(result.Balance.Closes ? 0 : 1, result, null);
        }
        finally
        {
            if (pipeline is not null)
            {
                await pipeline.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
