using System.Collections.Immutable;
using Jaeger.Model;

namespace Jaeger.Storage.Conformance;

/// <summary>
/// The traces every search case writes before it queries, so each fixture is a counter-example for the other cases
/// (as in Jaeger's own storage suite). Times are relative to <see cref="Base"/>, one day before the test runs.
/// </summary>
/// <remarks>
/// Service "tags-svc", operation "op-1", 5 ms unless said otherwise; the tag set S is
/// s.str=sameplacevalue (string), s.int=123 (int64), s.float=72.5 (float64), s.bool=true (bool), s.bin=0x0102 (binary).
/// A "where" tag tells the cases apart. Trace start n seconds after <see cref="Base"/> for fixture n.
/// </remarks>
public sealed class SearchFixtures
{
    public const string Service = "tags-svc";
    public const string OtherService = "other-svc";
    public const string Operation = "op-1";
    public const string OtherOperation = "op-2";
    public const long Duration = 5000;

    public SearchFixtures(DateTimeOffset now)
    {
        Base = now.AddDays(-1);
        var process = new Process(Service, [KeyValue.String("hostname", "host-1")]);

        SpanTags = new TraceBuilder(Id(1))
            .Span(1, process, Operation, At(1), Duration, tags: With(AllOfS(), KeyValue.String("where", "span")));
        ProcessTags = new TraceBuilder(Id(2))
            .Span(1, new Process(Service, With(AllOfS(), KeyValue.String("where", "process"))), Operation, At(2), Duration);
        LogTags = new TraceBuilder(Id(3))
            .Span(1, process, Operation, At(3), Duration, tags: [KeyValue.String("span.kind", "server")], logs: [
                new Log(Time.ToUnixMicros(At(3)) + 10, [KeyValue.String("event", "noise")]),
                new Log(Time.ToUnixMicros(At(3)) + 20, With(AllOfS(), KeyValue.String("where", "log"))),
            ]);
        MultiSpot = new TraceBuilder(Id(4))
            .Span(1, new Process(Service, [Int, Float]), Operation, At(4), Duration, tags: [Str, KeyValue.String("where", "multi")], logs: [
                new Log(Time.ToUnixMicros(At(4)) + 10, [Bool, Bin]),
            ]);
        SplitAcrossSpans = new TraceBuilder(Id(5))
            .Span(1, process, Operation, At(5), Duration, tags: [Str, Int, KeyValue.String("where", "split")])
            .Span(2, process, Operation, At(5).AddMilliseconds(1), Duration, parent: 1, tags: [Float, Bool, Bin, KeyValue.String("where", "split")]);
        WrongValue = new TraceBuilder(Id(6))
            .Span(1, process, Operation, At(6), Duration, tags: [Str, KeyValue.Int64("s.int", 124), Float, Bool, Bin, KeyValue.String("where", "span")]);
        OtherOp = new TraceBuilder(Id(7))
            .Span(1, process, OtherOperation, At(7), Duration, tags: AllOfS());
        Long = new TraceBuilder(Id(8))
            .Span(1, process, Operation, At(8), 20_000, tags: AllOfS());
        Short = new TraceBuilder(Id(9))
            .Span(1, process, Operation, At(9), 1000, tags: AllOfS());
        Old = new TraceBuilder(Id(10))
            .Span(1, process, Operation, Base.AddDays(-2), Duration, tags: AllOfS());
        OtherServiceTrace = new TraceBuilder(Id(11))
            .Span(1, new Process(OtherService), Operation, At(11), Duration, tags: With(AllOfS(), KeyValue.String("where", "span")));

        var frontend = new Process("frontend");
        var backend = new Process("backend");
        MultiService = new TraceBuilder(Id(12))
            .Span(1, frontend, "GET /", At(12), 10_000, tags: [KeyValue.String("span.kind", "server")])
            .Span(2, backend, "SELECT", At(12).AddMilliseconds(1), 2000, parent: 1)
            .Span(3, backend, "SELECT", At(12).AddMilliseconds(4), 2000, parent: 1);

        // Trace start is the earliest span: in "order-svc", Later starts at +20 s and Earlier at +10 s, although
        // Earlier's first-written span starts at +25 s and its root (written last) at +10 s.
        var order = new Process("order-svc");
        Later = new TraceBuilder(Id(13))
            .Span(1, order, "work", At(20), 1000)
            .Span(2, order, "work", At(21), 1000, parent: 1);
        Earlier = new TraceBuilder(Id(14))
            .Span(2, order, "work", At(25), 1000, parent: 1)
            .Span(1, order, "work", At(10), 1000);

        All = [SpanTags, ProcessTags, LogTags, MultiSpot, SplitAcrossSpans, WrongValue, OtherOp, Long, Short, Old, OtherServiceTrace, MultiService, Later, Earlier];
    }

    public static KeyValue Str { get; } = KeyValue.String("s.str", "sameplacevalue");

    public static KeyValue Int { get; } = KeyValue.Int64("s.int", 123);

    public static KeyValue Float { get; } = KeyValue.Float64("s.float", 72.5);

    public static KeyValue Bool { get; } = KeyValue.Bool("s.bool", true);

    public static KeyValue Bin { get; } = KeyValue.Binary("s.bin", [0x01, 0x02]);

    /// <summary>One day before the test: the middle of the search window.</summary>
    public DateTimeOffset Base { get; }

    public DateTimeOffset WindowStart => Base.AddHours(-1);

    public DateTimeOffset WindowEnd => Base.AddHours(1);

    public TraceBuilder SpanTags { get; }

    public TraceBuilder ProcessTags { get; }

    public TraceBuilder LogTags { get; }

    public TraceBuilder MultiSpot { get; }

    public TraceBuilder SplitAcrossSpans { get; }

    public TraceBuilder WrongValue { get; }

    public TraceBuilder OtherOp { get; }

    public TraceBuilder Long { get; }

    public TraceBuilder Short { get; }

    public TraceBuilder Old { get; }

    public TraceBuilder OtherServiceTrace { get; }

    public TraceBuilder MultiService { get; }

    public TraceBuilder Later { get; }

    public TraceBuilder Earlier { get; }

    public IReadOnlyList<TraceBuilder> All { get; }

    /// <summary>The tag set S as query text, with extra conditions; <paramref name="withBinary"/> false leaves s.bin out.</summary>
    public static Dictionary<string, string> QueryTags(bool withBinary, params (string Key, string Value)[] extra)
    {
        var tags = new Dictionary<string, string>
        {
            ["s.str"] = "sameplacevalue",
            ["s.int"] = "123",
            ["s.float"] = "72.5",
            ["s.bool"] = "true",
        };
        if (withBinary)
        {
            tags["s.bin"] = "0102";
        }

        foreach (var (key, value) in extra)
        {
            tags[key] = value;
        }

        return tags;
    }

    public DateTimeOffset At(int seconds) => Base.AddSeconds(seconds);

    private static TraceId Id(ulong n) => new(0x5EA4C4, n);

    private static ImmutableArray<KeyValue> AllOfS() => [Str, Int, Float, Bool, Bin];

    private static ImmutableArray<KeyValue> With(ImmutableArray<KeyValue> tags, KeyValue extra) => tags.Add(extra);
}
