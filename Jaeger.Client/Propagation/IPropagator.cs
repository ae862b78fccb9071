namespace Jaeger.Client.Propagation;

/// <summary>Writes and reads span contexts in string-map carriers.</summary>
internal interface ITextMapPropagator
{
    void Inject(JaegerSpanContext context, ITextMap carrier);

    /// <summary>The context, or null when the carrier holds none (malformed input is counted and ignored).</summary>
    JaegerSpanContext? Extract(ITextMap carrier);
}

/// <summary>Writes and reads span contexts in binary carriers.</summary>
internal interface IBinaryPropagator
{
    void Inject(JaegerSpanContext context, IBinary carrier);

    JaegerSpanContext? Extract(IBinary carrier);
}
