using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jaeger.Storage.ClickHouse.Tests.Engine;

/// <summary>
/// A test-only HTTP front on the in-process engine, speaking the part of ClickHouse's HTTP interface the official
/// driver uses: the statement in the <c>query</c> URL argument and/or the body (gzip, deflate, brotli or zstd
/// compressed as the driver sends it), <c>database</c>, <c>default_format</c>, <c>param_*</c> query parameters and
/// settings as URL arguments, <c>INSERT ... FORMAT</c> with the data in the body, results in the format asked for, and
/// errors as ClickHouse sends them (HTTP status, body "Code: N. DB::Exception: ...", header
/// <c>X-ClickHouse-Exception-Code</c>). Each request runs alone on the engine (USE, SETs, then the statement).
/// </summary>
internal sealed partial class ClickHouseHttpFront : IAsyncDisposable
{
    private static readonly HashSet<string> NotSettings = new(StringComparer.Ordinal)
    {
        "query", "database", "default_format", "user", "password", "query_id", "session_id", "session_timeout",
        "session_check", "compress", "decompress", "quota_key", "buffer_size", "wait_end_of_query", "role",
    };

    private static int _insertFiles;
    private int _compressedResponses;

    private readonly ChdbEngine _engine;
    private readonly WebApplication _app;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, string> _applied = new(StringComparer.Ordinal);
    private string? _currentDatabase;

    private ClickHouseHttpFront(ChdbEngine engine, WebApplication app)
    {
        _engine = engine;
        _app = app;
    }

    /// <summary>The front's address, http://127.0.0.1:port/.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The requests served, when <see cref="Recording"/> is on (the driver's behaviour, for tests that check it).</summary>
    public ConcurrentQueue<RecordedRequest> Recorded { get; } = new();

    public bool Recording { get; set; }

    /// <summary>Stopwatch ticks the front spent reading and decompressing request bodies and writing insert data to files (its own share of the write path, for measurements).</summary>
    public long BodyTicks => Interlocked.Read(ref _bodyTicks);

    private long _bodyTicks;

    /// <summary>Responses sent gzip-compressed (the driver asks for compression).</summary>
    public int CompressedResponses => Volatile.Read(ref _compressedResponses);

    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _holds = new(StringComparer.Ordinal);

    /// <summary>Fails the next <paramref name="count"/> statements naming <paramref name="marker"/> (a database) with ClickHouse's overload error, HTTP 503.</summary>
    public void FailNext(string marker, int count) => _failures[marker] = count;

