using System.Globalization;

namespace Jaeger.LoadGenerator.Options;

/// <summary>The result of parsing the command line: options, a help request, or an error message.</summary>
internal sealed record ParseResult(LoadOptions? Options, bool HelpRequested, string? Error);

/// <summary>Parses <c>--name value</c> and <c>--name=value</c> arguments into <see cref="LoadOptions"/>.</summary>
internal static class OptionsParser
{
    public const string Help = """
        Jaeger load generator: pushes spans with distinct ids into a Jaeger agent or collector and accounts for every
        one (sent = stored + counted drops), or measures the query API (--mode query).
        Defaults target `dotnet run --project samples/Jaeger.AllInOne` on Jaeger's default ports.

        Usage: dotnet run -c Release --project benchmarks/Jaeger.LoadGenerator -- [options]

          --mode ingest|query          ingest (default): push spans; query: preload, then time /api/traces requests
          --transport NAME             agent-udp-compact | agent-udp-binary | collector-http-thrift (default) |
                                       otlp-grpc | otlp-http
          --workers N                  concurrent senders (default 4)
          --rate R                     traces per second over all workers; 0 = unbounded (default 0)
          --spans-per-trace N          spans per trace, forming a tree (default 10)
          --tags-per-span N            tags per span (default 4)
          --payload BYTES              size of one string tag's value (default 32)
          --duration D                 how long to send: 30s, 500ms, 2m (default 30s)
          --batch-spans N              spans per request (default 100) or per UDP datagram (default: as many as fit
                                       65,000 bytes)
          --service NAME               service name (default loadgen-<random>, so every run is distinguishable)
          --latency-samples R          traces per second polled on the query API for emit->queryable latency (default 20)
          --max-retries N              retries of a pushed-back request (HTTP 429, gRPC RESOURCE_EXHAUSTED) (default 5)
          --settle-timeout D           how long to wait after sending for stored to stop changing (default 30s)
          --no-progress                no live progress line on stderr
          --preload-spans N            query mode: spans to preload in traces of 10 (default 1000000)
          --warmup D                   query mode: unrecorded requests before the measured duration; 0 = none
                                       (default 5s)
          --max-traces N               --self-host: the in-memory store's bound (default: enough for the run)

        Targets (Jaeger's default ports on localhost):
          --agent-host HOST            agent UDP host (compact 6831, binary 6832; --agent-compact-port, --agent-binary-port)
          --agent-url URL              agent HTTP server, for its /metrics (default http://localhost:5778/)
          --collector-url URL          collector Thrift HTTP (default http://localhost:14268/)
          --otlp-url URL               OTLP: gRPC for otlp-grpc (default http://localhost:4317/),
                                       HTTP for otlp-http (default http://localhost:4318/)
          --query-url URL              query API (default http://localhost:16686/)
          --admin-url URL              collector admin, for its /metrics (default http://localhost:14269/)
          --self-host                  run agent, collector, query and in-memory storage in this process on port 0
                                       and target them

        Exit codes: 0 the accounting closes, 1 it does not, 2 bad options.
        """;

