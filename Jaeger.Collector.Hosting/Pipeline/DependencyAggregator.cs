using Jaeger.Model;

namespace Jaeger.Collector.Pipeline;

/// <summary>
/// Counts parent-service to child-service calls as spans stream through. Children usually finish, and so arrive,
/// before their parents, so both directions are resolved: a span whose parent is not seen yet waits in a bounded
/// pending list until the parent arrives or is forgotten. Memory is bounded by <c>capacity</c> spans.
/// </summary>
internal sealed class DependencyAggregator
{
    private readonly object _gate = new();
    private readonly int _capacity;
    private readonly Dictionary<(TraceId, SpanId), string> _services = [];
    private readonly Queue<(TraceId, SpanId)> _order = new();
    private readonly Dictionary<(TraceId, SpanId), List<string>> _waitingChildren = [];
    private readonly Queue<(TraceId, SpanId)> _waitingOrder = new();
    private Dictionary<(string Parent, string Child), ulong> _links = [];

    public DependencyAggregator(int capacity) => _capacity = capacity;

    public void Add(Span span)
    {
        var service = span.Process.ServiceName;
        var key = (span.TraceId, span.SpanId);
        var parent = span.ParentSpanId;
        lock (_gate)
        {
            if (_services.TryAdd(key, service))
            {
                _order.Enqueue(key);
                if (_order.Count > _capacity)
                {
                    _services.Remove(_order.Dequeue());
                }
            }

            if (_waitingChildren.Remove(key, out var children))
            {
                foreach (var child in children)
                {
                    Count(service, child);
                }
            }

            if (parent.IsEmpty)
            {
                return;
            }

            var parentKey = (span.TraceId, parent);
            if (_services.TryGetValue(parentKey, out var parentService))
            {
                Count(parentService, service);
                return;
            }

            if (!_waitingChildren.TryGetValue(parentKey, out var waiting))
            {
                waiting = [];
                _waitingChildren[parentKey] = waiting;
                _waitingOrder.Enqueue(parentKey);
                if (_waitingOrder.Count > _capacity)
                {
                    _waitingChildren.Remove(_waitingOrder.Dequeue());
                }
            }

            waiting.Add(service);
        }
    }

    /// <summary>The links counted since the last call.</summary>
    public IReadOnlyList<DependencyLink> TakeLinks()
    {
        Dictionary<(string Parent, string Child), ulong> links;
        lock (_gate)
        {
            links = _links;
            _links = [];
        }

        var result = new List<DependencyLink>(links.Count);
        foreach (var ((parent, child), count) in links)
        {
            result.Add(new DependencyLink(parent, child, count));
        }

        return result;
    }

    private void Count(string parent, string child)
    {
        if (string.Equals(parent, child, StringComparison.Ordinal))
        {
            return;
        }

        _links.TryGetValue((parent, child), out var count);
        _links[(parent, child)] = count + 1;
    }
}
