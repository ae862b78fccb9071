using Jaeger.Model;

namespace Jaeger.Query.Mcp;

/// <summary>
/// A trace's spans as a forest: children by parent, each list sorted by start time. A span whose parent is not in the
/// trace is a root (an orphan when it names a parent); spans caught in a reference cycle become roots too, so every
/// span of the trace is reachable from <see cref="Roots"/> exactly once.
/// </summary>
internal sealed class TraceTree
{
    private static readonly List<Span> NoChildren = [];
    private readonly Dictionary<Span, List<Span>> _children = new(ReferenceEqualityComparer.Instance);

    public TraceTree(Trace trace)
    {
        var byId = new Dictionary<SpanId, Span>();
        Start = long.MaxValue;
        End = long.MinValue;
        foreach (var span in trace.Spans)
        {
            byId.TryAdd(span.SpanId, span);
            Start = Math.Min(Start, span.StartTimeMicros);
            End = Math.Max(End, span.StartTimeMicros + span.DurationMicros);
        }

        foreach (var span in trace.Spans)
        {
            var parentId = span.ParentSpanId;
            if (!parentId.IsEmpty && byId.TryGetValue(parentId, out var parent) && !ReferenceEquals(parent, span))
            {
                if (!_children.TryGetValue(parent, out var list))
                {
                    _children[parent] = list = [];
                }

                list.Add(span);
            }
            else
            {
                Roots.Add(span);
            }
        }

        foreach (var list in _children.Values)
        {
            list.Sort(ByStart);
        }

        // Spans in a reference cycle are reachable from no root: the earliest of each cycle becomes a root.
        var reached = new HashSet<Span>(ReferenceEqualityComparer.Instance);
        foreach (var root in Roots)
        {
            Mark(root, reached);
        }

        if (reached.Count < trace.Spans.Count)
        {
            var rest = new List<Span>(trace.Spans);
            rest.Sort(ByStart);
            foreach (var span in rest)
            {
                if (!reached.Contains(span))
                {
                    Roots.Add(span);
                    Mark(span, reached);
                }
            }
        }

        Roots.Sort(ByStart);
    }

    /// <summary>The spans without a parent in the trace, by start time.</summary>
    public List<Span> Roots { get; } = [];

    /// <summary>The earliest span start, in Unix microseconds.</summary>
    public long Start { get; }

    /// <summary>The latest span end, in Unix microseconds.</summary>
    public long End { get; }

    /// <summary>The span's children in the tree, by start time.</summary>
    public List<Span> ChildrenOf(Span span) => _children.TryGetValue(span, out var list) ? list : NoChildren;

    /// <summary>
    /// The critical path from the first root, computed as the UI's <c>criticalpath.js</c> does: children are clipped to
    /// their parent's window and FOLLOWS_FROM children (work the parent does not wait for) are left out; from the root,
    /// walk into the last-finishing child; back in a parent, the time before that child started is the parent's own
    /// until the next child (the last one finishing before that moment) takes over. Sections of zero length are left
    /// out; the result is in time order, earliest first, and covers the root's whole window.
    /// </summary>
    public List<CriticalSection> CriticalPath()
    {
        var sections = new List<CriticalSection>();
        if (Roots.Count == 0)
        {
            return sections;
        }

        var root = Roots[0];
        var windows = new Dictionary<Span, (long Start, long End, Span? Parent, List<Span> Kids, int Next)>(ReferenceEqualityComparer.Instance)
        {
            [root] = (root.StartTimeMicros, root.StartTimeMicros + root.DurationMicros, null, [], 0),
        };

        // Clip each child to its parent's clipped window, top down, without recursion (traces can be deep).
        var stack = new Stack<Span>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var span = stack.Pop();
            var w = windows[span];
            foreach (var child in ChildrenOf(span))
            {
                if (IsFollowsFrom(child) || windows.ContainsKey(child))
                {
                    continue;
                }

                var start = Math.Max(child.StartTimeMicros, w.Start);
                var end = Math.Min(child.StartTimeMicros + child.DurationMicros, w.End);
                if (child.StartTimeMicros > w.End || end < start)
                {
                    continue;
                }

                windows[child] = (start, end, span, [], 0);
                w.Kids.Add(child);
                stack.Push(child);
            }

            // Latest end first; each child is used once.
            w.Kids.Sort((a, b) => windows[b].End.CompareTo(windows[a].End));
        }

        var current = root;
        var bound = windows[root].End;
        while (true)
        {
            var w = windows[current];
            var next = w.Next;
            while (next < w.Kids.Count && windows[w.Kids[next]].End > bound)
            {
                next++;
            }

            if (next < w.Kids.Count)
            {
                var child = w.Kids[next];
                windows[current] = w with { Next = next + 1 };
                var childEnd = windows[child].End;
                Add(sections, current, childEnd, bound);
                current = child;
                bound = childEnd;
                continue;
            }

            windows[current] = w with { Next = next };
            Add(sections, current, w.Start, bound);
            if (w.Parent is null)
            {
                break;
            }

            bound = w.Start;
            current = w.Parent;
        }

        sections.Reverse();
        return sections;
    }

    private static void Add(List<CriticalSection> sections, Span span, long start, long end)
    {
        if (end > start)
        {
            sections.Add(new CriticalSection(span, start, end));
        }
    }

    /// <summary>True when the span's parent is a FOLLOWS_FROM reference (it has no CHILD_OF reference within its trace).</summary>
    private static bool IsFollowsFrom(Span span)
    {
        var followsFrom = false;
        foreach (var reference in span.References)
        {
            if (reference.TraceId != span.TraceId)
            {
                continue;
            }

            if (reference.RefType == SpanRefType.ChildOf)
            {
                return false;
            }

            followsFrom = true;
        }

        return followsFrom;
    }

    private void Mark(Span root, HashSet<Span> reached)
    {
        var stack = new Stack<Span>();
        if (reached.Add(root))
        {
            stack.Push(root);
        }

        while (stack.Count > 0)
        {
            foreach (var child in ChildrenOf(stack.Pop()))
            {
                if (reached.Add(child))
                {
                    stack.Push(child);
                }
            }
        }
    }

    private static int ByStart(Span a, Span b)
    {
        var c = a.StartTimeMicros.CompareTo(b.StartTimeMicros);
        return c != 0 ? c : a.SpanId.Value.CompareTo(b.SpanId.Value);
    }
}

/// <summary>A stretch of the critical path, in Unix microseconds, spent in <paramref name="Span"/> itself.</summary>
internal readonly record struct CriticalSection(Span Span, long StartMicros, long EndMicros);