    /// <summary>Holds statements naming <paramref name="marker"/> before they run, until the returned source is completed.</summary>
    public TaskCompletionSource Hold(string marker)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _holds[marker] = gate;
        return gate;
    }

    /// <summary>Statements naming <paramref name="marker"/> that arrived (counted whether or not recording is on).</summary>
    public int Arrived(string marker) => _arrivals.Count(a => a.Contains(marker, StringComparison.Ordinal));

    private readonly ConcurrentQueue<string> _arrivals = new();

    public static async Task<ClickHouseHttpFront> StartAsync(ChdbEngine engine)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Limits.MaxRequestBodySize = 512L * 1024 * 1024;
        });
        var app = builder.Build();
        var front = new ClickHouseHttpFront(engine, app);
        app.MapMethods("/ping", ["GET", "HEAD"], () => Results.Text("Ok.\n"));
        app.MapMethods("/", ["GET", "POST"], front.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        front.Endpoint = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return front;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _gate.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var args = request.Query.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        if (request.HasFormContentType)
        {
            // The driver may send query parameters as form fields (UseFormDataParameters).
            var form = await request.ReadFormAsync();
            foreach (var field in form)
            {
                args[field.Key] = field.Value.ToString();
            }
        }

        var received = System.Diagnostics.Stopwatch.GetTimestamp();
        byte[] body = request.HasFormContentType ? [] : await ReadBodyAsync(request);
        Interlocked.Add(ref _bodyTicks, System.Diagnostics.Stopwatch.GetTimestamp() - received);
        args.TryGetValue("query", out var queryArg);
        string sql;
        byte[]? data = null;
        string? insertFormat = null;
        if (!string.IsNullOrEmpty(queryArg) && InsertFormat().Match(queryArg) is { Success: true } insertInUrl && body.Length > 0)
        {
            sql = queryArg;
            data = body;
            insertFormat = insertInUrl.Groups["format"].Value;
        }
        else
        {
            // ClickHouse joins the URL's query and the body; an INSERT's data follows its FORMAT clause in the body.
            var text = (queryArg ?? string.Empty) + (queryArg is { Length: > 0 } && body.Length > 0 ? " " : string.Empty);
            var bodyText = Encoding.UTF8.GetString(body);
            var combined = text + bodyText;
            var match = InsertFormatPrefix().Match(combined);
            if (match.Success && match.Length < combined.Length)
            {
                sql = match.Value.TrimEnd();
                insertFormat = match.Groups["format"].Value;
                var dataOffset = Encoding.UTF8.GetByteCount(match.Value) - Encoding.UTF8.GetByteCount(text);
                data = body[Math.Max(0, dataOffset)..];
            }
            else
            {
                sql = combined;
            }
        }

        if (Recording)
        {
            Recorded.Enqueue(new RecordedRequest(
                request.Method,
                request.Path + request.QueryString,
                request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                sql,
                data?.Length ?? 0,
                request.Headers.ContentEncoding.ToString()));
        }

        // Long enough to hold the table names of a SELECT with the span reader's column list.
        _arrivals.Enqueue(sql.Length > 4000 ? sql[..4000] : sql);
        foreach (var (marker, gate) in _holds)
        {
            if (sql.Contains(marker, StringComparison.Ordinal))
            {
                await gate.Task;
            }
        }

        foreach (var marker in _failures.Keys)
        {
            if (sql.Contains(marker, StringComparison.Ordinal) && _failures.TryGetValue(marker, out var left) && left > 0 && _failures.TryUpdate(marker, left - 1, left))
            {
                await WriteErrorAsync(response, 503, 202, "Code: 202. DB::Exception: Too many simultaneous queries. Maximum: 100. (TOO_MANY_SIMULTANEOUS_QUERIES) (version 26.7.2.1)");
                return;
            }
        }
        var format = args.TryGetValue("default_format", out var f) && f.Length > 0 ? f : "TabSeparated";
        string? insertFile = null;
        byte[] result;
        await _gate.WaitAsync();
        try
        {
            // The engine's session keeps the current database, settings and parameters: set only what changed.
            var use = args.TryGetValue("database", out var database) && database.Length > 0 ? $"USE {QuoteIdentifier(database)}" : "USE default";
            if (use != _currentDatabase)
            {
                _engine.Query(use, "TSV");
                _currentDatabase = use;
            }

            // One SET statement for all that changed (each statement is a round into the engine).
            var changed = new List<KeyValuePair<string, string>>();
            foreach (var (key, value) in args)
            {
                if ((key.StartsWith("param_", StringComparison.Ordinal) || !NotSettings.Contains(key))
                    && !(_applied.TryGetValue(key, out var current) && current == value))
                {
                    changed.Add(new(key, value));
                }
            }

            if (changed.Count > 0)
            {
                _engine.Query("SET " + string.Join(", ", changed.Select(c => $"{c.Key} = {QuoteString(c.Value)}")), "TSV");
                foreach (var (key, value) in changed)
                {
                    _applied[key] = value;
                }
            }

            if (data is not null && insertFormat is not null)
            {
                insertFile = Path.Combine(_engine.DataPath, $"insert-{Interlocked.Increment(ref _insertFiles)}.bin");
                var writing = System.Diagnostics.Stopwatch.GetTimestamp();
                await File.WriteAllBytesAsync(insertFile, data);
                Interlocked.Add(ref _bodyTicks, System.Diagnostics.Stopwatch.GetTimestamp() - writing);
                var head = sql[..sql.LastIndexOf("FORMAT", StringComparison.OrdinalIgnoreCase)];
                sql = $"{head} FROM INFILE {QuoteString(insertFile)} FORMAT {insertFormat}";
            }

            result = _engine.Query(sql, format);
        }
        catch (ChdbQueryException e)
        {
            var status = e.Code switch
            {
                60 or 81 => 404,
                62 or 27 or 36 or 38 or 41 or 47 or 53 or 69 or 70 or 115 or 117 => 400,
                _ => 500,
            };
            await WriteErrorAsync(response, status, e.Code, e.Message);
            return;
        }
        finally
        {
            _gate.Release();
            if (insertFile is not null)
            {
                File.Delete(insertFile);
            }
        }

        response.StatusCode = 200;
        response.Headers["X-ClickHouse-Format"] = format;
        response.Headers["X-ClickHouse-Timezone"] = "UTC";
        response.Headers["X-ClickHouse-Query-Id"] = args.TryGetValue("query_id", out var queryId) && queryId.Length > 0 ? queryId : Guid.NewGuid().ToString();
        response.Headers["X-ClickHouse-Server-Display-Name"] = "chdb-test-front";
        response.Headers["X-ClickHouse-Summary"] = "{\"read_rows\":\"0\",\"read_bytes\":\"0\",\"written_rows\":\"0\",\"written_bytes\":\"0\",\"total_rows_to_read\":\"0\",\"result_rows\":\"0\",\"result_bytes\":\"0\"}";
        response.ContentType = "application/octet-stream";
        if (args.TryGetValue("enable_http_compression", out var compress) && compress is "1" or "true"
            && request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase) && result.Length > 0)
        {
            // As a server with enable_http_compression answers a client that accepts gzip.
            using var compressed = new MemoryStream();
            await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                await gzip.WriteAsync(result);
            }

            response.Headers.ContentEncoding = "gzip";
            result = compressed.ToArray();
            Interlocked.Increment(ref _compressedResponses);
        }

        response.ContentLength = result.Length;
        await response.Body.WriteAsync(result);
    }

    private static async Task WriteErrorAsync(HttpResponse response, int status, int code, string message)
    {
        response.StatusCode = status;
        response.Headers["X-ClickHouse-Exception-Code"] = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.ContentType = "text/plain; charset=UTF-8";
        await response.WriteAsync(message.EndsWith('\n') ? message : message + "\n");
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        Stream source = request.Body;
        foreach (var encoding in request.Headers.ContentEncoding.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Reverse())
        {
            source = encoding.ToLowerInvariant() switch
            {
                "gzip" => new GZipStream(source, CompressionMode.Decompress),
                "deflate" => new ZLibStream(source, CompressionMode.Decompress),
                "br" => new BrotliStream(source, CompressionMode.Decompress),
                // zstd and lz4 frames are what the driver's own compressors write; decoding them needs their codecs.
                "zstd" => global::ClickHouse.Driver.Compression.ZstdCompressor.Default.Decompress(source, false),
                "lz4" => global::ClickHouse.Driver.Compression.Lz4Compressor.Default.Decompress(source, false),
                "identity" => source,
                _ => throw new BadHttpRequestException($"Content-Encoding {encoding} is not supported by the test front"),
            };
        }

        using var buffer = new MemoryStream();
        await source.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static string QuoteString(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    private static string QuoteIdentifier(string value) => "`" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";

    [GeneratedRegex(@"^\s*INSERT\s+INTO\s+.+?\s+FORMAT\s+(?<format>\w+)\s*$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex InsertFormat();

    [GeneratedRegex(@"^\s*INSERT\s+INTO\s+[^\n]+?\s+FORMAT\s+(?<format>\w+)[ \t]*\r?\n?", RegexOptions.IgnoreCase)]
    private static partial Regex InsertFormatPrefix();
}

/// <summary>One request the front served.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Sql, int DataLength, string ContentEncoding);
