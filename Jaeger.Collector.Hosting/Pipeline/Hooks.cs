using Jaeger.Model;

namespace Jaeger.Collector;

/// <summary>Decides whether a span is stored; register implementations in DI (every one must accept the span).</summary>
public interface ISpanFilter
{
    /// <summary>True to store the span; false rejects it (counted as rejected with reason "filter").</summary>
    bool ShouldStore(Span span);
}

/// <summary>Runs on every accepted span just before it is written; may change the span (for example add tags).</summary>
public interface IPreSaveHook
{
    /// <summary>Called once per span, on a collector worker.</summary>
    void OnSaving(Span span);
}
