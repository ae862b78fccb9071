using System.Collections.Immutable;
using Jaeger.Model;
using Jaeger.Query.Api;

namespace Jaeger.Query.Adjusters;

/// <summary>
/// Jaeger's adjusters, run on a copy of a trace before it is answered (stored spans are never changed): duplicate span
/// ids of shared client/server spans, invalid references, clock skew between hosts, then ordering by start time.
/// </summary>
internal sealed class TraceAdjuster(bool adjustClockSkew, TimeSpan maxClockSkewAdjustment)
{
    public Trace Adjust(Trace trace)
    {
        // Stored spans are shared with storage: a span is copied only when an adjuster changes it.
        var spans = new CopyOnWriteSpans(trace.Spans);
        DeduplicateSpanIds(spans);
        FixReferences(spans);
        if (adjustClockSkew)
        {
            AdjustClockSkew(spans, maxClockSkewAdjustment);
        }

        var adjusted = new Trace(spans.Items) { Warnings = trace.Warnings };
        adjusted.Spans.Sort(static (a, b) =>
        {
            var c = a.StartTimeMicros.CompareTo(b.StartTimeMicros);
            return c != 0 ? c : a.SpanId.CompareTo(b.SpanId);
        });
        return adjusted;
    }

    internal static Span Clone(Span span) => new()
    {
        TraceId = span.TraceId,
        SpanId = span.SpanId,
        OperationName = span.OperationName,
        References = span.References,
        Flags = span.Flags,
        StartTimeMicros = span.StartTimeMicros,
        DurationMicros = span.DurationMicros,
        Tags = span.Tags,
        Logs = span.Logs,
        Process = span.Process,
        Warnings = span.Warnings,
    };

    /// <summary>Zipkin-style shared spans: the server span that shares its id with a client span gets a new id and becomes the client's child.</summary>
    internal static void DeduplicateSpanIds(CopyOnWriteSpans list)
    {
        var spans = list.Items;
        var counts = new Dictionary<SpanId, int>(spans.Count);
        ulong max = 0;
        var duplicates = false;
        foreach (var span in spans)
        {
            counts.TryGetValue(span.SpanId, out var n);
            counts[span.SpanId] = n + 1;
            duplicates |= n > 0;
            max = Math.Max(max, span.SpanId.Value);
        }

        if (!duplicates)
        {
            return;
        }

        var oldToNew = new Dictionary<SpanId, SpanId>();
        var renamed = new bool[spans.Count];
        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            if (counts[span.SpanId] < 2 || SpanKind(span) != "server" || oldToNew.ContainsKey(span.SpanId))
            {
                continue;
            }

            span = list.Own(i);

            var newId = NextFreeId(ref max, counts);
            var oldId = span.SpanId;
            oldToNew[oldId] = newId;
            span.SpanId = newId;
            var references = ImmutableArray.CreateBuilder<SpanRef>(span.References.Length + 1);
            references.Add(new SpanRef(span.TraceId, oldId, SpanRefType.ChildOf));
            foreach (var reference in span.References)
            {
                if (!(reference.RefType == SpanRefType.ChildOf && reference.TraceId == span.TraceId))
                {
                    references.Add(reference);
                }
            }

            span.References = references.ToImmutable();
            renamed[i] = true;
        }

        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            if (renamed[i] || span.References.IsEmpty)
            {
                continue;
            }

            var parent = span.ParentSpanId;
            if (!oldToNew.TryGetValue(parent, out var newParent) || span.SpanId == parent)
            {
                continue;
            }

            span = list.Own(i);
            var builder = span.References.ToBuilder();
            for (var r = 0; r < builder.Count; r++)
            {
                if (builder[r].TraceId == span.TraceId && builder[r].SpanId == parent)
                {
                    builder[r] = builder[r] with { SpanId = newParent };
                    break;
                }
            }

