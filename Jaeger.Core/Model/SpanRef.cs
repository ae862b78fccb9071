namespace Jaeger.Model;

/// <summary>The kind of a reference between spans.</summary>
public enum SpanRefType : byte
{
    /// <summary>The referenced span is the parent and waits for this one.</summary>
    ChildOf = 0,

    /// <summary>The referenced span caused this one but does not wait for it.</summary>
    FollowsFrom = 1,
}

/// <summary>A reference from a span to another span, possibly in another trace.</summary>
/// <param name="TraceId">The referenced span's trace.</param>
/// <param name="SpanId">The referenced span.</param>
/// <param name="RefType">How the two relate.</param>
public readonly record struct SpanRef(TraceId TraceId, SpanId SpanId, SpanRefType RefType = SpanRefType.ChildOf);