    public static ParseResult Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        Uri? otlpUrl = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                return new ParseResult(null, true, null);
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                return Fail($"unexpected argument '{arg}'; options start with --");
            }

            var name = arg;
            string? inline = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[..equals];
                inline = arg[(equals + 1)..];
            }

            if (name is "--self-host" or "--no-progress")
            {
                if (inline is not null)
                {
                    return Fail($"{name} takes no value");
                }

                options = name == "--self-host" ? options with { SelfHost = true } : options with { Progress = false };
                continue;
            }

            string value;
            if (inline is not null)
            {
                value = inline;
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                return Fail($"{name} needs a value");
            }

            try
            {
                options = name switch
                {
                    "--mode" => options with { Mode = ParseMode(value) },
                    "--transport" => options with { Transport = ParseTransport(value) },
                    "--workers" => options with { Workers = Int(name, value, 1, 4096) },
                    "--rate" => options with { Rate = Double(name, value, 0) },
                    "--spans-per-trace" => options with { SpansPerTrace = Int(name, value, 1, 100_000) },
                    "--tags-per-span" => options with { TagsPerSpan = Int(name, value, 0, 1_000) },
                    "--payload" => options with { PayloadBytes = Int(name, value, 0, 60_000) },
                    "--duration" => options with { Duration = Duration(name, value) },
                    "--warmup" => options with { Warmup = value == "0" ? TimeSpan.Zero : Duration(name, value) },
                    "--batch-spans" => options with { BatchSpans = Int(name, value, 1, 1_000_000) },
                    "--service" => options with { Service = NonEmpty(name, value) },
                    "--latency-samples" => options with { LatencySamplesPerSecond = Double(name, value, 0) },
                    "--max-retries" => options with { MaxRetries = Int(name, value, 0, 1_000) },
                    "--settle-timeout" => options with { SettleTimeout = Duration(name, value) },
                    "--preload-spans" => options with { PreloadSpans = Int(name, value, 0, int.MaxValue) },
                    "--max-traces" => options with { MaxTraces = Int(name, value, 1, int.MaxValue) },
                    "--agent-host" => options with { AgentHost = NonEmpty(name, value) },
                    "--agent-compact-port" => options with { AgentCompactPort = Int(name, value, 1, 65_535) },
                    "--agent-binary-port" => options with { AgentBinaryPort = Int(name, value, 1, 65_535) },
                    "--agent-url" => options with { AgentUrl = Url(name, value) },
                    "--collector-url" => options with { CollectorUrl = Url(name, value) },
                    "--otlp-url" => options,
                    "--query-url" => options with { QueryUrl = Url(name, value) },
                    "--admin-url" => options with { AdminUrl = Url(name, value) },
                    _ => throw new FormatException($"unknown option '{name}'"),
                };
                if (name == "--otlp-url")
                {
                    otlpUrl = Url(name, value);
                }
            }
            catch (FormatException e)
            {
                return Fail(e.Message);
            }
        }

        if (otlpUrl is not null)
        {
            options = options with { OtlpGrpcUrl = otlpUrl, OtlpHttpUrl = otlpUrl };
        }

        if (options.Mode == RunMode.Query && options.Transport != TransportKind.CollectorHttpThrift)
        {
            return Fail("--mode query preloads over collector-http-thrift; leave --transport out");
        }

        return new ParseResult(options, false, null);
    }

    /// <summary>Parses "30s", "500ms", "2m", "1h" or a number of seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value))
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * scale);
        return true;
    }

    public static string TransportName(TransportKind kind) => kind switch
    {
        TransportKind.AgentUdpCompact => "agent-udp-compact",
        TransportKind.AgentUdpBinary => "agent-udp-binary",
        TransportKind.CollectorHttpThrift => "collector-http-thrift",
        TransportKind.OtlpGrpc => "otlp-grpc",
        _ => "otlp-http",
    };

    private static ParseResult Fail(string message) => new(null, false, message);

    private static RunMode ParseMode(string value) => value switch
    {
        "ingest" => RunMode.Ingest,
        "query" => RunMode.Query,
        _ => throw new FormatException($"--mode must be ingest or query, not '{value}'"),
    };

    private static TransportKind ParseTransport(string value)
    {
        foreach (var kind in Enum.GetValues<TransportKind>())
        {
            if (TransportName(kind) == value)
            {
                return kind;
            }
        }

        throw new FormatException($"--transport must be one of agent-udp-compact, agent-udp-binary, collector-http-thrift, otlp-grpc, otlp-http; not '{value}'");
    }

    private static int Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new FormatException($"{name} must be a whole number from {min} to {max}, not '{value}'");

    private static double Double(string name, string value, double min) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && double.IsFinite(n)
            ? n
            : throw new FormatException($"{name} must be a number of at least {min}, not '{value}'");

    private static TimeSpan Duration(string name, string value) =>
        TryParseDuration(value, out var duration) && duration > TimeSpan.Zero
            ? duration
            : throw new FormatException($"{name} must be a positive duration such as 30s, 500ms or 2m, not '{value}'");

    private static string NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new FormatException($"{name} must not be empty") : value;

    private static Uri Url(string name, string value) =>
        Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new FormatException($"{name} must be an http:// or https:// URL, not '{value}'");
}
