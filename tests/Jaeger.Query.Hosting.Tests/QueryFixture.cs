using Jaeger.Model;
using Jaeger.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jaeger.Query.Hosting.Tests;

/// <summary>A host with in-memory storage holding the fixture traces and the query role on an ephemeral port.</summary>
public sealed class QueryFixture : IAsyncLifetime
{
    public const string XssValue = "<img src=x onerror=alert(1)>";
    public const long BigInt = (1L << 60) + 7;
    public static readonly byte[] BinaryValue = [0xde, 0xad, 0xbe, 0xef, 0x00, 0x01];

    public static readonly TraceId DispatchTraceId = new(0, 0x00000000000abc01);
    public static readonly TraceId ErrorTraceId = new(0x1122334455667788, 0x99aabbccddeeff00);
    public static readonly TraceId SkewTraceId = new(0, 0x5e5e);
    public static readonly TraceId SharedIdTraceId = new(0, 0xd0d0);
    public static readonly TraceId BadRefTraceId = new(0, 0xbadf);
    public static readonly TraceId MissingTraceId = new(0, 0x404404);

    private IHost? _host;

    public long BaseMicros { get; } = Time.ToUnixMicros(DateTimeOffset.UtcNow) - 10 * 60 * 1_000_000L;

    public HttpClient Client { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public static readonly Process Frontend = new("frontend", [KeyValue.String("ip", "10.0.0.1"), KeyValue.String("hostname", "web-1")]);
    public static readonly Process Customer = new("customer", [KeyValue.String("ip", "10.0.0.2"), KeyValue.String("hostname", "api-1")]);
    public static readonly Process Mysql = new("mysql", [KeyValue.String("ip", "10.0.0.3")]);

    public async Task InitializeAsync()
    {
        _host = TestQueryHost.Build(o => o.GrpcListenAddress = "127.0.0.1:0");
        await _host.Services.GetRequiredService<ISpanWriter>().WriteSpansAsync(Spans(BaseMicros));
        await _host.StartAsync();
        BaseAddress = _host.HttpBaseAddress();
        Client = new HttpClient { BaseAddress = BaseAddress };
    }

    public IServiceProvider Services => _host!.Services;

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    private static Span NewSpan(TraceId trace, ulong id, string op, Process process, long start, long duration, ulong parent = 0, params KeyValue[] tags) => new()
    {
        TraceId = trace,
        SpanId = new SpanId(id),
        OperationName = op,
        Process = process,
        StartTimeMicros = start,
        DurationMicros = duration,
        Flags = SpanFlags.Sampled,
        References = parent == 0 ? [] : [new SpanRef(trace, new SpanId(parent))],
        Tags = [.. tags],
    };

    public static List<Span> Spans(long t)
    {
        var spans = new List<Span>
        {
            // A dispatch: frontend server -> frontend client -> customer server -> mysql.
            NewSpan(DispatchTraceId, 1, "GET /dispatch", Frontend, t, 200_000, 0, KeyValue.String("span.kind", "server"), KeyValue.Int64("http.status_code", 200)),
            NewSpan(DispatchTraceId, 2, "HTTP GET /customer", Frontend, t + 10_000, 150_000, 1, KeyValue.String("span.kind", "client")),
            NewSpan(DispatchTraceId, 3, "/customer", Customer, t + 20_000, 120_000, 2,
                KeyValue.String("span.kind", "server"),
                KeyValue.String("customer.note", XssValue),
                KeyValue.Int64("big.number", BigInt),
                KeyValue.Int64("small.number", 42),
                KeyValue.Float64("ratio", 0.25),
                KeyValue.Bool("cache.hit", false),
                KeyValue.Binary("payload", BinaryValue)),
            NewSpan(DispatchTraceId, 4, "SQL SELECT", Mysql, t + 30_000, 80_000, 3, KeyValue.String("span.kind", "client"), KeyValue.String("sql.query", "select * from customer")),

            // A failing request, with a 128-bit trace id.
            NewSpan(ErrorTraceId, 0x10, "GET /dispatch", Frontend, t + 1_000_000, 2_500_000, 0,
                KeyValue.String("span.kind", "server"), KeyValue.Int64("http.status_code", 500), KeyValue.Bool("error", true)),
            NewSpan(ErrorTraceId, 0x11, "/customer", Customer, t + 1_100_000, 2_000_000, 0x10, KeyValue.String("span.kind", "server"), KeyValue.Bool("error", true)),

            // Clock skew: the customer host's clock is 500 ms behind, so its span starts before its parent.
            NewSpan(SkewTraceId, 0x20, "GET /skew", Frontend, t + 2_000_000, 100_000, 0, KeyValue.String("span.kind", "client")),
            NewSpan(SkewTraceId, 0x21, "/skew", Customer, t + 1_500_000, 20_000, 0x20, KeyValue.String("span.kind", "server")),
            NewSpan(SkewTraceId, 0x22, "skew child", Customer, t + 1_505_000, 5_000, 0x21),

            // Zipkin-style shared span id: client and server spans both have id 0x30.
            NewSpan(SharedIdTraceId, 0x30, "call", Frontend, t + 3_000_000, 50_000, 0, KeyValue.String("span.kind", "client")),
            NewSpan(SharedIdTraceId, 0x30, "call", Customer, t + 3_005_000, 40_000, 0, KeyValue.String("span.kind", "server")),
            NewSpan(SharedIdTraceId, 0x31, "work", Customer, t + 3_010_000, 10_000, 0x30),

            // An invalid (empty) reference.
            NewSpan(BadRefTraceId, 0x40, "orphan", Mysql, t + 4_000_000, 1_000),
        };
        spans[^1].References = [new SpanRef(default, new SpanId(7)), new SpanRef(BadRefTraceId, default)];
        spans[3].Logs = [new Log(t + 40_000, [KeyValue.String("event", "query"), KeyValue.Int64("rows", 3)])];
        return spans;
    }
}

[CollectionDefinition(Name)]
public sealed class QueryCollection : ICollectionFixture<QueryFixture>
{
    public const string Name = "query";
}