            span.References = builder.ToImmutable();
        }
    }

    private static SpanId NextFreeId(ref ulong max, Dictionary<SpanId, int> used)
    {
        do
        {
            max++;
            if (max == 0)
            {
                max = 1;
            }
        }
        while (used.ContainsKey(new SpanId(max)));

        used[new SpanId(max)] = 1;
        return new SpanId(max);
    }

    /// <summary>Drops references with an empty trace or span id (with a warning) and puts the parent reference first.</summary>
    internal static void FixReferences(CopyOnWriteSpans list)
    {
        for (var index = 0; index < list.Items.Count; index++)
        {
            var span = list.Items[index];
            var references = span.References;
            if (references.IsEmpty)
            {
                continue;
            }

            var invalid = 0;
            var parentAt = -1;
            for (var i = 0; i < references.Length; i++)
            {
                var r = references[i];
                if (r.TraceId.IsEmpty || r.SpanId.IsEmpty)
                {
                    invalid++;
                }
                else if (parentAt < 0 && r.RefType == SpanRefType.ChildOf && r.TraceId == span.TraceId)
                {
                    parentAt = i;
                }
            }

            if (invalid == 0 && parentAt <= 0)
            {
                continue;
            }

            span = list.Own(index);
            var builder = ImmutableArray.CreateBuilder<SpanRef>(references.Length - invalid);
            var warnings = span.Warnings.ToBuilder();
            if (parentAt >= 0)
            {
                builder.Add(references[parentAt]);
            }

            for (var i = 0; i < references.Length; i++)
            {
                var r = references[i];
                if (r.TraceId.IsEmpty || r.SpanId.IsEmpty)
                {
                    warnings.Add($"Invalid span reference removed: {(r.RefType == SpanRefType.ChildOf ? "CHILD_OF" : "FOLLOWS_FROM")} trace {r.TraceId} span {r.SpanId}");
                }
                else if (i != parentAt)
                {
                    builder.Add(r);
                }
            }

            span.References = builder.ToImmutable();
            span.Warnings = warnings.ToImmutable();
        }
    }

    /// <summary>
    /// Jaeger's clock-skew adjuster: a span whose host (process tag ip, else hostname) differs from its parent's and
    /// that does not fit inside the parent is shifted into it (splitting the difference as network latency); the
    /// shift is inherited by its descendants on the same host.
    /// </summary>
    internal static void AdjustClockSkew(CopyOnWriteSpans list, TimeSpan maxDelta)
    {
        var spans = list.Items;
        var byId = new Dictionary<SpanId, int>(spans.Count);
        for (var i = 0; i < spans.Count; i++)
        {
            byId.TryAdd(spans[i].SpanId, i);
        }

        var children = new Dictionary<int, List<int>>();
        var roots = new List<int>();
        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            var parent = span.ParentSpanId;
            if (!parent.IsEmpty && parent != span.SpanId && byId.TryGetValue(parent, out var parentIndex))
            {
                if (!children.TryGetValue(parentIndex, out var kids))
                {
                    children[parentIndex] = kids = [];
                }

                kids.Add(i);
            }
            else
            {
                roots.Add(i);
            }
        }

        var maxMicros = Time.ToMicros(maxDelta);
        var visited = new bool[spans.Count];
        var stack = new Stack<(int Index, int Parent, long ParentDelta)>();
        foreach (var root in roots)
        {
            stack.Push((root, -1, 0));
        }

        while (stack.Count > 0)
        {
            var (index, parentIndex, parentDelta) = stack.Pop();
            if (visited[index])
            {
                continue;
            }

            visited[index] = true;
            var span = spans[index];
            var parent = parentIndex < 0 ? null : spans[parentIndex];

            long delta = 0;
            if (parent is not null)
            {
                var host = HostKey(span.Process);
                var parentHost = HostKey(parent.Process);
                if (string.Equals(host, parentHost, StringComparison.Ordinal))
                {
                    delta = parentDelta;
                }
                else if (host.Length > 0 && parentHost.Length > 0)
                {
                    delta = Skew(span, parent);
                    if (Math.Abs(delta) > maxMicros)
                    {
                        span = list.Own(index);
                        span.Warnings = span.Warnings.Add(
                            $"max clock skew adjustment delta of {GoDuration.Format(maxDelta)} exceeded; not applying calculated delta of {GoDuration.Format(Time.FromMicros(delta))}");
                        delta = 0;
                    }
                }
            }

            if (delta != 0)
            {
                Shift(list.Own(index), delta);
            }

            if (children.TryGetValue(index, out var kids))
            {
                foreach (var kid in kids)
                {
                    stack.Push((kid, index, delta));
                }
            }
        }
    }

    private static long Skew(Span child, Span parent)
    {
        if (child.DurationMicros > parent.DurationMicros)
        {
            // Cannot fit; align the starts at least.
            return child.StartTimeMicros < parent.StartTimeMicros ? parent.StartTimeMicros - child.StartTimeMicros : 0;
        }

        if (child.StartTimeMicros >= parent.StartTimeMicros &&
            child.StartTimeMicros + child.DurationMicros <= parent.StartTimeMicros + parent.DurationMicros)
        {
            return 0;
        }

        // Assume the network latency splits evenly between request and response.
        var latency = (parent.DurationMicros - child.DurationMicros) / 2;
        return parent.StartTimeMicros + latency - child.StartTimeMicros;
    }

    private static void Shift(Span span, long delta)
    {
        span.StartTimeMicros += delta;
        if (!span.Logs.IsEmpty)
        {
            var logs = ImmutableArray.CreateBuilder<Log>(span.Logs.Length);
            foreach (var log in span.Logs)
            {
                logs.Add(new Log(log.TimestampMicros + delta, log.Fields));
            }

            span.Logs = logs.MoveToImmutable();
        }

        span.Warnings = span.Warnings.Add($"This span's timestamps were adjusted by {GoDuration.Format(Time.FromMicros(delta))}");
    }

    private static string HostKey(Process process)
    {
        string? hostname = null;
        foreach (var tag in process.Tags)
        {
            if (tag.Key == WellKnownTags.Ip)
            {
                return tag.ValueAsString();
            }

            if (tag.Key == WellKnownTags.Hostname)
            {
                hostname = tag.ValueAsString();
            }
        }

        return hostname ?? string.Empty;
    }

    internal static string SpanKind(Span span)
    {
        foreach (var tag in span.Tags)
        {
            if (tag.Key == WellKnownTags.SpanKind)
            {
                return tag.ValueAsString();
            }
        }

        return string.Empty;
    }
}

/// <summary>The spans of a trace being adjusted: the stored instances until an adjuster changes one, which is then copied.</summary>
internal sealed class CopyOnWriteSpans(IEnumerable<Span> spans)
{
    private bool[]? _owned;

    public List<Span> Items { get; } = [.. spans];

    /// <summary>The span at <paramref name="index"/>, copied first if it is still the stored instance.</summary>
    public Span Own(int index)
    {
        _owned ??= new bool[Items.Count];
        if (!_owned[index])
        {
            Items[index] = TraceAdjuster.Clone(Items[index]);
            _owned[index] = true;
        }

        return Items[index];
    }
}
