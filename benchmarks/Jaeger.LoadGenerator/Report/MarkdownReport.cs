using System.Globalization;
using System.Text;
using Jaeger.LoadGenerator.Options;
using Jaeger.LoadGenerator.Query;

namespace Jaeger.LoadGenerator.Report;

/// <summary>The final tables, in markdown so they paste into docs/benchmarks.md.</summary>
internal static class MarkdownReport
{
    public static string Ingest(IngestResult result)
    {
        var o = result.Options;
        var b = result.Balance;
        var seconds = result.SendSeconds;
        var text = new StringBuilder();
        var rate = o.Rate <= 0 ? "unbounded" : Invariant($"{o.Rate:N0} traces/s");
        text.AppendLine(Invariant($"### {OptionsParser.TransportName(o.Transport)}: {o.Workers} workers, {rate}, {result.Shape.SpansPerTrace} spans/trace, {result.Shape.SpansPerRequest} spans ({result.RequestBytes:N0} B) per {(o.Transport is TransportKind.AgentUdpCompact or TransportKind.AgentUdpBinary ? "datagram" : "request")}, {o.TagsPerSpan} tags/span, {o.PayloadBytes} B payload, {seconds:F1} s, service `{o.Service}`{(o.SelfHost ? ", self-hosted" : string.Empty)}"));
        text.AppendLine();
        text.AppendLine("| measure | spans | per second |");
        text.AppendLine("|---|---:|---:|");
        Row(text, "sent", b.Sent, seconds);
        Row(text, "accepted (" + result.AcceptedMeaning + ")", b.Accepted, seconds);
        Row(text, "stored", (long)b.Stored, seconds);
        foreach (var row in b.Rows.Where(r => r.IsDrop && r.Spans != 0))
        {
            Row(text, Invariant($"dropped: {row.Stage}: {row.What}"), row.Spans, seconds);
        }

        Row(text, "dropped, total counted", b.CountedDrops, seconds);
        if (result.QuerySpans is { } querySpans)
        {
            text.AppendLine(Invariant($"| (check) spans of `{o.Service}` found by one query API search | {querySpans:N0} | {(querySpans == (long)b.Stored ? "= stored" : "differs from stored")} |"));
        }

        Row(text, "unaccounted (sent - stored - counted drops)", b.Unaccounted, seconds);
        foreach (var row in b.Rows.Where(r => !r.IsDrop && r.Spans != 0))
        {
            text.AppendLine(Invariant($"| (info) {row.Stage}: {row.What} | {row.Spans:N0} | |"));
        }

        var probe = result.Probe;
        var q = probe.Latency.Summarize([0.5, 0.99, 1.0]);
        if (o.LatencySamplesPerSecond > 0)
        {
            text.AppendLine(Invariant($"| emit -> queryable p50 / p99 / max | {Ms(q[0])} / {Ms(q[1])} / {Ms(q[2])} | {probe.Latency.Count:N0} samples{(probe.NotFound > 0 ? Invariant($", {probe.NotFound:N0} not stored or not queryable in time") : string.Empty)} |"));
        }

        var cpu = result.GeneratorCpu.TotalSeconds;
        text.AppendLine(Invariant($"| generator process CPU | {cpu:F2} s | {cpu / seconds * 100:F0}% of one core{(o.SelfHost ? " (includes the self-hosted pipeline)" : string.Empty)} |"));
        text.AppendLine();
        text.AppendLine(Verdict(result));
        return text.ToString();
    }

    public static string Verdict(IngestResult result)
    {
        var b = result.Balance;
        var text = new StringBuilder();
        if (b.Closes)
        {
            text.Append(Invariant($"Accounting closes: sent {b.Sent:N0} = stored {b.Stored:N0} + counted drops {b.CountedDrops:N0} (settled in {result.SettleTime.TotalSeconds:F1} s)."));
        }
        else
        {
            text.Append(Invariant($"Accounting does NOT close: sent {b.Sent:N0} - stored {b.Stored:N0} - counted drops {b.CountedDrops:N0} = {b.Unaccounted:N0} after waiting {result.SettleTime.TotalSeconds:F1} s."));
            foreach (var where in b.Where)
            {
                text.AppendLine().Append("- ").Append(where);
            }
        }

        if (result.CollectorMetricsError is not null)
        {
            text.AppendLine().Append(Invariant($"- collector /metrics ({result.Options.AdminUrl}metrics): {result.CollectorMetricsError}"));
        }

        if (result.AgentMetricsError is not null)
        {
            text.AppendLine().Append(Invariant($"- agent /metrics ({result.Options.AgentUrl}metrics): {result.AgentMetricsError}"));
        }

        if (result.Probe.Check is { } check)
        {
            text.AppendLine().Append(Invariant($"Sample trace {check.TraceId} on the query API: {check.Spans} spans, {check.DistinctSpanIds} distinct span ids, {check.Roots} root, {check.ChildrenWithParentInTrace} children whose parent is in the trace ({(check.IsTree ? "a tree" : "NOT a tree")})."));
        }

        return text.ToString();
    }

    public static string Query(QueryResult result)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"### query API: {result.Workers} workers, {result.Seconds:F1} s after {result.WarmupSeconds:0.#} s of unrecorded warm-up, store preloaded with {result.PreloadedSpans:N0} spans of service `{result.Service}` (+ one {result.LargeTraceSpans:N0}-span trace of `{result.Service}-large`)"));
        text.AppendLine();
        text.AppendLine("| request | first answer | count | errors | requests/s | p50 ms | p90 ms | p99 ms | max ms |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var kind in result.Kinds)
        {
            var p = kind.Latency.Summarize([0.5, 0.9, 0.99, 1.0]);
            text.AppendLine(Invariant($"| {kind.Description} | {kind.FirstResult ?? "none"} | {kind.Latency.Count:N0} | {kind.Errors:N0} | {kind.Latency.Count / result.Seconds:N0} | {p[0]:F2} | {p[1]:F2} | {p[2]:F2} | {p[3]:F2} |"));
        }

        var all = new Latency.LatencyRecorder();
        foreach (var kind in result.Kinds)
        {
            all.Merge(kind.Latency);
        }

        var m = all.Summarize([0.5, 0.9, 0.99, 1.0]);
        text.AppendLine(Invariant($"| all of the above (each worker cycles through them) | | {all.Count:N0} | {result.Kinds.Sum(k => k.Errors):N0} | {all.Count / result.Seconds:N0} | {m[0]:F2} | {m[1]:F2} | {m[2]:F2} | {m[3]:F2} |"));

        return text.ToString();
    }

    private static void Row(StringBuilder text, string what, long spans, double seconds) =>
        text.AppendLine(Invariant($"| {what} | {spans:N0} | {spans / seconds:N0} |"));

    private static string Ms(double millis) => double.IsNaN(millis) ? "n/a" : Invariant($"{millis:F1} ms");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
